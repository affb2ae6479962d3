// The yaobank scenario (Tigera's Calico security track, docs/yaobank.md)
// as data: its stage table, its three workloads and its expected connectivity. The
// program, the tests and docs/yaobank.md read these tables; nothing else decides what a yaobank
// stage contains.

import { Expectation, featuresAt, findStageIn, Protocol, StageRow } from "../common/stages";

export type { Expectation } from "../common/stages";

export const YAOBANK_STAGE_NAMES = ["cluster", "app", "p-summary2database", "default-app-policy", "calico-policies"] as const;
export type YaobankStageName = (typeof YAOBANK_STAGE_NAMES)[number];
export type YaobankStageNumber = 0 | 1 | 2 | 3 | 4;

export type YaobankStage = StageRow<YaobankStageName, YaobankStageNumber>;

export const YAOBANK_STAGES: readonly YaobankStage[] = [
    {
        number: 0,
        name: "cluster",
        title: "Cluster",
        adds: "the cluster with Calico and the three yaobank namespaces (labels ns: customer, summary, database), nothing else",
    },
    {
        number: 1,
        name: "app",
        title: "yaobank",
        adds: "customer (NodePort 30180) -> summary (2 replicas) -> database (etcd), each with its service account; no policy",
    },
    {
        number: 2,
        name: "p-summary2database",
        title: "Kubernetes policy",
        adds: "the Kubernetes NetworkPolicy p-summary2database: the database talks to the summary namespace only, both ways",
    },
    {
        number: 3,
        name: "default-app-policy",
        title: "Global default deny",
        adds: "the Calico GlobalNetworkPolicy default-app-policy: every yaobank pod is isolated both ways, DNS to kube-dns (UDP and TCP 53) excepted",
    },
    {
        number: 4,
        name: "calico-policies",
        title: "Calico policies",
        adds: "the Calico NetworkPolicies p-external2customer (egress to the summary service account) and p-customer2summary: the web UI works again",
    },
];

/** The parts of the scenario, each with the stage that introduces it (stages are cumulative). */
export const YAOBANK_FEATURE_INTRODUCED_AT = {
    app: 1,
    summaryToDatabase: 2,
    defaultAppPolicy: 3,
    calicoPolicies: 4,
} as const satisfies Record<string, YaobankStageNumber>;

export type YaobankFeature = keyof typeof YAOBANK_FEATURE_INTRODUCED_AT;
export type YaobankFeatures = Record<YaobankFeature, boolean>;

/** Features that need Calico's own policy resources: refused with the kubernetes flavor. */
export const YAOBANK_CALICO_ONLY_FEATURES: readonly YaobankFeature[] = ["defaultAppPolicy", "calicoPolicies"];

export function yaobankFeaturesOf(stage: YaobankStage): YaobankFeatures {
    return featuresAt(YAOBANK_FEATURE_INTRODUCED_AT, stage);
}

/** Resolves a stage given by number ("3") or name ("default-app-policy"); undefined when it is neither. */
export function findYaobankStage(value: string): YaobankStage | undefined {
    return findStageIn(YAOBANK_STAGES, value);
}

// ---------------------------------------------------------------------------------------
// The workloads (tigera/ccol2azure week2 yaobank.yaml)

export const YAOBANK_APPS = ["customer", "summary", "database"] as const;
export type YaobankApp = (typeof YAOBANK_APPS)[number];

export interface YaobankWorkload {
    app: YaobankApp;
    /** Namespace `yaobank-<app>`, labelled `ns: <app>` (the policies select namespaces by it). */
    namespace: string;
    port: number;
    replicas: number;
    /** Service account of the same name, with the track's labels. */
    serviceAccountLabels: Record<string, string>;
    /** The Service is a NodePort on this port; ClusterIP when absent. */
    nodePort?: number;
    /** The workload this one calls, by the env var the env-reading images read its host from. */
    calls?: { app: YaobankApp; hostEnv: string; portEnv?: string };
    /** Container command and args; the image's own when absent. */
    command?: string[];
    args?: string[];
}

export const YAOBANK_NAMESPACE_PREFIX = "yaobank-";
export const YAOBANK_NODE_PORT = 30180;
/** Every yaobank namespace carries this label; default-app-policy selects namespaces by it. */
export const YAOBANK_SCENARIO_LABEL = { "lab.calico-zero-trust/scenario": "yaobank" } as const;

export const YAOBANK_WORKLOADS: Record<YaobankApp, YaobankWorkload> = {
    customer: {
        app: "customer",
        namespace: "yaobank-customer",
        port: 80,
        replicas: 1,
        serviceAccountLabels: { app: "yaobank", summary: "reader" },
        nodePort: YAOBANK_NODE_PORT,
        calls: { app: "summary", hostEnv: "SUMMARY_URL" },
    },
    summary: {
        app: "summary",
        namespace: "yaobank-summary",
        port: 80,
        replicas: 2,
        serviceAccountLabels: { app: "yaobank", database: "reader" },
        calls: { app: "database", hostEnv: "DB_URL", portEnv: "DB_PORT" },
    },
    database: {
        app: "database",
        namespace: "yaobank-database",
        port: 2379,
        replicas: 1,
        serviceAccountLabels: { app: "yaobank" },
        command: ["etcd"],
        args: ["-advertise-client-urls", "http://database:2379", "-listen-client-urls", "http://0.0.0.0:2379"],
    },
};

// ---------------------------------------------------------------------------------------
// Expected connectivity

/**
 * One side of a flow. The three workloads by app; `customer-nodeport` is the customer Service's
 * NodePort on a node; the rest are outside the scenario (flows.ts names them for the analyzer;
 * scenarios/yaobank/baseline.yaml declares the cluster add-ons among them).
 */
export type YaobankEndpoint =
    | YaobankApp
    | "customer-nodeport"
    | "world"
    | "internet"
    | "kube-dns"
    | "other-namespace"
    | "local-path-provisioner"
    | "kube-apiserver";

export interface YaobankFlowLeg {
    from: YaobankEndpoint;
    to: YaobankEndpoint;
    port: number;
    protocol: Protocol;
}

export interface YaobankExpectedFlow {
    id: string;
    description: string;
    /** Every leg must be allowed for the flow to be allowed. */
    legs: YaobankFlowLeg[];
    /** Indexed by stage number, 0 to 4. */
    expected: readonly [Expectation, Expectation, Expectation, Expectation, Expectation];
}

const leg = (from: YaobankEndpoint, to: YaobankEndpoint, port: number, protocol: Protocol = "TCP"): YaobankFlowLeg => ({ from, to, port, protocol });
const dnsLegs = (from: YaobankEndpoint): YaobankFlowLeg[] => [leg(from, "kube-dns", 53, "UDP"), leg(from, "kube-dns", 53, "TCP")];

/**
 * The track's expected results (the web UI works end to end; customer reaches neither database nor internet), and what the policies also allow or
 * refuse that the track does not say: where this program departs from the track's text
 * (policies.ts) and where default-app-policy's scope leaves the rest of the cluster alone.
 */
export const YAOBANK_EXPECTED_FLOWS: readonly YaobankExpectedFlow[] = [
    {
        id: "web-ui-end-to-end",
        description: "world -> customer NodePort -> summary -> database (the web UI, end to end)",
        legs: [
            leg("world", "customer-nodeport", YAOBANK_NODE_PORT),
            leg("customer", "kube-dns", 53, "UDP"),
            leg("customer", "summary", 80),
            leg("summary", "kube-dns", 53, "UDP"),
            leg("summary", "database", 2379),
        ],
        expected: ["-", "Y", "Y", "n", "Y"],
    },
    {
        id: "world-to-customer-nodeport",
        description: "world -> customer NodePort 30180",
        legs: [leg("world", "customer-nodeport", YAOBANK_NODE_PORT)],
        expected: ["-", "Y", "Y", "n", "Y"],
    },
    {
        id: "customer-to-summary",
        description: "customer -> summary:80",
        legs: [leg("customer", "summary", 80)],
        expected: ["-", "Y", "Y", "n", "Y"],
    },
    {
        id: "summary-to-database",
        description: "summary -> database:2379",
        legs: [leg("summary", "database", 2379)],
        expected: ["-", "Y", "Y", "n", "Y"],
    },
    {
        id: "customer-to-database",
        description: "customer -> database:2379 (skipping summary)",
        legs: [leg("customer", "database", 2379)],
        expected: ["-", "Y", "n", "n", "n"],
    },
    {
        id: "customer-to-internet",
        description: "customer -> internet:443",
        legs: [leg("customer", "internet", 443)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "summary-to-internet",
        description: "summary -> internet:443",
        legs: [leg("summary", "internet", 443)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "database-to-internet",
        description: "database -> internet:443",
        legs: [leg("database", "internet", 443)],
        expected: ["-", "Y", "n", "n", "n"],
    },
    {
        id: "customer-summary-to-kube-dns",
        description: "customer and summary -> kube-dns:53 UDP and TCP",
        legs: [...dnsLegs("customer"), ...dnsLegs("summary")],
        expected: ["-", "Y", "Y", "Y", "Y"],
    },
    {
        id: "database-to-kube-dns",
        description: "database -> kube-dns:53 UDP and TCP (p-summary2database's egress rule leaves it out until default-app-policy allows it)",
        legs: dnsLegs("database"),
        expected: ["-", "Y", "n", "Y", "Y"],
    },
    {
        id: "summary-to-customer",
        description: "summary -> customer:80 (against the call direction)",
        legs: [leg("summary", "customer", 80)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "database-to-summary",
        description: "database -> summary:80 (p-summary2database's egress allows it; p-customer2summary's source refuses it)",
        legs: [leg("database", "summary", 80)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "other-namespace-to-customer",
        description: "pods in other namespaces -> customer:80 (the customer is the edge: p-external2customer admits any source)",
        legs: [leg("other-namespace", "customer", 80)],
        expected: ["-", "Y", "Y", "n", "Y"],
    },
    {
        id: "world-to-customer-other-port",
        description: "world -> customer pod on another port, 8080 (the track's rule admits any TCP port)",
        legs: [leg("world", "customer", 8080)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "other-namespace-to-summary",
        description: "pods in other namespaces -> summary:80 (the track's rule admits any source)",
        legs: [leg("other-namespace", "summary", 80)],
        expected: ["-", "Y", "Y", "n", "n"],
    },
    {
        id: "other-namespace-to-database",
        description: "pods in other namespaces -> database:2379",
        legs: [leg("other-namespace", "database", 2379)],
        expected: ["-", "Y", "n", "n", "n"],
    },
    {
        id: "other-namespace-to-internet",
        description: "pods in other namespaces -> internet:443 (scope: default-app-policy leaves other namespaces alone)",
        legs: [leg("other-namespace", "internet", 443)],
        expected: ["Y", "Y", "Y", "Y", "Y"],
    },
    {
        id: "kube-dns-upstream",
        description: "kube-dns -> upstream DNS on the internet:53 (scope: kube-system is not isolated)",
        legs: [leg("kube-dns", "internet", 53, "UDP"), leg("kube-dns", "internet", 53, "TCP")],
        expected: ["Y", "Y", "Y", "Y", "Y"],
    },
    {
        id: "local-path-provisioner-to-apiserver",
        description: "kind's local-path-provisioner -> the API server:6443 (scope: local-path-storage is not isolated)",
        legs: [leg("local-path-provisioner", "kube-apiserver", 6443)],
        expected: ["Y", "Y", "Y", "Y", "Y"],
    },
];

export function yaobankExpectationsAt(stage: YaobankStage): { flow: YaobankExpectedFlow; expected: Expectation }[] {
    return YAOBANK_EXPECTED_FLOWS.map((flow) => ({ flow, expected: flow.expected[stage.number] }));
}
