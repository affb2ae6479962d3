// The program every stack runs: read the stack's scenario, let it parse its configuration and
// register its stage's resources. index.ts exports what this returns as the stack outputs.
import { RawConfigReader } from "../config";
import { parseScenario, SCENARIOS } from "./registry";
import type { Scenario, ScenarioOutputs } from "./scenario";

/** Runs the stack's scenario. @throws ConfigError before any resource is registered when a key is bad. */
export function runScenario(read: RawConfigReader, scenarios: readonly Scenario[] = SCENARIOS): ScenarioOutputs {
    const scenario = parseScenario(read, scenarios);
    return scenario.program(scenario.parseConfig(read));
}
