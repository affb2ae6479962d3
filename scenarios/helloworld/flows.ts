// Turns the lab's expected flows (stages.ts) into concrete connection queries for one stack:
// endpoint names in the analyzer's vocabulary (`<namespace>/<workload>`, `external:<ip>`,
// `nodeport:<namespace>/<service>`), real ports, and only the legs whose workloads exist.
import { stringify } from "yaml";
import type { KubeObject } from "../../analysis";
import type { ClusterMode } from "../../config";
import { HELLOWORLD_CONFIG_KEYS } from "./config";
import type { Connection } from "../../analysis";
import {
    BASELINE_FILE,
    FlowCheck,
    IKS_BASELINE_FILE,
    INTERNET_ADDRESS,
    KUBE_DNS_WORKLOAD,
    OTHER_NAMESPACE_WORKLOAD,
    readObjects,
    WORLD_ADDRESS,
} from "../common/flows";
import { ExpectedFlow, FlowEndpoint, FlowLeg, LabWorkload, Stage, StageFeatures, expectationsAt, featuresOf } from "./stages";
import { Expectation } from "../common/stages";

export interface FlowContext {
    namespace: string;
    nodePorts: Record<LabWorkload, number>;
}

/** The flow context of a stack's raw config (keys without the project prefix); unset keys take their defaults. */
export function flowContextFor(config: Record<string, string | undefined>): FlowContext {
    const keys = HELLOWORLD_CONFIG_KEYS;
    return {
        namespace: config.namespace || keys.namespace.default,
        nodePorts: {
            helloworld: Number(config.appNodePort || keys.appNodePort.default),
            "helloworld-proxy": Number(config.proxyNodePort || keys.proxyNodePort.default),
        },
    };
}

const WORKLOAD_FEATURE: Record<LabWorkload, keyof StageFeatures> = { helloworld: "helloworld", "helloworld-proxy": "proxy" };

function endpointName(endpoint: FlowEndpoint, context: FlowContext): string {
    switch (endpoint.kind) {
        case "workload":
            return `${context.namespace}/${endpoint.workload}`;
        case "nodePort":
            return `nodeport:${context.namespace}/${endpoint.service}`;
        case "world":
            return `external:${WORLD_ADDRESS}`;
        case "internet":
            return `external:${INTERNET_ADDRESS}`;
        case "kubeDns":
            return KUBE_DNS_WORKLOAD;
        case "otherNamespace":
            return OTHER_NAMESPACE_WORKLOAD;
    }
}

function workloadOf(endpoint: FlowEndpoint): LabWorkload | undefined {
    if (endpoint.kind === "workload") return endpoint.workload;
    if (endpoint.kind === "nodePort") return endpoint.service;
    return undefined;
}

function legExists(leg: FlowLeg, features: StageFeatures): boolean {
    return [leg.from, leg.to].every((endpoint) => {
        const workload = workloadOf(endpoint);
        return workload === undefined || features[WORKLOAD_FEATURE[workload]];
    });
}

export function toQuery(leg: FlowLeg, context: FlowContext): Connection {
    const port = leg.port === "nodePort" ? context.nodePorts[workloadOf(leg.to) as LabWorkload] : leg.port;
    return { src: endpointName(leg.from, context), dst: endpointName(leg.to, context), port, protocol: leg.protocol };
}

function toCheck(flow: ExpectedFlow, expected: Expectation, stage: Stage, context: FlowContext): FlowCheck | undefined {
    if (expected === "-") return undefined;
    const features = featuresOf(stage);
    const legs = flow.legs.filter((leg) => legExists(leg, features)).map((leg) => toQuery(leg, context));
    return { id: flow.id, description: flow.description, expected: expected === "Y" ? "allowed" : "blocked", legs };
}

/** The stage's applicable rows of the truth table, as queries for this stack. */
export function flowChecksAt(stage: Stage, context: FlowContext): FlowCheck[] {
    return expectationsAt(stage)
        .map(({ flow, expected }) => toCheck(flow, expected, stage, context))
        .filter((check): check is FlowCheck => check !== undefined);
}

/** The representative node's labels, which Calico's automatic host endpoints copy. */
const NODE_LABELS = { "kubernetes.io/hostname": "lab-node", "kubernetes.io/os": "linux" };

/**
 * What a stage makes true of the cluster beyond the program's own objects: at the lockdown stage
 * the nodes have host endpoints (the cluster component enables Calico's automatic host endpoints),
 * stated as the KubeControllersConfiguration and a representative Node. IKS has IBM's host
 * endpoints at every stage instead (baseline/iks.yaml).
 */
function autoHostEndpointFacts(): KubeObject[] {
    return [
        { apiVersion: "v1", kind: "Node", metadata: { name: NODE_LABELS["kubernetes.io/hostname"], labels: NODE_LABELS } },
        {
            apiVersion: "projectcalico.org/v3",
            kind: "KubeControllersConfiguration",
            metadata: { name: "default" },
            spec: { controllers: { node: { hostEndpoint: { autoCreate: "Enabled" } } } },
        },
    ];
}

/**
 * The pre-existing objects the flows refer to (baseline/cluster.yaml: kube-dns, a neighbour
 * namespace), plus what the cluster mode brings (IKS: baseline/iks.yaml) and, given a stage, the
 * host endpoints that stage relies on.
 */
export function baselineObjects(stage?: Stage, mode: ClusterMode = "kind"): KubeObject[] {
    const objects = readObjects(BASELINE_FILE);
    if (mode === "iks") return [...objects, ...readObjects(IKS_BASELINE_FILE)];
    return stage !== undefined && featuresOf(stage).lockdown ? [...objects, ...autoHostEndpointFacts()] : objects;
}

/** baselineObjects as multi-document YAML, for the zero-trust-intent ConfigMap. */
export function baselineYaml(stage: Stage, mode: ClusterMode): string {
    return baselineObjects(stage, mode)
        .map((object) => stringify(object, { lineWidth: 0 }))
        .join("---\n");
}
