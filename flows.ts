// Turns the lab's expected flows (stages.ts) into concrete connection queries for one stack:
// endpoint names in the analyzer's vocabulary (`<namespace>/<workload>`, `external:<ip>`,
// `nodeport:<namespace>/<service>`), real ports, and only the legs whose workloads exist.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { Expectation, ExpectedFlow, FlowEndpoint, FlowLeg, LabWorkload, Stage, StageFeatures, expectationsAt, featuresOf } from "./stages";

/** An address outside the cluster that stands for "the world" (TEST-NET-3, RFC 5737). */
export const WORLD_ADDRESS = "203.0.113.10";
/** A public address that stands for "the internet" (Cloudflare DNS, reachable on 443). */
export const INTERNET_ADDRESS = "1.1.1.1";
export const BASELINE_FILE = path.join(__dirname, "baseline", "cluster.yaml");
export const KUBE_DNS_WORKLOAD = "kube-system/coredns";
export const OTHER_NAMESPACE_WORKLOAD = "lab-neighbour/probe";

export interface FlowContext {
    namespace: string;
    nodePorts: Record<LabWorkload, number>;
}

export interface ConnectionQuery {
    src: string;
    dst: string;
    port: number;
    protocol: "TCP" | "UDP";
}

export interface FlowCheck {
    id: string;
    description: string;
    expected: "allowed" | "blocked";
    /** The flow is allowed only when every leg is allowed. */
    legs: ConnectionQuery[];
}

const WORKLOAD_FEATURE: Record<LabWorkload, keyof StageFeatures> = { helloworld: "helloworld", "helloworld-proxy": "proxy" };

function endpointName(endpoint: FlowEndpoint, context: FlowContext): string {
    switch (endpoint.kind) {
        case "workload": return `${context.namespace}/${endpoint.workload}`;
        case "nodePort": return `nodeport:${context.namespace}/${endpoint.service}`;
        case "world": return `external:${WORLD_ADDRESS}`;
        case "internet": return `external:${INTERNET_ADDRESS}`;
        case "kubeDns": return KUBE_DNS_WORKLOAD;
        case "otherNamespace": return OTHER_NAMESPACE_WORKLOAD;
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

export function toQuery(leg: FlowLeg, context: FlowContext): ConnectionQuery {
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

/** Reads baseline/cluster.yaml: the pre-existing objects the flows refer to (kube-dns, a neighbour namespace). */
export function baselineObjects(): Record<string, any>[] {
    const text = fs.readFileSync(BASELINE_FILE, "utf8");
    return parseAllDocuments(text).map((document) => document.toJS() as Record<string, any>).filter(Boolean);
}
