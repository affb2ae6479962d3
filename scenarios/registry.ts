// The scenarios this program runs, one line each: the program (index.ts), the lab runner, verify,
// the probe planner, promotion and the tests find a scenario here by its `scenario` config value.
// Adding a scenario: a folder beside helloworld/ and yaobank/ whose index.ts gives a Scenario
// (scenario.ts), plus its line below (README "Adding a scenario").
import { ConfigError, ConfigKey, RawConfigReader, SHARED_CONFIG_KEYS } from "../config";
import { helloworld } from "./helloworld";
import type { Scenario } from "./scenario";
import { yaobank } from "./yaobank";

export const SCENARIOS: readonly Scenario[] = [helloworld, yaobank];

/**
 * Every config key of the program: the shared ones and each scenario's own, as Pulumi.yaml
 * declares them (test/config-schema.test.ts).
 */
export function configKeysOf(scenarios: readonly Scenario[]): Record<string, ConfigKey> {
    return Object.assign({}, SHARED_CONFIG_KEYS, ...scenarios.map((scenario) => scenario.configKeys));
}

export const CONFIG_KEYS: Record<string, ConfigKey> = configKeysOf(SCENARIOS);

export function scenarioNames(scenarios: readonly Scenario[] = SCENARIOS): string[] {
    return scenarios.map((scenario) => scenario.name);
}

/** The scenario of that name, or undefined. */
export function findScenario(name: string, scenarios: readonly Scenario[] = SCENARIOS): Scenario | undefined {
    return scenarios.find((scenario) => scenario.name === name);
}

/** The scenario a stack runs when its config does not say (the `scenario` key's default). */
export function defaultScenario(scenarios: readonly Scenario[] = SCENARIOS): Scenario {
    return findScenario(SHARED_CONFIG_KEYS.scenario.default, scenarios) ?? scenarios[0]!;
}

/** The stack's scenario (its `scenario` key, else the default). @throws ConfigError naming the scenarios when it is none of them. */
export function parseScenario(read: RawConfigReader, scenarios: readonly Scenario[] = SCENARIOS): Scenario {
    const value = (read("scenario") ?? SHARED_CONFIG_KEYS.scenario.default).trim();
    const scenario = findScenario(value, scenarios);
    if (!scenario) throw new ConfigError("scenario", value, `allowed values are ${scenarioNames(scenarios).join(", ")}`);
    return scenario;
}
