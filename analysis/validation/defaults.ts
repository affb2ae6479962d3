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
const CLUSTER_SCOPED_KUBE = new Set(["Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "IngressClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService"]);
const isNamespaced = (o: KubeObject) => (CALICO_API.has(o.apiVersion) ? NAMESPACED_CALICO.has(o.kind) : !CLUSTER_SCOPED_KUBE.has(o.kind));

export const isEmptyList = (value: unknown) => value === undefined || value === null || (Array.isArray(value) && value.length === 0);
const listOf = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const mapOf = (value: unknown): Record<string, any> | undefined =>
    (typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, any> : undefined);

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
    const template = object.kind === "Pod" ? spec : object.kind === "CronJob" ? mapOf(mapOf(mapOf(spec?.jobTemplate)?.spec)?.template)?.spec : mapOf(spec?.template)?.spec;
    const podSpec = mapOf(template);
    if (podSpec) visit(podSpec);
}

const WORKLOADS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"]);
const isWorkload = (o: KubeObject) => WORKLOADS.has(o.kind) && (o.apiVersion === "v1" || o.apiVersion === "apps/v1" || o.apiVersion === "batch/v1");

export const API_DEFAULTS: readonly ApiDefault[] = [
    {
        applies: (o) => isNamespaced(o) && !o.metadata?.namespace && (isWorkload(o) || isService(o) || isKubePolicy(o) || isCalicoPolicy(o)), field: "metadata.namespace", value: "\"default\" when missing or empty",
        source: "K8S_NAMESPACE", apply: (o, set) => { if (mapOf(o.metadata) && !o.metadata.namespace) set(o.metadata, "namespace", "default"); },
    },
    {
        applies: isKubePolicy, field: "spec.policyTypes", value: "[Ingress], plus Egress if spec.egress has rules, when missing or empty",
        source: "K8S_NETPOL", apply: (o, set) => { const s = mapOf(o.spec); if (s && isEmptyList(s.policyTypes)) set(s, "policyTypes", kubernetesPolicyTypes(s.egress)); },
    },
    {
        applies: isKubePolicy, field: "spec.{ingress,egress}[].ports[].protocol", value: "TCP", source: "K8S_NETPOL",
        apply: (o, set) => {
            for (const rule of [...listOf(o.spec?.ingress), ...listOf(o.spec?.egress)]) {
                for (const port of listOf(mapOf(rule)?.ports)) { const p = mapOf(port); if (p && p.protocol === undefined) set(p, "protocol", "TCP"); }
            }
        },
    },
    {
        applies: isCalicoPolicy, field: "spec.types", value: "from the rules: [Ingress] without egress rules, [Egress] with egress rules only, both with both, when missing or empty",
        source: "CALICO_TYPES", apply: (o, set) => { const s = mapOf(o.spec); if (s && isEmptyList(s.types)) set(s, "types", calicoPolicyTypes(s.ingress, s.egress)); },
    },
    {
        applies: isCalicoPolicy, field: "spec.tier", value: "\"default\" when missing or empty", source: "CALICO_TIER",
        apply: (o, set) => { const s = mapOf(o.spec); if (s && !s.tier) set(s, "tier", "default"); },
    },
    {
        applies: (o) => CALICO_API.has(o.apiVersion) && o.kind === "Tier", field: "spec.defaultAction", value: "Deny", source: "CALICO_TIER_ACTION",
        apply: (o, set) => { const s = mapOf(o.spec); if (s && s.defaultAction === undefined) set(s, "defaultAction", "Deny"); },
    },
    {
        applies: isService, field: "spec.type", value: "ClusterIP", source: "K8S_SERVICE",
        apply: (o, set) => { const s = mapOf(o.spec); if (s && !s.type) set(s, "type", "ClusterIP"); },
    },
    {
        applies: isService, field: "spec.ports[].protocol, spec.ports[].targetPort", value: "TCP; targetPort = port when missing, 0 or \"\"", source: "K8S_SERVICE",
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
        applies: isService, field: "spec.externalTrafficPolicy", value: "Cluster for NodePort and LoadBalancer services", source: "K8S_SERVICE",
        apply: (o, set) => { const s = mapOf(o.spec); if (s && (s.type === "NodePort" || s.type === "LoadBalancer") && !s.externalTrafficPolicy) set(s, "externalTrafficPolicy", "Cluster"); },
    },
    {
        applies: isWorkload, field: "<pod spec>.{containers,initContainers}[].ports[].protocol", value: "TCP", source: "K8S_CONTAINER_PORT",
        apply: (o, set) => eachPodSpec(o, (spec) => {
            for (const container of [...listOf(spec.containers), ...listOf(spec.initContainers)]) {
                for (const port of listOf(mapOf(container)?.ports)) { const p = mapOf(port); if (p && !p.protocol) set(p, "protocol", "TCP"); }
            }
        }),
    },
    {
        applies: isWorkload, field: "<pod spec>.serviceAccountName", value: "spec.serviceAccount (deprecated alias) if set, else \"default\"", source: "K8S_SERVICE_ACCOUNT",
        apply: (o, set) => eachPodSpec(o, (spec) => { if (!spec.serviceAccountName) set(spec, "serviceAccountName", spec.serviceAccount || "default"); }),
    },
];

/**
 * `object` with every applicable API default filled in: a copy when some default writes, else
 * `object` itself (the input is never changed). Expects an object that passed schema validation;
 * fields of the wrong shape are left alone.
 */
export function withApiDefaults(object: KubeObject): KubeObject {
    const defaults = API_DEFAULTS.filter((d) => d.applies(object));
    // A dry run first: most objects of a large input need no default, and copying every one of them
    // was the largest cost of loading. A default that writes only after another one wrote is still
    // caught: the first write already makes the copy, and the real run applies them all in order.
    let writes = false;
    for (const d of defaults) d.apply(object, () => { writes = true; });
    if (!writes) return object;
    const copy = structuredClone(object);
    for (const d of defaults) d.apply(copy, (target, key, value) => { target[key] = value; });
    return copy;
}
