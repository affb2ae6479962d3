// The lab's stage table and its expected connectivity, as data (docs/lab.md).
// The program, the tests, the policy pack, the lab runner and the README all read these
// tables; nothing else decides what a stage contains.
import { Expectation, featuresAt, findStageIn, Protocol, StageRow } from "../common/stages";

export const STAGE_NAMES = ["cluster", "helloworld", "proxy", "deny-all", "allow-proxy", "lockdown"] as const;
export type StageName = (typeof STAGE_NAMES)[number];
export type StageNumber = 0 | 1 | 2 | 3 | 4 | 5;

export type Stage = StageRow<StageName, StageNumber>;

export const STAGES: readonly Stage[] = [
    { number: 0, name: "cluster", title: "Cluster", adds: "the cluster with Calico and the lab namespace, nothing else" },
    { number: 1, name: "helloworld", title: "Hello world", adds: "the helloworld Deployment and its NodePort Service" },
    { number: 2, name: "proxy", title: "Proxy", adds: "the helloworld-proxy Deployment and NodePort Service; helloworld's NodePort stays open" },
    {
        number: 3,
        name: "deny-all",
        title: "Deny all",
        adds: "default deny for the lab namespace, ingress and egress, with a DNS allowance (UDP and TCP 53 to kube-dns only)",
    },
    { number: 4, name: "allow-proxy", title: "Allow via proxy", adds: "world -> proxy:8080 and proxy -> helloworld:8080, nothing else" },
    { number: 5, name: "lockdown", title: "Lockdown", adds: "a Calico preDNAT policy on host endpoints drops every NodePort but the proxy's" },
];

/**
 * The parts of the lab, each with the stage that introduces it. Stages are cumulative: a
 * stage has every feature introduced at or before it.
 */
export const FEATURE_INTRODUCED_AT = {
    helloworld: 1,
    proxy: 2,
    defaultDeny: 3,
    allowProxy: 4,
    lockdown: 5,
} as const satisfies Record<string, StageNumber>;

export type Feature = keyof typeof FEATURE_INTRODUCED_AT;
export type StageFeatures = Record<Feature, boolean>;

/** Features that need Calico's own policy resources: refused with the kubernetes flavor. */
export const CALICO_ONLY_FEATURES: readonly Feature[] = ["lockdown"];

export function featuresOf(stage: Stage): StageFeatures {
    return featuresAt(FEATURE_INTRODUCED_AT, stage);
}

/** Resolves a stage given by number ("3") or name ("deny-all"); undefined when it is neither. */
export function findStage(value: string): Stage | undefined {
    return findStageIn(STAGES, value);
}

// ---------------------------------------------------------------------------------------
// Expected connectivity

/** One side of a flow, in the lab's vocabulary; flows.ts maps it to analyzer and probe terms. */
export type FlowEndpoint =
    | { kind: "workload"; workload: LabWorkload }
    | { kind: "nodePort"; service: LabWorkload }
    | { kind: "world" }
    | { kind: "internet" }
    | { kind: "kubeDns" }
    | { kind: "otherNamespace" };

export type LabWorkload = "helloworld" | "helloworld-proxy";

/** A single connection attempt: from one endpoint to another on a port. */
export interface FlowLeg {
    from: FlowEndpoint;
    to: FlowEndpoint;
    /** A port number, or "nodePort" for the destination Service's NodePort. */
    port: number | "nodePort";
    protocol: Protocol;
}

export interface ExpectedFlow {
    id: string;
    description: string;
    /** Every leg must be allowed for the flow to be allowed. */
    legs: FlowLeg[];
    /** Indexed by stage number, 0 to 5. */
    expected: readonly [Expectation, Expectation, Expectation, Expectation, Expectation, Expectation];
}

const helloworld: FlowEndpoint = { kind: "workload", workload: "helloworld" };
const proxy: FlowEndpoint = { kind: "workload", workload: "helloworld-proxy" };
const kubeDns: FlowEndpoint = { kind: "kubeDns" };
const dnsLegs = (from: FlowEndpoint): FlowLeg[] => [
    { from, to: kubeDns, port: 53, protocol: "UDP" },
    { from, to: kubeDns, port: 53, protocol: "TCP" },
];

/** docs/lab.md "Expected connectivity", row by row. Stage 0 has no lab workload, so every row is "-". */
export const EXPECTED_FLOWS: readonly ExpectedFlow[] = [
    {
        id: "world-to-helloworld-nodeport",
        description: "world -> helloworld NodePort (direct)",
        legs: [{ from: { kind: "world" }, to: { kind: "nodePort", service: "helloworld" }, port: "nodePort", protocol: "TCP" }],
        expected: ["-", "Y", "Y", "n", "n", "n"],
    },
    {
        id: "world-to-proxy-nodeport",
        description: "world -> proxy NodePort",
        legs: [{ from: { kind: "world" }, to: { kind: "nodePort", service: "helloworld-proxy" }, port: "nodePort", protocol: "TCP" }],
        expected: ["-", "-", "Y", "n", "Y", "Y"],
    },
    {
        id: "world-via-proxy-to-helloworld",
        description: "world -> proxy -> helloworld (via proxy, end to end)",
        legs: [
            { from: { kind: "world" }, to: { kind: "nodePort", service: "helloworld-proxy" }, port: "nodePort", protocol: "TCP" },
            { from: proxy, to: kubeDns, port: 53, protocol: "UDP" },
            { from: proxy, to: helloworld, port: 8080, protocol: "TCP" },
        ],
        expected: ["-", "-", "Y", "n", "Y", "Y"],
    },
    {
        id: "proxy-to-helloworld",
        description: "proxy -> helloworld:8080",
        legs: [{ from: proxy, to: helloworld, port: 8080, protocol: "TCP" }],
        expected: ["-", "-", "Y", "n", "Y", "Y"],
    },
    {
        id: "helloworld-to-proxy",
        description: "helloworld -> proxy:8080",
        legs: [{ from: helloworld, to: proxy, port: 8080, protocol: "TCP" }],
        expected: ["-", "-", "Y", "n", "n", "n"],
    },
    {
        id: "helloworld-to-helloworld",
        description: "helloworld -> helloworld:8080 (pod to pod)",
        legs: [{ from: helloworld, to: helloworld, port: 8080, protocol: "TCP" }],
        expected: ["-", "Y", "Y", "n", "n", "n"],
    },
    {
        id: "lab-pods-to-kube-dns",
        description: "lab pods -> kube-dns:53 UDP and TCP",
        // Each lab workload that exists at the stage; flows.ts drops legs of absent workloads.
        legs: [...dnsLegs(helloworld), ...dnsLegs(proxy)],
        expected: ["-", "Y", "Y", "Y", "Y", "Y"],
    },
    {
        id: "lab-pods-to-internet",
        description: "lab pods -> internet:443",
        legs: [{ from: helloworld, to: { kind: "internet" }, port: 443, protocol: "TCP" }],
        expected: ["-", "Y", "Y", "n", "n", "n"],
    },
    {
        id: "other-namespace-to-helloworld",
        description: "pods in other namespaces -> helloworld:8080",
        legs: [{ from: { kind: "otherNamespace" }, to: helloworld, port: 8080, protocol: "TCP" }],
        expected: ["-", "Y", "Y", "n", "n", "n"],
    },
];

export function expectationsAt(stage: Stage): { flow: ExpectedFlow; expected: Expectation }[] {
    return EXPECTED_FLOWS.map((flow) => ({ flow, expected: flow.expected[stage.number] }));
}
