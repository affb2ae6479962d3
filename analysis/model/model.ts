/**
 * The cluster as the analyzer sees it: namespaces, workload endpoints (one per workload, standing
 * for all of its pods), services, host endpoints, tiers, network sets and the policies, already
 * validated and normalized (see policies.ts). Built once from plain objects; read by the engine.
 */
import { AnalysisInputError } from "../errors";
import { describeObject, locate, protocolOf, withOriginOf } from "../input/manifests";
import { validateObjects, withApiDefaults } from "../validation";
import { addressFamily, formatIPv4, parseCidr, parseIPv4 } from "../net";
import { normalizePolicy, Policy, Tier, normalizeTier } from "./policies";
import { builtinTiers, calicoRelease, inSpans, kindRow } from "./calico-releases";
import { leftOut } from "./enforcement";
import { enforcedCounterpart, isStaged, stagedActionOf } from "./staged";
import { isAdminPolicy, normalizeAdminPolicy } from "./admin-policies";
import neutralKinds from "./neutral-kinds.json";
import { getOrCreate } from "./model-index";
import { catchAllNotNetsWarnings } from "./catch-all-not-nets";
import { networkSetWarnings } from "./network-set-warnings";
import { endpointsOf } from "./services";
import { felixSettings } from "./felix-config";
import { hostEndpointWarnings } from "./host-endpoint-warnings";
import type { KubeObject, Labels } from "../types";
import type {
    AnalyzerOptions,
    AutoHostEndpointOptions,
    ClusterModel,
    ContainerPort,
    HostEndpoint,
    Namespace,
    NetworkSet,
    Node,
    ResolvedOptions,
    Service,
    ServiceAccount,
    ServicePort,
    Workload,
} from "./model-types";
import { AUTO_HEP_LABEL, AUTO_HEP_PROFILE } from "./model-types";

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"]);
const CALICO_GROUPS = new Set(["projectcalico.org/v3", "crd.projectcalico.org/v1"]);
const KUBE_POLICY = "networking.k8s.io/v1";

/** Kinds that do not change which connections are allowed (data: neutral-kinds.json). */
const NEUTRAL_KINDS = new Set<string>(neutralKinds.kinds);
const NEUTRAL_GROUPS: readonly string[] = neutralKinds.groups;
const NEUTRAL_CALICO_KINDS = new Set<string>(neutralKinds.calicoKinds);

/** Namespaces every cluster has (kube-apiserver creates them; Calico's operator creates calico-system). */
const ALWAYS_PRESENT_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease", "calico-system", "calico-apiserver", "tigera-operator"]);
const DEFAULT_POD_CIDR = "192.168.0.0/16";
const DEFAULT_NODE = { name: "node", ip: "172.18.0.2" };
export function buildModel(objects: KubeObject[], options: AnalyzerOptions = {}): ClusterModel {
    const warnings: string[] = [];
    const seen = new ObjectIdentities();
    const byKind = new Map<string, KubeObject[]>();
    let ipPoolCidr: string | undefined;
    const ipv6Pools: string[] = [];
    let kubeControllersAutoHep = false;
    const rawPolicies: KubeObject[] = [];
    const stagedPolicies: KubeObject[] = [];

    const release = calicoRelease(options.calicoVersion, "calicoVersion");
    for (const raw of objects) checkShape(raw);
    validateObjects(objects, release);
    warnings.push(...catchAllNotNetsWarnings(objects, release));
    for (const raw of objects) {
        const object = withOriginOf(withApiDefaults(raw), raw);
        const previous = seen.add(object);
        if (previous) {
            const first = locate(previous);
            throw new AnalysisInputError(
                `declared twice (first in ${first.file ?? "the input"}${first.document ? ` document ${first.document}` : ""})`,
                locate(object),
            );
        }
        if (leftOut(object, release, warnings)) {
            if (isStaged(object) && inSpans(release, kindRow(object)?.served?.spans ?? [])) stagedPolicies.push(object);
            continue;
        }
        const group = classify(object);
        if (group === "policy") {
            rawPolicies.push(object);
            continue;
        }
        if (group === "neutral") continue;
        if (group === "ippool") {
            // A dual-stack cluster (kind's ipFamily: dual) has an IPv6 pool beside the IPv4 one: the model is IPv4.
            if (addressFamily(String(object.spec?.cidr ?? "")) === 6) ipv6Pools.push(describeObject(object));
            else ipPoolCidr ??= object.spec?.cidr;
            continue;
        }
        if (group === "kubecontrollers") {
            if (object.spec?.controllers?.node?.hostEndpoint?.autoCreate === "Enabled") kubeControllersAutoHep = true;
            continue;
        }
        if (group === "unknown") {
            if (options.ignoreUnknownKinds) {
                warnings.push(`ignored ${describeObject(object)} (${object.apiVersion}): unknown kind`);
                continue;
            }
            throw new AnalysisInputError(
                `unknown kind ${object.kind} (${object.apiVersion}): the analyzer cannot judge its effect on connectivity ` +
                    `(use --ignore-unknown-kinds if it has none)`,
                locate(object),
            );
        }
        const list = byKind.get(group) ?? [];
        list.push(object);
        byKind.set(group, list);
    }

    if (ipv6Pools.length) {
        warnings.push(
            `IPv6 flows are not judged: ${ipv6Pools.join(", ")} ${ipv6Pools.length > 1 ? "are IPv6 pools" : "is an IPv6 pool"} (a dual-stack cluster); ` +
                "every verdict is for IPv4, and IPv6 nets, addresses and pools are left out",
        );
    }
    const podCidrText = options.podCIDR ?? ipPoolCidr ?? DEFAULT_POD_CIDR;
    const podCIDR = parseCidr(podCidrText);
    if (!podCIDR) throw new AnalysisInputError(`pod CIDR ${JSON.stringify(podCidrText)} is not an IPv4 CIDR`);
    const autoHep = options.hostEndpoints?.auto ?? kubeControllersAutoHep;
    const resolved: ResolvedOptions = {
        ipBlockMatchesPods: options.ipBlockMatchesPods ?? true,
        podCIDR,
        nodePortSource: options.nodePortSource ?? "both",
        autoHostEndpoints: autoHep,
        calicoRelease: release,
        ...(autoHep
            ? { autoHostEndpointsReason: options.hostEndpoints?.auto ? "analyzer option" : "KubeControllersConfiguration hostEndpoint.autoCreate: Enabled" }
            : {}),
    };

    const namespaces = new Map<string, Namespace>();
    for (const object of byKind.get("namespace") ?? []) {
        const name = object.metadata.name;
        namespaces.set(name, { name, declared: true, labels: namespaceLabels(name, object.metadata.labels) });
    }
    const ensureNamespace = (name: string) => {
        if (!namespaces.has(name)) namespaces.set(name, { name, declared: false, labels: namespaceLabels(name, {}) });
    };

    const serviceAccounts = new Map<string, ServiceAccount>();
    for (const object of byKind.get("serviceaccount") ?? []) {
        const namespace = namespaceOf(object);
        ensureNamespace(namespace);
        serviceAccounts.set(`${namespace}/${object.metadata.name}`, {
            namespace,
            name: object.metadata.name,
            labels: { ...stringMap(object, object.metadata.labels, "metadata.labels") },
        });
    }

    const workloads: Workload[] = [];
    const workloadsById = new Map<string, Workload>();
    for (const object of byKind.get("workload") ?? []) {
        const workload = toWorkload(object);
        ensureNamespace(workload.namespace);
        const clash = workloadsById.get(workload.id);
        if (clash)
            throw new AnalysisInputError(
                `workload name ${workload.id} is used by both a ${clash.kind} and a ${workload.kind}; queries could not tell them apart`,
                locate(object),
            );
        workloads.push(workload);
        workloadsById.set(workload.id, workload);
    }

    const services = (byKind.get("service") ?? []).map((object) => {
        const service = toService(object);
        ensureNamespace(service.namespace);
        return service;
    });

    const servicesByName = new Map<string, Map<string, Service>>();
    for (const service of services) {
        const byName = getOrCreate(servicesByName, service.namespace, () => new Map<string, Service>());
        if (!byName.has(service.name)) byName.set(service.name, service);
    }
    for (const object of byKind.get("endpoints") ?? []) {
        const { namespace, service: name, endpoints } = endpointsOf(object);
        const service = servicesByName.get(namespace)?.get(name);
        if (service) service.endpoints = [...(service.endpoints ?? []), ...endpoints];
    }

    const networkSets = (byKind.get("networkset") ?? []).map((object) => toNetworkSet(object));
    for (const set of networkSets) if (set.namespace) ensureNamespace(set.namespace);

    const tiers = new Map<string, Tier>(builtinTiers(release).map((t) => [t.name, t]));
    for (const object of byKind.get("tier") ?? []) {
        const tier = normalizeTier(object);
        tiers.set(tier.name, tier);
    }

    const explicitHeps = (byKind.get("hostendpoint") ?? []).map(toHostEndpoint);
    const nodeObjects = byKind.get("node") ?? [];
    const nodes = buildNodes(explicitHeps, nodeObjects, autoHep ? (options.hostEndpoints ?? { auto: true }) : undefined);
    const hostEndpoints = nodes.flatMap((n) => n.hostEndpoints);

    const policies = rawPolicies.map((object) => {
        const policy = isAdminPolicy(object)
            ? normalizeAdminPolicy(object, warnings, release)
            : normalizePolicy(object, { ipBlockMatchesPods: resolved.ipBlockMatchesPods, release });
        if (policy.namespace) ensureNamespace(policy.namespace);
        if (!tiers.has(policy.tier)) {
            throw new AnalysisInputError(
                `tier "${policy.tier}" does not exist; declare a Tier object or use one of: ${[...tiers.keys()].join(", ")}`,
                locate(object, "spec.tier"),
            );
        }
        return policy;
    });
    policies.sort((a, b) => comparePolicies(a, b, tiers));
    for (const object of stagedPolicies) checkStaged(object, tiers, { ipBlockMatchesPods: resolved.ipBlockMatchesPods, release });

    const undeclared = [...namespaces.values()].filter((n) => !n.declared && !ALWAYS_PRESENT_NAMESPACES.has(n.name)).map((n) => n.name);
    if (undeclared.length) {
        warnings.push(
            `namespace${undeclared.length > 1 ? "s" : ""} ${undeclared.join(", ")} not declared by any manifest: objects there are judged as if ` +
                "the namespace existed without labels (a typo in metadata.namespace makes a policy apply to nothing)",
        );
    }

    if (podCIDR && explicitHeps.length === 0 && !autoHep && policies.some((p) => p.preDNAT || p.applyOnForward)) {
        warnings.push(
            "host-endpoint policies (preDNAT/applyOnForward) select nothing: there are no host endpoints " +
                "(declare HostEndpoints, enable auto host endpoints with a KubeControllersConfiguration, or pass --auto-host-endpoints)",
        );
    }

    const felix = felixSettings(byKind.get("felixconfiguration") ?? [], warnings);
    const model: ClusterModel = {
        options: resolved,
        namespaces,
        workloads,
        workloadsById,
        services,
        serviceAccounts,
        hostEndpoints,
        nodes,
        networkSets,
        tiers,
        policies,
        felix,
        warnings,
    };
    warnings.push(...networkSetWarnings(model), ...hostEndpointWarnings(model));
    return model;
}

/**
 * A staged policy is refused where Calico's API server refuses it although it decides no verdict:
 * its tier must exist (clientv3 staged*networkpolicy.go Create checks it, Delete included), and the
 * policy it stages must be one the analyzer would accept (selectors, preDNAT rules: policies.ts).
 */
function checkStaged(object: KubeObject, tiers: Map<string, Tier>, options: Parameters<typeof normalizePolicy>[1]): void {
    const tier = object.spec?.tier || "default";
    if (!tiers.has(tier))
        throw new AnalysisInputError(
            `tier "${tier}" does not exist; declare a Tier object or use one of: ${[...tiers.keys()].join(", ")}`,
            locate(object, "spec.tier"),
        );
    if (stagedActionOf(object) === "Delete") return;
    try {
        normalizePolicy(withOriginOf(withApiDefaults(enforcedCounterpart(object)), object), options);
    } catch (error) {
        if (!(error instanceof AnalysisInputError)) throw error;
        throw new AnalysisInputError(error.reason, { ...error.location, object: describeObject(object) });
    }
}

/**
 * Objects by API group (apiVersion without its version), kind, namespace and name: two objects alike
 * in all four are one object declared twice. Nested maps, so that no key text is made per object.
 */
class ObjectIdentities {
    private readonly groups = new Map<string, Map<string, Map<string, Map<string, KubeObject>>>>();
    private readonly groupOf = new Map<string, string>();

    /** Remembers `object`; returns the object declared before it with the same identity, if any. */
    add(object: KubeObject): KubeObject | undefined {
        const { apiVersion, kind } = object;
        let group = this.groupOf.get(apiVersion);
        if (group === undefined) {
            group = apiVersion.split("/")[0]!;
            this.groupOf.set(apiVersion, group);
        }
        const kinds = getOrCreate(this.groups, group, () => new Map<string, Map<string, Map<string, KubeObject>>>());
        const namespaces = getOrCreate(kinds, kind, () => new Map<string, Map<string, KubeObject>>());
        // As text, as the identity was written before: objects of unknown kinds are not schema-checked.
        const names = getOrCreate(namespaces, String(object.metadata.namespace ?? ""), () => new Map<string, KubeObject>());
        const previous = names.get(object.metadata.name);
        if (previous) return previous;
        names.set(object.metadata.name, object);
        return undefined;
    }
}

/** Evaluation order inside Calico: tiers by order, then policies by order (nil = +inf), then Felix's key name (felix calc/policy_sorter.go PolKVLess, policy-names.ts). */
function comparePolicies(a: Policy, b: Policy, tiers: Map<string, Tier>): number {
    const ta = tiers.get(a.tier)!,
        tb = tiers.get(b.tier)!;
    return (
        compareOrder(ta.order, tb.order) ||
        compareText(ta.name, tb.name) ||
        compareOrder(a.order ?? Infinity, b.order ?? Infinity) ||
        compareText(a.keyName, b.keyName)
    );
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareOrder = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

type Group =
    | "policy"
    | "neutral"
    | "endpoints"
    | "ippool"
    | "kubecontrollers"
    | "unknown"
    | "namespace"
    | "serviceaccount"
    | "workload"
    | "service"
    | "networkset"
    | "tier"
    | "hostendpoint"
    | "node"
    | "felixconfiguration";

/**
 * What the analyzer does with objects of a kind: "evaluated" (it models their effect on
 * connectivity), "neutral" (they cannot change it: neutral-kinds.json) or "unknown" (they may, and
 * the analyzer cannot judge them).
 */
export function kindSupport(object: Pick<KubeObject, "apiVersion" | "kind">): "evaluated" | "neutral" | "unknown" {
    // Kinds the release table knows (staged policies among them) are judged per release: enforced, or left out with a warning.
    if (kindRow(object)) return "evaluated";
    const group = classify(object);
    return group === "unknown" || group === "neutral" ? group : "evaluated";
}

function classify(object: Pick<KubeObject, "apiVersion" | "kind">): Group {
    const { apiVersion, kind } = object;
    if (CALICO_GROUPS.has(apiVersion)) {
        switch (kind) {
            case "NetworkPolicy":
            case "GlobalNetworkPolicy":
                return "policy";
            case "Tier":
                return "tier";
            case "HostEndpoint":
                return "hostendpoint";
            case "NetworkSet":
            case "GlobalNetworkSet":
                return "networkset";
            case "IPPool":
                return "ippool";
            case "KubeControllersConfiguration":
                return "kubecontrollers";
            case "FelixConfiguration":
                return "felixconfiguration";
            default:
                return NEUTRAL_CALICO_KINDS.has(kind) ? "neutral" : "unknown";
        }
    }
    if (apiVersion === KUBE_POLICY && kind === "NetworkPolicy") return "policy";
    if (isAdminPolicy(object)) return "policy";
    if (apiVersion === "v1") {
        switch (kind) {
            case "Namespace":
                return "namespace";
            case "Service":
                return "service";
            case "ServiceAccount":
                return "serviceaccount";
            case "Node":
                return "node";
            case "Pod":
            case "ReplicationController":
                return "workload";
        }
    }
    if ((apiVersion === "v1" && kind === "Endpoints") || (apiVersion.startsWith("discovery.k8s.io/") && kind === "EndpointSlice")) return "endpoints";
    if ((apiVersion === "apps/v1" || apiVersion === "batch/v1" || apiVersion === "batch/v1beta1") && WORKLOAD_KINDS.has(kind)) return "workload";
    if (NEUTRAL_KINDS.has(kind) || NEUTRAL_GROUPS.some((g) => apiVersion.startsWith(g))) return "neutral";
    return "unknown";
}

function checkShape(object: KubeObject): void {
    if (typeof object !== "object" || object === null) throw new AnalysisInputError("expected an object with apiVersion, kind and metadata");
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
        throw new AnalysisInputError("object without apiVersion or kind", locate(object));
    }
    if (typeof object.metadata?.name !== "string" || !object.metadata.name) {
        throw new AnalysisInputError(`${object.kind} without metadata.name`, { ...locate(object), key: "metadata.name" });
    }
}

function namespaceOf(object: KubeObject): string {
    return object.metadata.namespace || "default";
}

function stringMap(object: KubeObject, raw: unknown, key: string): Record<string, string> {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== "object" || Array.isArray(raw)) throw new AnalysisInputError("expected a map of strings", locate(object, key));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
        if (v === null || typeof v === "object") throw new AnalysisInputError(`value of "${k}" must be a string`, locate(object, key));
        out[k] = String(v);
    }
    return out;
}

/** Namespace labels as both Kubernetes and Calico see them (kubernetes.io/metadata.name is set by the API server; projectcalico.org/name by Calico). */
function namespaceLabels(name: string, labels: Record<string, string> | undefined): Labels {
    return { ...(labels ?? {}), "kubernetes.io/metadata.name": name, "projectcalico.org/name": name };
}

function podTemplate(object: KubeObject): { metadata?: any; spec?: any } {
    switch (object.kind) {
        case "Pod":
            return { metadata: object.metadata, spec: object.spec };
        case "CronJob":
            return object.spec?.jobTemplate?.spec?.template ?? {};
        default:
            return object.spec?.template ?? {};
    }
}

const CONTAINER_FIELDS = ["containers", "initContainers"] as const;

function toWorkload(object: KubeObject): Workload {
    const namespace = namespaceOf(object);
    const template = podTemplate(object);
    const templateKey = object.kind === "Pod" ? "" : object.kind === "CronJob" ? "spec.jobTemplate.spec.template." : "spec.template.";
    if (object.kind !== "Pod" && !template.spec) {
        throw new AnalysisInputError("has no pod template", locate(object, templateKey.slice(0, -1)));
    }
    const labels = stringMap(object, template.metadata?.labels, `${templateKey}metadata.labels`);
    const spec = template.spec ?? {};
    const serviceAccount = String(spec.serviceAccountName ?? spec.serviceAccount ?? "default");
    const ports: ContainerPort[] = [];
    // Plain loops, and the keys of error messages written only for an error: a large input has a few hundred thousand ports.
    for (const field of CONTAINER_FIELDS) {
        const containers: unknown = spec[field] ?? [];
        if (!Array.isArray(containers)) throw new AnalysisInputError(`${field} must be a list`, locate(object, `${templateKey}spec.${field}`));
        for (let c = 0; c < containers.length; c++) {
            const container: any = containers[c];
            const containerKey = () => `${templateKey}spec.${field}[${c}]`;
            if (container === null || typeof container !== "object" || Array.isArray(container)) {
                throw new AnalysisInputError(`a container must be a map, got ${JSON.stringify(container)}`, locate(object, containerKey()));
            }
            const containerPorts: unknown = container.ports ?? [];
            if (!Array.isArray(containerPorts)) {
                throw new AnalysisInputError(
                    `ports must be a list of {containerPort, name?, protocol?}, got ${JSON.stringify(containerPorts)}`,
                    locate(object, `${containerKey()}.ports`),
                );
            }
            for (let i = 0; i < containerPorts.length; i++) {
                const p: any = containerPorts[i];
                const key = () => `${containerKey()}.ports[${i}]`;
                const port = Number(p?.containerPort);
                if (!Number.isInteger(port) || port < 1 || port > 65535) {
                    throw new AnalysisInputError(
                        `containerPort ${JSON.stringify(p?.containerPort)} is not a port number 1-65535`,
                        locate(object, `${key()}.containerPort`),
                    );
                }
                const protocol = protocolOf(p.protocol, object, () => `${key()}.protocol`);
                ports.push(p.name ? { port, protocol, name: String(p.name) } : { port, protocol });
            }
        }
    }
    const ips: number[] = [];
    if (object.kind === "Pod") {
        const status = (object as any).status ?? {};
        const texts: string[] = [status.podIP, ...(status.podIPs ?? []).map((p: any) => p?.ip)].filter((t) => typeof t === "string");
        for (const text of texts) {
            const ip = parseIPv4(text);
            if (ip !== undefined && !ips.includes(ip)) ips.push(ip);
        }
    }
    return {
        id: `${namespace}/${object.metadata.name}`,
        namespace,
        name: object.metadata.name,
        kind: object.kind,
        labels,
        serviceAccount,
        ports,
        ips,
        hostNetwork: spec.hostNetwork === true,
        ...(object.kind === "Pod" && typeof spec.nodeName === "string" && spec.nodeName ? { node: spec.nodeName } : {}),
        calicoLabels: {
            ...labels,
            "projectcalico.org/namespace": namespace,
            "projectcalico.org/orchestrator": "k8s",
            "projectcalico.org/serviceaccount": serviceAccount,
        },
    };
}

function toService(object: KubeObject): Service {
    const spec = object.spec ?? {};
    const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p: any, i: number): ServicePort => {
        const key = `spec.ports[${i}]`;
        const port = Number(p?.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535)
            throw new AnalysisInputError(`port ${JSON.stringify(p?.port)} is not a port number`, locate(object, `${key}.port`));
        const nodePort = p.nodePort === undefined || p.nodePort === null ? undefined : Number(p.nodePort);
        if (nodePort !== undefined && (!Number.isInteger(nodePort) || nodePort < 1 || nodePort > 65535)) {
            throw new AnalysisInputError(`nodePort ${JSON.stringify(p.nodePort)} is not a port number`, locate(object, `${key}.nodePort`));
        }
        const rawTarget = p.targetPort ?? port;
        const targetPort = typeof rawTarget === "number" || /^\d+$/.test(String(rawTarget)) ? Number(rawTarget) : String(rawTarget);
        return {
            port,
            targetPort,
            protocol: protocolOf(p.protocol, object, `${key}.protocol`),
            ...(nodePort !== undefined ? { nodePort } : {}),
            ...(p.name ? { name: String(p.name) } : {}),
        };
    });
    const selector = spec.selector ? stringMap(object, spec.selector, "spec.selector") : undefined;
    const headless = spec.clusterIP === "None";
    const clusterIPs = headless
        ? []
        : ipList(object, spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []), spec.clusterIPs ? "spec.clusterIPs" : "spec.clusterIP");
    return {
        namespace: namespaceOf(object),
        name: object.metadata.name,
        type: String(spec.type ?? "ClusterIP"),
        ...(selector && Object.keys(selector).length ? { selector } : {}),
        ports,
        externalTrafficPolicy: spec.externalTrafficPolicy === "Local" ? "Local" : "Cluster",
        clusterIPs,
        headless,
    };
}

function ipList(object: KubeObject, raw: unknown, key: string): number[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new AnalysisInputError("expected a list of IP addresses", locate(object, key));
    return raw.flatMap((text, i) => {
        if (addressFamily(String(text)) === 6) return []; // IPv6: outside this IPv4 model
        const ip = parseIPv4(String(text));
        if (ip === undefined) throw new AnalysisInputError(`${JSON.stringify(text)} is not an IP address`, locate(object, `${key}[${i}]`));
        return [ip];
    });
}

function toHostEndpoint(object: KubeObject): HostEndpoint {
    const spec = object.spec ?? {};
    if (typeof spec.node !== "string" || !spec.node) throw new AnalysisInputError("HostEndpoint needs spec.node", locate(object, "spec.node"));
    return {
        name: object.metadata.name,
        node: spec.node,
        labels: stringMap(object, object.metadata.labels, "metadata.labels"),
        ...(spec.interfaceName ? { interfaceName: String(spec.interfaceName) } : {}),
        expectedIPs: ipList(object, spec.expectedIPs, "spec.expectedIPs"),
        profiles: Array.isArray(spec.profiles) ? spec.profiles.map(String) : [],
        auto: false,
    };
}

function toNetworkSet(object: KubeObject): NetworkSet {
    const nets = (object.spec?.nets ?? []).flatMap((text: unknown, i: number) => {
        if (addressFamily(String(text)) === 6) return [];
        const cidr = parseCidr(String(text));
        if (!cidr) throw new AnalysisInputError(`${JSON.stringify(text)} is not a CIDR`, locate(object, `spec.nets[${i}]`));
        return [cidr];
    });
    return {
        name: object.metadata.name,
        labels: stringMap(object, object.metadata.labels, "metadata.labels"),
        nets,
        ...(object.kind === "NetworkSet" ? { namespace: namespaceOf(object) } : {}),
    };
}

/**
 * Nodes: those named by HostEndpoints or Node objects, else one representative node. With auto host
 * endpoints, kube-controllers gives every node a HostEndpoint `<node>-auto-hep` with interfaceName "*",
 * the node's labels plus projectcalico.org/created-by=calico-kube-controllers, and the profile
 * projectcalico-default-allow (Calico docs "Protect Kubernetes nodes", reference/resources/hostendpoint).
 */
function buildNodes(explicit: HostEndpoint[], nodeObjects: KubeObject[], auto: AutoHostEndpointOptions | undefined): Node[] {
    const nodes = new Map<string, { labels: Record<string, string>; ip?: number; externalIp?: number }>();
    for (const object of nodeObjects) {
        const addresses: any[] = (object as any).status?.addresses ?? [];
        const address = (type: string) => {
            const found = addresses.find((a) => a?.type === type && parseIPv4(String(a.address)) !== undefined);
            return found ? parseIPv4(String(found.address)) : undefined;
        };
        const ip = address("InternalIP"),
            externalIp = address("ExternalIP");
        nodes.set(object.metadata.name, {
            labels: { "kubernetes.io/hostname": object.metadata.name, ...stringMap(object, object.metadata.labels, "metadata.labels") },
            ...(ip !== undefined ? { ip } : {}),
            ...(externalIp !== undefined ? { externalIp } : {}),
        });
    }
    for (const hep of explicit)
        if (!nodes.has(hep.node)) nodes.set(hep.node, { labels: {}, ...(hep.expectedIPs[0] !== undefined ? { ip: hep.expectedIPs[0] } : {}) });
    if (nodes.size === 0) {
        const name = auto?.nodeName ?? DEFAULT_NODE.name;
        const ipText = auto?.nodeIP ?? DEFAULT_NODE.ip;
        const ip = parseIPv4(ipText);
        if (ip === undefined) throw new AnalysisInputError(`node IP ${JSON.stringify(ipText)} is not an IPv4 address`);
        nodes.set(name, { labels: auto?.nodeLabels ?? { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" }, ip });
    }
    let fallbackIp = parseIPv4(DEFAULT_NODE.ip)!;
    return [...nodes.entries()].map(([name, node]) => {
        const ip = node.ip ?? fallbackIp++;
        const heps = explicit.filter((h) => h.node === name);
        if (auto) {
            heps.push({
                name: `${name}-auto-hep`,
                node: name,
                labels: { ...node.labels, ...AUTO_HEP_LABEL },
                interfaceName: "*",
                expectedIPs: [ip],
                profiles: [AUTO_HEP_PROFILE],
                auto: true,
            });
        }
        return { name, ip, ipText: formatIPv4(ip), ...(node.externalIp !== undefined ? { externalIp: node.externalIp } : {}), hostEndpoints: heps };
    });
}
