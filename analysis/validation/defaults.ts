/**
 * The API servers' defaulting, applied before evaluation: what the Kubernetes API server and
 * Calico's API server (or calicoctl) write into an object the user left a field of unset. One table,
 * each entry with its source; the analyzer evaluates the defaulted object, so an empty list means
 * exactly what the cluster would make of it (e.g. `policyTypes: []` is treated like no policyTypes,
 * as SetDefaults_NetworkPolicy does with `len(...) == 0`).
 *
 * Sources (Kubernetes v1.30.14, Calico libcalico-go; see analysis/README.md):
 * - K8S_NETPOL: kubernetes pkg/apis/networking/v1/defaults.go (SetDefaults_NetworkPolicy, SetDefaults_NetworkPolicyPort)
 * - K8S_SERVICE: kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_Service)
 * - K8S_CONTAINER_PORT: k8s.io/api core/v1 types.go, ContainerPort.Protocol `+default="TCP"` (zz_generated.defaults.go)
 * - K8S_SERVICE_ACCOUNT: kubernetes plugin/pkg/admission/serviceaccount/admission.go (DefaultServiceAccountName)
 * - K8S_NAMESPACE: kubectl / client-go: an object without metadata.namespace goes to the context's namespace, "default"
 * - CALICO_TYPES: libcalico-go lib/clientv3/globalnetworkpolicy.go defaultPolicyTypesField (NetworkPolicy and GlobalNetworkPolicy)
 * - CALICO_TIER: Calico docs reference/resources/tier.mdx: a policy without a tier is in tier "default"
 * - CALICO_TIER_ACTION: Calico docs reference/resources/tier.mdx: defaultAction defaults to Deny
 */
import type { KubeObject } from "../types";

export type PolicyType = "Ingress" | "Egress";

export interface ApiDefault {
    /** "apiVersion group|Kind" patterns the default applies to. */
    applies: (object: KubeObject) => boolean;
    /** The field, as a path with [] for every list element. */
    field: string;
    /** What is filled in, in words. */
    value: string;
    source: string;
    /** Fills the default into `object` through `set` (every write goes through it). */
    apply: (object: KubeObject, set: Setter) => void;
}

/** Writes `value` at `target[key]`; withApiDefaults first passes one that only notes that a write is due. */
export type Setter = (target: Record<string, any>, key: string, value: unknown) => void;

const CALICO_API = new Set(["projectcalico.org/v3", "crd.projectcalico.org/v1"]);
const isKubePolicy = (o: KubeObject) => o.apiVersion === "networking.k8s.io/v1" && o.kind === "NetworkPolicy";
const isCalicoPolicy = (o: KubeObject) => CALICO_API.has(o.apiVersion) && (o.kind === "NetworkPolicy" || o.kind === "GlobalNetworkPolicy");
const isService = (o: KubeObject) => o.apiVersion === "v1" && o.kind === "Service";
const NAMESPACED_CALICO = new Set(["NetworkPolicy", "NetworkSet"]);
const CLUSTER_SCOPED_KUBE = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
]);
const isNamespaced = (o: KubeObject) => (CALICO_API.has(o.apiVersion) ? NAMESPACED_CALICO.has(o.kind) : !CLUSTER_SCOPED_KUBE.has(o.kind));

export const isEmptyList = (value: unknown) => value === undefined || value === null || (Array.isArray(value) && value.length === 0);
const listOf = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const mapOf = (value: unknown): Record<string, any> | undefined =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : undefined;

/** Kubernetes NetworkPolicy: Ingress always, Egress when there are egress rules (K8S_NETPOL). */
export function kubernetesPolicyTypes(egress: unknown): PolicyType[] {
    return listOf(egress).length ? ["Ingress", "Egress"] : ["Ingress"];
}

/** Calico (Global)NetworkPolicy: Ingress without egress rules; Egress alone with egress rules only; both with both (CALICO_TYPES). */
export function calicoPolicyTypes(ingress: unknown, egress: unknown): PolicyType[] {
    if (!listOf(egress).length) return ["Ingress"];
    return listOf(ingress).length ? ["Ingress", "Egress"] : ["Egress"];
}

function eachPodSpec(object: KubeObject, visit: (spec: Record<string, any>) => void): void {
    const spec = mapOf(object.spec);
    const template =
        object.kind === "Pod" ? spec : object.kind === "CronJob" ? mapOf(mapOf(mapOf(spec?.jobTemplate)?.spec)?.template)?.spec : mapOf(spec?.template)?.spec;
    const podSpec = mapOf(template);
    if (podSpec) visit(podSpec);
}

const WORKLOADS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"]);
const isWorkload = (o: KubeObject) => WORKLOADS.has(o.kind) && (o.apiVersion === "v1" || o.apiVersion === "apps/v1" || o.apiVersion === "batch/v1");

export const API_DEFAULTS: readonly ApiDefault[] = [
    {
        applies: (o) => isNamespaced(o) && !o.metadata?.namespace && (isWorkload(o) || isService(o) || isKubePolicy(o) || isCalicoPolicy(o)),
        field: "metadata.namespace",
        value: '"default" when missing or empty',
        source: "K8S_NAMESPACE",
        apply: (o, set) => {
            if (mapOf(o.metadata) && !o.metadata.namespace) set(o.metadata, "namespace", "default");
        },
    },
    {
        applies: isKubePolicy,
        field: "spec.policyTypes",
        value: "[Ingress], plus Egress if spec.egress has rules, when missing or empty",
        source: "K8S_NETPOL",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && isEmptyList(s.policyTypes)) set(s, "policyTypes", kubernetesPolicyTypes(s.egress));
        },
    },
    {
        applies: isKubePolicy,
        field: "spec.{ingress,egress}[].ports[].protocol",
        value: "TCP",
        source: "K8S_NETPOL",
        apply: (o, set) => {
            for (const rule of [...listOf(o.spec?.ingress), ...listOf(o.spec?.egress)]) {
                for (const port of listOf(mapOf(rule)?.ports)) {
                    const p = mapOf(port);
                    if (p && p.protocol === undefined) set(p, "protocol", "TCP");
                }
            }
        },
    },
    {
        applies: isCalicoPolicy,
        field: "spec.types",
        value: "from the rules: [Ingress] without egress rules, [Egress] with egress rules only, both with both, when missing or empty",
        source: "CALICO_TYPES",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && isEmptyList(s.types)) set(s, "types", calicoPolicyTypes(s.ingress, s.egress));
        },
    },
    {
        applies: isCalicoPolicy,
        field: "spec.tier",
        value: '"default" when missing or empty',
        source: "CALICO_TIER",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && !s.tier) set(s, "tier", "default");
        },
    },
    {
        applies: (o) => CALICO_API.has(o.apiVersion) && o.kind === "Tier",
        field: "spec.defaultAction",
        value: "Deny",
        source: "CALICO_TIER_ACTION",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && s.defaultAction === undefined) set(s, "defaultAction", "Deny");
        },
    },
    {
        applies: isService,
        field: "spec.type",
        value: "ClusterIP",
        source: "K8S_SERVICE",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && !s.type) set(s, "type", "ClusterIP");
        },
    },
    {
        applies: isService,
        field: "spec.ports[].protocol, spec.ports[].targetPort",
        value: 'TCP; targetPort = port when missing, 0 or ""',
        source: "K8S_SERVICE",
        apply: (o, set) => {
            for (const port of listOf(o.spec?.ports)) {
                const p = mapOf(port);
                if (!p) continue;
                if (!p.protocol) set(p, "protocol", "TCP");
                if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") set(p, "targetPort", p.port);
            }
        },
    },
    {
        applies: isService,
        field: "spec.externalTrafficPolicy",
        value: "Cluster for NodePort and LoadBalancer services",
        source: "K8S_SERVICE",
        apply: (o, set) => {
            const s = mapOf(o.spec);
            if (s && (s.type === "NodePort" || s.type === "LoadBalancer") && !s.externalTrafficPolicy) set(s, "externalTrafficPolicy", "Cluster");
        },
    },
    {
        applies: isWorkload,
        field: "<pod spec>.{containers,initContainers}[].ports[].protocol",
        value: "TCP",
        source: "K8S_CONTAINER_PORT",
        apply: (o, set) =>
            eachPodSpec(o, (spec) => {
                for (const container of [...listOf(spec.containers), ...listOf(spec.initContainers)]) {
                    for (const port of listOf(mapOf(container)?.ports)) {
                        const p = mapOf(port);
                        if (p && !p.protocol) set(p, "protocol", "TCP");
                    }
                }
            }),
    },
    {
        applies: isWorkload,
        field: "<pod spec>.serviceAccountName",
        value: 'spec.serviceAccount (deprecated alias) if set, else "default"',
        source: "K8S_SERVICE_ACCOUNT",
        apply: (o, set) =>
            eachPodSpec(o, (spec) => {
                if (!spec.serviceAccountName) set(spec, "serviceAccountName", spec.serviceAccount || "default");
            }),
    },
];

/**
 * `object` with every applicable API default filled in: a copy when some default writes, else
 * `object` itself (the input is never changed). Expects an object that passed schema validation;
 * fields of the wrong shape are left alone. The copy shares every map and list no default writes
 * into with `object`: only those on the way from the root to a written one are copied.
 */
export function withApiDefaults(object: KubeObject): KubeObject {
    const defaults = API_DEFAULTS.filter((d) => d.applies(object));
    // A dry run first: most objects of a large input need no default, and copying every one of them
    // was the largest cost of loading. A default that writes only after another one wrote is still
    // caught: the first write already makes the copy, and the real run applies them all in order.
    let writes = false;
    for (const d of defaults)
        d.apply(object, () => {
            writes = true;
        });
    if (!writes) return object;
    const copy = copyOnWrite(object);
    for (const d of defaults)
        d.apply(copy.root, (target, key, value) => {
            copy.writable(target)[key] = value;
        });
    return copy.root;
}

type Container = Record<string, any> | unknown[];

/**
 * A shallow copy of `root` and `writable(node)`: the copy of `node` (a map or list inside `root`,
 * or inside an earlier copy), made on first use together with copies of every map and list above
 * it, so that a write into it changes the copy only. A node reached through several paths (a YAML
 * alias) has one copy that every path leads to, as a full structured clone would keep it.
 */
function copyOnWrite<T extends object>(root: T): { root: T; writable: (node: object) => Record<string, any> } {
    const copyOf = new Map<object, Container>();
    const copies = new Set<object>();
    const shallow = (node: object): Container => (Array.isArray(node) ? node.slice() : { ...node });
    const rootCopy = shallow(root) as T;
    copyOf.set(root, rootCopy);
    copies.add(rootCopy);
    let parents: Map<object, [object, string][]> | undefined;
    const writable = (node: object): Container => {
        if (copies.has(node)) return node as Container;
        const made = copyOf.get(node);
        if (made) return made;
        parents ??= parentsOf(root);
        const links = parents.get(node);
        if (!links) throw new Error("withApiDefaults: a default wrote outside the object it was given");
        const copy = shallow(node);
        copyOf.set(node, copy);
        copies.add(copy);
        for (const [parent, key] of links) (writable(parent) as Record<string, unknown>)[key] = copy;
        return copy;
    };
    return { root: rootCopy, writable: writable as (node: object) => Record<string, any> };
}

/** Every map and list inside `root` (not `root` itself), with the (parent, key) pairs that hold it. */
function parentsOf(root: object): Map<object, [object, string][]> {
    const parents = new Map<object, [object, string][]>();
    const pending: object[] = [root];
    while (pending.length) {
        const node = pending.pop()!;
        for (const key of Object.keys(node)) {
            const child: unknown = (node as Record<string, unknown>)[key];
            if (typeof child !== "object" || child === null) continue;
            const links = parents.get(child);
            if (links) {
                links.push([node, key]);
                continue;
            }
            parents.set(child, [[node, key]]);
            if (child !== root) pending.push(child);
        }
    }
    return parents;
}
