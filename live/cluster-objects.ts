// The objects that decide connectivity, as a running cluster has them: what `npm run verify` reads
// back for a stage (readback.ts: the lab's namespaces) and what `analyze --kubeconfig` judges (the
// whole cluster, readClusterObjects). One reader of the Calico kinds, from projectcalico.org/v3
// (Calico's API server) else crd.projectcalico.org/v1 (its CRDs), and of the ClusterInformation
// that names the release the cluster runs, for both.
import { type ClusterApi, ListForbiddenError, type PlainObject } from "./cluster";

/** Calico's policy APIs, in the order they are tried: the API server's, else the CRDs behind it. */
export const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"] as const;

/** The Calico kinds of policy, sets, host endpoints and pools: both lists below start with them. */
const CALICO_POLICY_KINDS = ["NetworkPolicy", "GlobalNetworkPolicy", "NetworkSet", "GlobalNetworkSet", "HostEndpoint", "Tier", "IPPool"] as const;

/** The Calico kinds verify reads back for a stage. */
export const CALICO_READBACK_KINDS = [...CALICO_POLICY_KINDS, "KubeControllersConfiguration"] as const;

/** The Calico kinds a verdict can depend on (KubeControllersConfiguration is left out: the automatic host endpoints it asks for are read as HostEndpoints). */
const CALICO_VERDICT_KINDS = [...CALICO_POLICY_KINDS, "FelixConfiguration"] as const;

/** Calico's staged policies (served from v3.30.0): they decide no verdict, and `analyze --staged` previews them. */
const CALICO_STAGED_KINDS = ["StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy"] as const;

export interface CalicoObjects {
    /** The API they were read from; undefined when the cluster serves neither. */
    apiVersion?: string;
    /** Which Calico API the objects were read from, or why none, in words. */
    source: string;
    objects: PlainObject[];
}

/**
 * The Calico kinds from the first policy API the cluster serves (projectcalico.org/v3, else the
 * CRDs), GlobalNetworkPolicy always (listing it tells whether the API is served), the other
 * `kinds` through `read` (default: listed as they are, IPPools as the analyzer reads them); none, with `source` saying so, when the
 * cluster serves neither API.
 * @throws ListForbiddenError when the credentials may not list one of them.
 */
export async function readCalicoKinds(
    cluster: ClusterApi,
    kinds: readonly string[],
    read: (apiVersion: string, kind: string) => Promise<PlainObject[]> = async (apiVersion, kind) =>
        (await listOrEmpty(cluster, apiVersion, kind)).map(CALICO_KIND_READING[kind]?.forAnalysis ?? ((object) => object)),
): Promise<CalicoObjects> {
    for (const apiVersion of CALICO_API_VERSIONS) {
        const policies = await cluster.listObjects(apiVersion, "GlobalNetworkPolicy");
        if (policies === undefined) continue;
        const others = await Promise.all(kinds.filter((k) => k !== "GlobalNetworkPolicy").map((kind) => read(apiVersion, kind)));
        return { apiVersion, source: apiVersion, objects: [...policies, ...others.flat()] };
    }
    return { source: "no Calico policy API served (neither projectcalico.org/v3 nor crd.projectcalico.org/v1): Kubernetes policies only", objects: [] };
}

/** Every object of a kind; none when the cluster does not serve it. @throws ListForbiddenError */
export async function listOrEmpty(cluster: ClusterApi, apiVersion: string, kind: string, namespace?: string): Promise<PlainObject[]> {
    return (await cluster.listObjects(apiVersion, kind, namespace)) ?? [];
}

/**
 * The Calico release a cluster runs, from its ClusterInformation `default` (spec.calicoVersion,
 * written by calico-node); undefined without one. A build's version carries a suffix after the
 * release ("v3.28.5-host-processes", "v3.30.3-0.dev"): the release alone decides enforcement.
 */
export function runningCalicoRelease(objects: readonly PlainObject[]): string | undefined {
    const information = objects.find(
        (o) => o.kind === "ClusterInformation" && o.metadata.name === "default" && typeof (o.spec as { calicoVersion?: unknown })?.calicoVersion === "string",
    );
    return information ? /^v?\d+\.\d+\.\d+/.exec((information.spec as { calicoVersion: string }).calicoVersion)?.[0] : undefined;
}

/** Only what decides connectivity: identity, labels, spec. No status, no managedFields. */
export function trimObject(object: PlainObject): PlainObject {
    const { name, namespace, labels, annotations } = object.metadata as PlainObject["metadata"] & { annotations?: Record<string, string> };
    const result: PlainObject = {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    };
    if (object.spec !== undefined) result.spec = object.spec;
    return result;
}

type Container = { name?: string; ports?: unknown };

/**
 * A Pod as the analyzer judges it: identity, labels, its containers' names and ports, service
 * account, hostNetwork, the node it runs on and its addresses. The rest of a live Pod (volumes,
 * probes, fields newer than the analyzer's schemas) is left out: it decides nothing.
 */
export function podForAnalysis(pod: PlainObject): PlainObject {
    const spec = (pod.spec ?? {}) as {
        containers?: Container[];
        initContainers?: Container[];
        serviceAccountName?: string;
        hostNetwork?: boolean;
        nodeName?: string;
    };
    const status = (pod as { status?: { podIP?: string; podIPs?: unknown } }).status ?? {};
    const containers = (list: Container[] | undefined) => list?.map(({ name, ports }) => ({ name, ...(ports ? { ports } : {}) }));
    const { name, namespace, labels } = pod.metadata;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, ...(labels ? { labels } : {}) },
        spec: {
            containers: containers(spec.containers) ?? [],
            ...(spec.initContainers ? { initContainers: containers(spec.initContainers) } : {}),
            ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
            ...(spec.hostNetwork ? { hostNetwork: true } : {}),
            ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
        },
        status: { ...(status.podIP ? { podIP: status.podIP } : {}), ...(status.podIPs ? { podIPs: status.podIPs } : {}) },
    };
}

/** A Node: name, labels and addresses (`node:<name>` is its InternalIP, the world reaches its ExternalIP). */
function nodeForAnalysis(node: PlainObject): PlainObject {
    const addresses = (node as { status?: { addresses?: unknown } }).status?.addresses;
    const { name, labels } = node.metadata;
    return { apiVersion: "v1", kind: "Node", metadata: { name, ...(labels ? { labels } : {}) }, status: addresses ? { addresses } : {} };
}

/** An EndpointSlice: whose Service (its label), its addresses and ports. */
function endpointSliceForAnalysis(slice: PlainObject): PlainObject {
    const { addressType, endpoints, ports } = slice as { addressType?: string; endpoints?: Record<string, unknown>[]; ports?: unknown };
    const { name, namespace, labels } = slice.metadata;
    return {
        apiVersion: slice.apiVersion,
        kind: "EndpointSlice",
        metadata: { name, namespace, ...(labels ? { labels } : {}) },
        addressType,
        endpoints: (endpoints ?? []).map(({ addresses, conditions, nodeName, targetRef }) => ({
            addresses,
            ...(conditions ? { conditions } : {}),
            ...(nodeName ? { nodeName } : {}),
            ...(targetRef ? { targetRef } : {}),
        })),
        ...(ports ? { ports } : {}),
    };
}

/** Pods that have ended free their address for others: they take part in no connection. */
const ended = (pod: PlainObject) => ["Succeeded", "Failed"].includes((pod as { status?: { phase?: string } }).status?.phase ?? "");

/**
 * Why verdicts may depend on a kind the credentials may not list, seen from the other objects read:
 * the objects that need it, in words, or undefined when no verdict can (the reader then goes on
 * without the kind and warns, saying what it assumed).
 */
type NeededBy = (read: readonly PlainObject[]) => string | undefined;

interface ClusterKind {
    apiVersion: string;
    kind: string;
    /** Absent: every verdict may depend on it, so a kind the credentials may not list stops the reading. */
    neededBy?: NeededBy;
    /** What the verdicts assume without it (for the warning). */
    without?: string;
    forAnalysis?: (object: PlainObject) => PlainObject;
    /** Objects of the kind that take part in no connection. */
    skip?: (object: PlainObject) => boolean;
}

const spec = (object: PlainObject) => (object.spec ?? {}) as Record<string, unknown>;

const selectorlessServices: NeededBy = (read) => {
    const names = read
        .filter((o) => o.kind === "Service" && !spec(o).selector && spec(o).type !== "ExternalName")
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    return names.length ? `Services without a selector reach the addresses of their EndpointSlices (${names.slice(0, 5).join(", ")})` : undefined;
};

const serviceAccountSelectors: NeededBy = (read) => {
    const policies = read
        .filter((o) => /"serviceAccountSelector"|"serviceAccounts":\{[^}]*"selector"/.test(JSON.stringify(o.spec ?? {})))
        .map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
    return policies.length ? `policies select service accounts by their labels (${policies.slice(0, 5).join(", ")})` : undefined;
};

const podsWithoutAddress: NeededBy = (read) => {
    const pods = read
        .filter((o) => o.kind === "Pod" && !(o as { status?: { podIP?: string } }).status?.podIP)
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    return pods.length ? `pods without an address yet are placed in the IPPools' ranges (${pods.slice(0, 5).join(", ")})` : undefined;
};

/** The Kubernetes kinds a verdict can depend on, and which of them it can do without. */
const KUBERNETES_KINDS: readonly ClusterKind[] = [
    { apiVersion: "v1", kind: "Namespace" },
    { apiVersion: "v1", kind: "Pod", forAnalysis: podForAnalysis, skip: ended },
    { apiVersion: "v1", kind: "Node", forAnalysis: nodeForAnalysis },
    { apiVersion: "v1", kind: "Service" },
    {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        forAnalysis: endpointSliceForAnalysis,
        neededBy: selectorlessServices,
        without: "every Service has a selector, so its backends are the pods it selects",
    },
    {
        apiVersion: "v1",
        kind: "ServiceAccount",
        neededBy: serviceAccountSelectors,
        without: "no policy selects service accounts by their labels",
    },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
    { apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "AdminNetworkPolicy" },
    { apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "BaselineAdminNetworkPolicy" },
    { apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy" },
];

/**
 * An IPPool as the analyzer reads it: its cidr alone (where pods of unknown address live). Later
 * releases' API servers fill in fields the analyzer's schemas (Calico v3.28's CRDs) do not know, such
 * as v3.30's `assignmentMode`, which would refuse the pool read back.
 */
function poolForAnalysis(pool: PlainObject): PlainObject {
    const { name, labels } = pool.metadata;
    return { apiVersion: pool.apiVersion, kind: "IPPool", metadata: { name, ...(labels ? { labels } : {}) }, spec: { cidr: spec(pool).cidr } };
}

/** What a Calico kind may be missing without changing a verdict (the others: none), and what is kept of its objects (default: trimObject). */
const CALICO_KIND_READING: Partial<Record<string, Pick<ClusterKind, "neededBy" | "without" | "forAnalysis">>> = {
    IPPool: { neededBy: podsWithoutAddress, without: "every pod has its address", forAnalysis: poolForAnalysis },
};

/** A staged kind is needed only to preview it (`staged`): Calico never enforces one. */
const stagedReading = (staged: boolean): Pick<ClusterKind, "neededBy" | "without"> => ({
    neededBy: () => (staged ? "--staged previews the staged policies" : undefined),
    without: "Calico never enforces a staged policy",
});

/** How the reading takes a Calico kind (CALICO_KIND_READING, the staged kinds' need). */
function calicoKindReading(kind: string, staged: boolean): Pick<ClusterKind, "neededBy" | "without" | "forAnalysis"> | undefined {
    return (CALICO_STAGED_KINDS as readonly string[]).includes(kind) ? stagedReading(staged) : CALICO_KIND_READING[kind];
}

export interface ClusterObjects {
    /** The objects as the analyzer reads them (only what decides connectivity). */
    objects: PlainObject[];
    /** Kinds read without: which, and why no verdict depends on them. */
    warnings: string[];
    /** Which Calico API the Calico kinds came from, or why none. */
    calicoSource: string;
    /** The release the cluster runs (ClusterInformation), when asked for and found. */
    calicoVersion?: string;
}

/**
 * Every object of the cluster that decides connectivity: namespaces, pods (addresses, nodeName),
 * Nodes, Services and EndpointSlices, service accounts, Kubernetes NetworkPolicies and the
 * cluster-scoped admin policies (when served), the Calico kinds from one policy API with the staged
 * policies (when served: v3.30+), and, with `release`, the ClusterInformation. Ended pods (Succeeded,
 * Failed) are left out. A staged kind the credentials may not list is needed only with `staged`.
 *
 * A kind the credentials may not list stops the reading (ListForbiddenError, rethrown with why it
 * is needed) unless no verdict can depend on it given the rest: then `warnings` names it and what
 * the verdicts assume.
 * @throws ListForbiddenError, ClusterUnreachableError, or the client's error for another answer.
 */
export async function readClusterObjects(cluster: ClusterApi, options: { release: boolean; staged?: boolean }): Promise<ClusterObjects> {
    const forbidden: { kind: ClusterKind; error: ListForbiddenError }[] = [];
    const read = async (kind: ClusterKind): Promise<PlainObject[]> => {
        try {
            const objects = await listOrEmpty(cluster, kind.apiVersion, kind.kind);
            return objects.filter((o) => !kind.skip?.(o)).map(kind.forAnalysis ?? trimObject);
        } catch (error) {
            if (!(error instanceof ListForbiddenError) || !kind.neededBy) throw error;
            forbidden.push({ kind, error });
            return [];
        }
    };
    const [kubernetes, calico] = await Promise.all([Promise.all(KUBERNETES_KINDS.map(read)), readCalicoApi(cluster, options, read)]);
    const objects = [...kubernetes.flat(), ...calico.objects];
    const warnings: string[] = [];
    for (const { kind, error } of forbidden) {
        const needed = kind.neededBy!(objects);
        if (needed) throw new ListForbiddenError(error.apiVersion, error.kind, undefined, needed);
        warnings.push(`${error.message}: read without it, which decides no verdict here (${kind.without})`);
    }
    return {
        objects: objects.filter((o) => o.kind !== "ClusterInformation"),
        warnings,
        calicoSource: calico.source,
        ...(options.release ? { calicoVersion: runningCalicoRelease(calico.objects) } : {}),
    };
}

/** The Calico kinds, the staged ones and (with `release`) the ClusterInformation through `read`, from the first policy API served. */
async function readCalicoApi(
    cluster: ClusterApi,
    options: { release: boolean; staged?: boolean },
    read: (kind: ClusterKind) => Promise<PlainObject[]>,
): Promise<CalicoObjects> {
    const kinds = [...CALICO_VERDICT_KINDS, ...CALICO_STAGED_KINDS, ...(options.release ? ["ClusterInformation"] : [])];
    const calico = await readCalicoKinds(cluster, kinds, (apiVersion, kind) => read({ apiVersion, kind, ...calicoKindReading(kind, options.staged ?? false) }));
    return { ...calico, objects: calico.objects.map((o) => (o.kind === "GlobalNetworkPolicy" ? trimObject(o) : o)) };
}
