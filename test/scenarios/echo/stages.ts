// The echo scenario's stage table and truth table: one HTTP workload behind a NodePort, then
// isolated to its own port and DNS. A scenario only the tests run (test/scenarios/registry.ts),
// small enough to show what a scenario is made of.
import type { Expectation, StageRow } from "../../../scenarios/common/stages";
import { featuresAt } from "../../../scenarios/common/stages";

export type EchoStage = StageRow<"cluster" | "echo" | "isolated", 0 | 1 | 2>;

export const ECHO_STAGES: readonly EchoStage[] = [
    { number: 0, name: "cluster", title: "Cluster", adds: "the cluster and the echo namespace" },
    { number: 1, name: "echo", title: "Echo", adds: "the echo Deployment and its NodePort Service" },
    { number: 2, name: "isolated", title: "Isolated", adds: "a NetworkPolicy: ingress on 8080 only, egress to kube-dns only" },
];

export const ECHO_FEATURES = { echo: 1, isolated: 2 } as const;
export const echoFeaturesOf = (stage: EchoStage) => featuresAt(ECHO_FEATURES, stage);

export const ECHO_NAMESPACE = "echo-lab";
export const ECHO_PORT = 8080;
export const ECHO_NODE_PORT = 30280;

export type EchoEndpoint = "echo" | "echo-nodeport" | "world" | "internet" | "kube-dns" | "other-namespace";

export interface EchoFlow {
    id: string;
    description: string;
    legs: { from: EchoEndpoint; to: EchoEndpoint; port: number; protocol: "TCP" | "UDP" }[];
    expected: readonly [Expectation, Expectation, Expectation];
}

export const ECHO_EXPECTED_FLOWS: readonly EchoFlow[] = [
    {
        id: "world-to-echo-nodeport",
        description: "world -> echo NodePort",
        legs: [{ from: "world", to: "echo-nodeport", port: ECHO_NODE_PORT, protocol: "TCP" }],
        expected: ["-", "Y", "Y"],
    },
    {
        id: "echo-to-kube-dns",
        description: "echo -> kube-dns:53 UDP and TCP",
        legs: [
            { from: "echo", to: "kube-dns", port: 53, protocol: "UDP" },
            { from: "echo", to: "kube-dns", port: 53, protocol: "TCP" },
        ],
        expected: ["-", "Y", "Y"],
    },
    {
        id: "echo-to-internet",
        description: "echo -> internet:443",
        legs: [{ from: "echo", to: "internet", port: 443, protocol: "TCP" }],
        expected: ["-", "Y", "n"],
    },
    {
        id: "other-namespace-to-echo-9090",
        description: "pods in other namespaces -> echo:9090 (not its port)",
        legs: [{ from: "other-namespace", to: "echo", port: 9090, protocol: "TCP" }],
        expected: ["-", "Y", "n"],
    },
];
