// Reads back from the cluster what the analyzer needs to predict the stage's flows: the objects
// as the API server has them (not as the program declared them), plus the baseline the intent
// ConfigMap carries for what the lab does not create (a neighbour namespace's workload).
import { parseAllDocuments } from "yaml";
import { FlowCheck, INTENT, IntentStage } from "../scenarios/common/intent";
import { KUBE_DNS_WORKLOAD } from "../scenarios/common/flows";
import type { ClusterApi, NodeInfo, PlainObject, PodInfo } from "./cluster";
import { CALICO_READBACK_KINDS, listOrEmpty, readCalicoKinds, trimObject } from "./cluster-objects";
import type { ClusterFacts, WorkloadFacts } from "./plan";

export { INTENT } from "../scenarios/common/intent";
export type { IntentStage } from "../scenarios/common/intent";

export interface Intent {
    checks: FlowCheck[];
    baseline: PlainObject[];
    /** The stage the program declared the flows for; undefined in a ConfigMap written before it said so. */
    stage?: IntentStage;
    /** Where the intent ConfigMap was found. */
    namespace?: string;
}

export class IntentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "IntentError";
    }
}

function parseYamlDocuments(text: string, source: string): unknown[] {
    return parseAllDocuments(text)
        .map((document, index) => {
            if (document.errors.length > 0) throw new IntentError(`${source} document ${index + 1}: ${document.errors[0].message}`);
            return document.toJS();
        })
        .filter((value) => value !== null && value !== undefined);
}

/** Namespaces as given: one, several, or comma-separated; deduplicated, order kept. */
export function namespaceList(value: string | readonly string[]): string[] {
    const list = (typeof value === "string" ? [value] : [...value])
        .flatMap((item) => item.split(","))
        .map((item) => item.trim())
        .filter(Boolean);
    return [...new Set(list)];
}

/**
 * The ConfigMap(s) carrying the intent: labelled lab.calico-zero-trust/intent=true in any of the
 * namespaces (yaobank declares it in yaobank-customer only), else by name (zero-trust-intent).
 */
async function findIntentConfigMaps(cluster: ClusterApi, namespaces: string[]): Promise<{ namespace: string; name: string; data: Record<string, string> }[]> {
    const found: { namespace: string; name: string; data: Record<string, string> }[] = [];
    for (const namespace of namespaces) {
        const configMaps = await cluster.listObjects("v1", "ConfigMap", namespace);
        for (const configMap of configMaps ?? []) {
            if (configMap.metadata.labels?.[INTENT.label] !== INTENT.labelValue) continue;
            found.push({ namespace, name: configMap.metadata.name, data: (configMap.data as Record<string, string> | undefined) ?? {} });
        }
    }
    if (found.length > 0) return found;
    for (const namespace of namespaces) {
        const data = await cluster.readConfigMap(namespace, INTENT.configMap);
        if (data) found.push({ namespace, name: INTENT.configMap, data });
    }
    return found;
}

/**
 * The flows the stack declares (ConfigMap zero-trust-intent, written by the program from stage 1),
 * found by its label in one of the lab's namespaces.
 */
export async function readIntent(cluster: ClusterApi, namespaces: string | readonly string[]): Promise<Intent> {
    const list = namespaceList(namespaces);
    const found = await findIntentConfigMaps(cluster, list);
    if (found.length === 0) {
        const where =
            list.length === 1
                ? `ConfigMap ${list[0]}/${INTENT.configMap} not found`
                : `no intent ConfigMap (label ${INTENT.label}=${INTENT.labelValue}, or named ${INTENT.configMap}) in namespaces ${list.join(", ")}`;
        throw new IntentError(
            `${where}: the stack declares no flows in ${list.length === 1 ? "this namespace" : "these namespaces"}. Is the stage 1 or later and has \`pulumi up\` run? (stage 0 has no workloads and nothing to verify)`,
        );
    }
    if (found.length > 1) {
        throw new IntentError(
            `several intent ConfigMaps (${found.map((f) => `${f.namespace}/${f.name}`).join(", ")}): these namespaces hold more than one stack's lab; pass --namespace for one of them`,
        );
    }
    const [{ namespace, name, data }] = found;
    const where = `ConfigMap ${namespace}/${name}`;
    const flowsText = data[INTENT.flowsKey];
    if (flowsText === undefined) throw new IntentError(`${where} has no key ${INTENT.flowsKey}`);
    const [checks] = parseYamlDocuments(flowsText, `${where} ${INTENT.flowsKey}`);
    if (!Array.isArray(checks) || !checks.every(isFlowCheck)) {
        throw new IntentError(
            `${where} ${INTENT.flowsKey}: expected a list of flows {id, description, expected: allowed|blocked, legs: [{src, dst, port, protocol}]}`,
        );
    }
    const baseline = parseYamlDocuments(data[INTENT.baselineKey] ?? "", `${where} ${INTENT.baselineKey}`) as PlainObject[];
    let stage: IntentStage | undefined;
    if (data[INTENT.stageKey] !== undefined) {
        const [value] = parseYamlDocuments(data[INTENT.stageKey], `${where} ${INTENT.stageKey}`) as Partial<IntentStage>[];
        if (typeof value?.scenario !== "string" || typeof value.number !== "number" || typeof value.name !== "string") {
            throw new IntentError(`${where} ${INTENT.stageKey}: expected {scenario, number, name}, got ${JSON.stringify(value)}`);
        }
        stage = { scenario: value.scenario, number: value.number, name: value.name };
    }
    return { checks, baseline, namespace, ...(stage ? { stage } : {}) };
}

function isFlowCheck(value: unknown): value is FlowCheck {
    const check = value as FlowCheck;
    return (
        typeof check?.id === "string" &&
        (check.expected === "allowed" || check.expected === "blocked") &&
        Array.isArray(check.legs) &&
        check.legs.every(
            (leg) =>
                typeof leg.src === "string" &&
                typeof leg.dst === "string" &&
                typeof leg.port === "number" &&
                (leg.protocol === "TCP" || leg.protocol === "UDP"),
        )
    );
}

export interface ReadBack {
    objects: PlainObject[];
    /** Which Calico API the policies were read from, or why none. */
    calicoSource: string;
    nodes: NodeInfo[];
    /** Pods of the namespaces that matter, by namespace. */
    pods: PodInfo[];
    /** Objects taken from the intent's baseline because the cluster has no such object. */
    fromBaseline: string[];
    /** Service accounts that exist, as namespace/name (the lab's namespaces and the flows' sources'). */
    serviceAccounts?: string[];
}

const identity = (object: PlainObject) => `${object.kind}|${object.metadata.namespace ?? ""}|${object.metadata.name}`;

/** The objects that decide the lab's flows, as the cluster has them, from every lab namespace. */
export async function readBack(cluster: ClusterApi, namespaces: string | readonly string[], intent: Intent): Promise<ReadBack> {
    const labNamespaces = namespaceList(namespaces);
    // Every list at once (the requests are independent); the objects keep the order below.
    const perNamespace = (namespace: string) =>
        Promise.all([
            ...["Deployment", "StatefulSet", "DaemonSet"].map((kind) => listOrEmpty(cluster, "apps/v1", kind, namespace)),
            listOrEmpty(cluster, "v1", "Service", namespace),
            listOrEmpty(cluster, "v1", "ServiceAccount", namespace),
        ]);
    const [namespaceObjects, labObjects, systemDeployments, systemServices, networkPolicies, calico] = await Promise.all([
        listOrEmpty(cluster, "v1", "Namespace"),
        Promise.all(labNamespaces.map(perNamespace)),
        listOrEmpty(cluster, "apps/v1", "Deployment", "kube-system"),
        listOrEmpty(cluster, "v1", "Service", "kube-system"),
        listOrEmpty(cluster, "networking.k8s.io/v1", "NetworkPolicy"),
        readCalicoKinds(cluster, CALICO_READBACK_KINDS),
    ]);
    // Cluster DNS: the Deployment and Service behind k8s-app=kube-dns.
    const dnsDeployments = systemDeployments.filter((d) => (d.spec as any)?.template?.metadata?.labels?.["k8s-app"] === "kube-dns");
    const objects: PlainObject[] = [
        ...namespaceObjects,
        ...labObjects.flat(2),
        ...dnsDeployments,
        ...systemServices.filter((s) => (s.spec as any)?.selector?.["k8s-app"] === "kube-dns"),
        ...networkPolicies,
        ...calico.objects,
    ];
    const calicoSource = calico.source;

    const trimmed = objects.map(trimObject);
    const present = new Set(trimmed.map(identity));
    const fromBaseline: string[] = [];
    for (const object of intent.baseline) {
        // The real kube-dns wins over the baseline's description of it, whatever its name.
        const isDns = object.kind === "Deployment" && `${object.metadata.namespace}/${object.metadata.name}` === KUBE_DNS_WORKLOAD && dnsDeployments.length > 0;
        if (present.has(identity(object)) || isDns) continue;
        trimmed.push(trimObject(object));
        present.add(identity(object));
        fromBaseline.push(`${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`);
    }

    const [nodes, podLists] = await Promise.all([
        cluster.listNodes(),
        Promise.all([...new Set([...labNamespaces, "kube-system"])].map((ns) => cluster.listPods(ns))),
    ]);
    const pods: PodInfo[] = podLists.flat();
    // Service accounts outside the lab's namespaces that the flows' sources name (kube-system's
    // coredns, a neighbour's): a probe pod may only run under an account that exists.
    const serviceAccounts = new Set(trimmed.filter((o) => o.kind === "ServiceAccount").map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    const sourceNamespaces = new Set(
        intent.checks
            .flatMap((check) => check.legs.map((leg) => leg.src))
            .filter((src) => !src.includes(":"))
            .map((src) => src.split("/")[0]),
    );
    for (const ns of [...sourceNamespaces].filter((n) => !labNamespaces.includes(n))) {
        for (const account of await listOrEmpty(cluster, "v1", "ServiceAccount", ns)) serviceAccounts.add(`${ns}/${account.metadata.name}`);
    }
    return { objects: trimmed, calicoSource, nodes, pods, fromBaseline, serviceAccounts: [...serviceAccounts] };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return selector !== undefined && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Facts for the probe plan: each workload's labels and running pod IPs, a node, kube-dns. */
export function clusterFacts(back: ReadBack, nodeAddress?: string): ClusterFacts {
    const workloads: Record<string, WorkloadFacts> = {};
    for (const object of back.objects) {
        if (!["Deployment", "StatefulSet", "DaemonSet"].includes(object.kind)) continue;
        const spec = object.spec as
            | {
                  selector?: { matchLabels?: Record<string, string> };
                  template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string; serviceAccount?: string } };
              }
            | undefined;
        const labels = spec?.template?.metadata?.labels ?? {};
        const namespace = object.metadata.namespace ?? "default";
        const podIPs = back.pods
            .filter(
                (pod) =>
                    pod.namespace === namespace &&
                    pod.phase === "Running" &&
                    pod.ip &&
                    selects(spec?.selector?.matchLabels, pod.labels) &&
                    pod.labels["lab.calico-zero-trust/probe"] === undefined,
            )
            .map((pod) => pod.ip as string);
        // The probe runs under the workload's account when it exists (a baseline-only workload's
        // account may not, and the API server refuses a pod whose account is missing).
        const account = spec?.template?.spec?.serviceAccountName ?? spec?.template?.spec?.serviceAccount;
        const accountExists = account !== undefined && (account === "default" || back.serviceAccounts?.includes(`${namespace}/${account}`));
        workloads[`${namespace}/${object.metadata.name}`] = { labels, podIPs, ...(accountExists ? { serviceAccount: account } : {}) };
    }
    const dnsService = back.objects.find(
        (o) => o.kind === "Service" && o.metadata.namespace === "kube-system" && (o.spec as any)?.selector?.["k8s-app"] === "kube-dns",
    );
    const dnsPod = back.pods.find((pod) => pod.namespace === "kube-system" && pod.labels["k8s-app"] === "kube-dns" && pod.ip);
    const node = back.nodes[0];
    return {
        workloads,
        nodeAddress: nodeAddress ?? node?.internalIP ?? node?.externalIP,
        dnsServer: (dnsService?.spec as any)?.clusterIP ?? dnsPod?.ip,
        dnsName: "kubernetes.default.svc.cluster.local",
        serviceIPs: Object.fromEntries(
            back.objects
                .filter((o) => o.kind === "Service" && typeof (o.spec as any)?.clusterIP === "string" && (o.spec as any).clusterIP !== "None")
                .map((o) => [`${o.metadata.namespace ?? "default"}/${o.metadata.name}`, (o.spec as any).clusterIP as string]),
        ),
    };
}

/** Pinned digests of the images the lab's pods run (kubelet imageID), by workload/container. */
export function runningImageDigests(back: ReadBack, namespaces: string | readonly string[]): Record<string, string> {
    const digests: Record<string, string> = {};
    const list = namespaceList(namespaces);
    for (const pod of back.pods.filter((p) => list.includes(p.namespace) && p.labels["lab.calico-zero-trust/probe"] === undefined)) {
        const workload = pod.labels.app ?? pod.name;
        for (const [container, imageId] of Object.entries(pod.imageIds)) {
            const digest = imageId.replace(/^docker-pullable:\/\//, "");
            if (digest.includes("@sha256:")) digests[`${workload}/${container}`] = digest;
        }
    }
    return digests;
}
