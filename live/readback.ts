// Reads back from the cluster what the analyzer needs to predict the stage's flows: the objects
// as the API server has them (not as the program declared them), plus the baseline the intent
// ConfigMap carries for what the lab does not create (a neighbour namespace's workload).
import { parseAllDocuments } from "yaml";
import type { FlowCheck } from "../flows";
import { KUBE_DNS_WORKLOAD } from "../flows";
import type { ClusterApi, NodeInfo, PlainObject, PodInfo } from "./cluster";
import type { ClusterFacts, WorkloadFacts } from "./plan";

export const INTENT = { configMap: "zero-trust-intent", flowsKey: "flows.yaml", baselineKey: "baseline.yaml" } as const;

export interface Intent {
    checks: FlowCheck[];
    baseline: PlainObject[];
}

export class IntentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "IntentError";
    }
}

function parseYamlDocuments(text: string, source: string): unknown[] {
    return parseAllDocuments(text).map((document, index) => {
        if (document.errors.length > 0) throw new IntentError(`${source} document ${index + 1}: ${document.errors[0].message}`);
        return document.toJS();
    }).filter((value) => value !== null && value !== undefined);
}

/** The flows the stack declares (ConfigMap zero-trust-intent, written by the program from stage 1). */
export async function readIntent(cluster: ClusterApi, namespace: string): Promise<Intent> {
    const data = await cluster.readConfigMap(namespace, INTENT.configMap);
    const where = `ConfigMap ${namespace}/${INTENT.configMap}`;
    if (!data) {
        throw new IntentError(`${where} not found: the stack declares no flows in this namespace. Is the stage 1 or later and has \`pulumi up\` run? (stage 0 has no workloads and nothing to verify)`);
    }
    const flowsText = data[INTENT.flowsKey];
    if (flowsText === undefined) throw new IntentError(`${where} has no key ${INTENT.flowsKey}`);
    const [checks] = parseYamlDocuments(flowsText, `${where} ${INTENT.flowsKey}`);
    if (!Array.isArray(checks) || !checks.every(isFlowCheck)) {
        throw new IntentError(`${where} ${INTENT.flowsKey}: expected a list of flows {id, description, expected: allowed|blocked, legs: [{src, dst, port, protocol}]}`);
    }
    const baseline = parseYamlDocuments(data[INTENT.baselineKey] ?? "", `${where} ${INTENT.baselineKey}`) as PlainObject[];
    return { checks, baseline };
}

function isFlowCheck(value: unknown): value is FlowCheck {
    const check = value as FlowCheck;
    return typeof check?.id === "string" && (check.expected === "allowed" || check.expected === "blocked") && Array.isArray(check.legs)
        && check.legs.every((leg) => typeof leg.src === "string" && typeof leg.dst === "string" && typeof leg.port === "number" && (leg.protocol === "TCP" || leg.protocol === "UDP"));
}

const CALICO_KINDS = ["NetworkPolicy", "GlobalNetworkPolicy", "NetworkSet", "GlobalNetworkSet", "HostEndpoint", "Tier", "IPPool", "KubeControllersConfiguration"];
const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];

export interface ReadBack {
    objects: PlainObject[];
    /** Which Calico API the policies were read from, or why none. */
    calicoSource: string;
    nodes: NodeInfo[];
    /** Pods of the namespaces that matter, by namespace. */
    pods: PodInfo[];
    /** Objects taken from the intent's baseline because the cluster has no such object. */
    fromBaseline: string[];
}

/** Only what decides connectivity: identity, labels, spec. No status, no managedFields. */
function trim(object: PlainObject): PlainObject {
    const { name, namespace, labels, annotations } = object.metadata as PlainObject["metadata"] & { annotations?: Record<string, string> };
    const result: PlainObject = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
    if (object.spec !== undefined) result.spec = object.spec;
    return result;
}

const identity = (object: PlainObject) => `${object.kind}|${object.metadata.namespace ?? ""}|${object.metadata.name}`;

async function listOrEmpty(cluster: ClusterApi, apiVersion: string, kind: string, namespace?: string): Promise<PlainObject[]> {
    return (await cluster.listObjects(apiVersion, kind, namespace)) ?? [];
}

/** The objects that decide the lab's flows, as the cluster has them. */
export async function readBack(cluster: ClusterApi, namespace: string, intent: Intent): Promise<ReadBack> {
    const objects: PlainObject[] = [];
    objects.push(...await listOrEmpty(cluster, "v1", "Namespace"));
    for (const kind of ["Deployment", "StatefulSet", "DaemonSet"]) objects.push(...await listOrEmpty(cluster, "apps/v1", kind, namespace));
    objects.push(...await listOrEmpty(cluster, "v1", "Service", namespace));
    objects.push(...await listOrEmpty(cluster, "v1", "ServiceAccount", namespace));
    // Cluster DNS: the Deployment and Service behind k8s-app=kube-dns.
    const dnsDeployments = (await listOrEmpty(cluster, "apps/v1", "Deployment", "kube-system"))
        .filter((d) => (d.spec as any)?.template?.metadata?.labels?.["k8s-app"] === "kube-dns");
    objects.push(...dnsDeployments);
    objects.push(...(await listOrEmpty(cluster, "v1", "Service", "kube-system")).filter((s) => (s.spec as any)?.selector?.["k8s-app"] === "kube-dns"));
    objects.push(...await listOrEmpty(cluster, "networking.k8s.io/v1", "NetworkPolicy"));

    let calicoSource = "no Calico policy API served (neither projectcalico.org/v3 nor crd.projectcalico.org/v1): Kubernetes policies only";
    for (const apiVersion of CALICO_API_VERSIONS) {
        const policies = await cluster.listObjects(apiVersion, "GlobalNetworkPolicy");
        if (policies === undefined) continue;
        calicoSource = apiVersion;
        objects.push(...policies);
        for (const kind of CALICO_KINDS.filter((k) => k !== "GlobalNetworkPolicy")) objects.push(...await listOrEmpty(cluster, apiVersion, kind));
        break;
    }

    const trimmed = objects.map(trim);
    const present = new Set(trimmed.map(identity));
    const fromBaseline: string[] = [];
    for (const object of intent.baseline) {
        // The real kube-dns wins over the baseline's description of it, whatever its name.
        const isDns = object.kind === "Deployment" && `${object.metadata.namespace}/${object.metadata.name}` === KUBE_DNS_WORKLOAD && dnsDeployments.length > 0;
        if (present.has(identity(object)) || isDns) continue;
        trimmed.push(trim(object));
        present.add(identity(object));
        fromBaseline.push(`${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`);
    }

    const nodes = await cluster.listNodes();
    const namespaces = [...new Set([namespace, "kube-system"])];
    const pods: PodInfo[] = [];
    for (const ns of namespaces) pods.push(...await cluster.listPods(ns));
    return { objects: trimmed, calicoSource, nodes, pods, fromBaseline };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return selector !== undefined && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Facts for the probe plan: each workload's labels and running pod IPs, a node, kube-dns. */
export function clusterFacts(back: ReadBack, nodeAddress?: string): ClusterFacts {
    const workloads: Record<string, WorkloadFacts> = {};
    for (const object of back.objects) {
        if (!["Deployment", "StatefulSet", "DaemonSet"].includes(object.kind)) continue;
        const spec = object.spec as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
        const labels = spec?.template?.metadata?.labels ?? {};
        const namespace = object.metadata.namespace ?? "default";
        const podIPs = back.pods
            .filter((pod) => pod.namespace === namespace && pod.phase === "Running" && pod.ip && selects(spec?.selector?.matchLabels, pod.labels) && pod.labels["lab.calico-zero-trust/probe"] === undefined)
            .map((pod) => pod.ip as string);
        workloads[`${namespace}/${object.metadata.name}`] = { labels, podIPs };
    }
    const dnsService = back.objects.find((o) => o.kind === "Service" && o.metadata.namespace === "kube-system" && (o.spec as any)?.selector?.["k8s-app"] === "kube-dns");
    const dnsPod = back.pods.find((pod) => pod.namespace === "kube-system" && pod.labels["k8s-app"] === "kube-dns" && pod.ip);
    const node = back.nodes[0];
    return {
        workloads,
        nodeAddress: nodeAddress ?? node?.internalIP ?? node?.externalIP,
        dnsServer: (dnsService?.spec as any)?.clusterIP ?? dnsPod?.ip,
        dnsName: "kubernetes.default.svc.cluster.local",
    };
}

/** Pinned digests of the images the lab's pods run (kubelet imageID), by workload/container. */
export function runningImageDigests(back: ReadBack, namespace: string): Record<string, string> {
    const digests: Record<string, string> = {};
    for (const pod of back.pods.filter((p) => p.namespace === namespace && p.labels["lab.calico-zero-trust/probe"] === undefined)) {
        const workload = pod.labels.app ?? pod.name;
        for (const [container, imageId] of Object.entries(pod.imageIds)) {
            const digest = imageId.replace(/^docker-pullable:\/\//, "");
            if (digest.includes("@sha256:")) digests[`${workload}/${container}`] = digest;
        }
    }
    return digests;
}
