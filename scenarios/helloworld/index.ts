// The helloworld lab as a scenario (scenarios/scenario.ts): IBM's "Kubernetes Network Policy and
// Calico", one namespace, an app behind a proxy, locked down stage by stage (docs/lab.md).
import type { Scenario } from "../scenario";
import { HELLOWORLD_CONFIG_KEYS, LabConfig, parseLabConfig } from "./config";
import { baselineObjects, flowChecksAt, flowContextFor } from "./flows";
import { helloworldProgram } from "./program";
import { EXPECTED_FLOWS, Stage, STAGES } from "./stages";

export const helloworld: Scenario<LabConfig, Stage> = {
    name: "helloworld",
    stages: STAGES,
    expectedFlows: EXPECTED_FLOWS,
    configKeys: HELLOWORLD_CONFIG_KEYS,
    renderKeys: ["namespace", "flavor", "appImage", "proxyImage", "appNodePort", "proxyNodePort", "appReplicas", "proxyReplicas", "hostEndpointSelector"],
    promotedImages: [
        { key: "appImage", workload: "helloworld", fromStage: 1 },
        { key: "proxyImage", workload: "helloworld-proxy", fromStage: 2, defaultsTo: "appImage" },
    ],
    edge: {
        // The lab's direct call (docs/lab.md): POST /api/messages {"sender": ...} answers "Hello <sender> (direct)".
        nodePort: (sender) => ({ method: "POST", path: "/api/messages", body: { sender }, expectBodyIncludes: `Hello ${sender} (direct)` }),
        // The lab's call via the proxy: POST /proxy/api/messages {"sender", "host"} answers "Hello <sender> (proxy)".
        endToEnd: (sender, target) => ({
            method: "POST",
            path: "/proxy/api/messages",
            body: { sender, host: `${target.service}:${target.port}` },
            expectBodyIncludes: `Hello ${sender} (proxy)`,
        }),
    },
    parseConfig: parseLabConfig,
    program: helloworldProgram,
    flowChecksAt: (stage, config) => flowChecksAt(stage, flowContextFor(config)),
    baseline: (stage) => baselineObjects(stage),
    // Its namespace is the stack's `namespace` key: any name can be it.
    ownsNamespace: () => false,
};
