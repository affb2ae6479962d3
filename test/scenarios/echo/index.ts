// The echo scenario (scenarios/scenario.ts), run only by the tests: test/scenarios/registry.ts
// adds it to the program's scenarios with one line, and every suite over the registry runs it.
import type { Scenario } from "../../../scenarios/scenario";
import { EchoConfig, parseEchoConfig } from "./config";
import { echoBaseline, echoFlowChecksAt } from "./flows";
import { echoProgram } from "./program";
import { ECHO_EXPECTED_FLOWS, ECHO_NAMESPACE, ECHO_STAGES, EchoStage } from "./stages";

const ROOT_PAGE = { method: "GET", path: "/", expectBodyIncludes: "" } as const;

export const echo: Scenario<EchoConfig, EchoStage> = {
    name: "echo",
    stages: ECHO_STAGES,
    expectedFlows: ECHO_EXPECTED_FLOWS,
    configKeys: {},
    renderKeys: ["flavor"],
    promotedImages: [],
    edge: { nodePort: () => ROOT_PAGE, endToEnd: () => ROOT_PAGE },
    parseConfig: parseEchoConfig,
    program: echoProgram,
    flowChecksAt: (stage) => echoFlowChecksAt(stage),
    baseline: () => echoBaseline(),
    ownsNamespace: (namespace) => namespace === ECHO_NAMESPACE,
};
