// The scenarios the tests run: the program's (scenarios/registry.ts) and, one line, a scenario
// only the tests know, which proves that a scenario is a folder plus a registry line.
import { SCENARIOS } from "../../scenarios/registry";
import type { Scenario } from "../../scenarios/scenario";
import { echo } from "./echo";

export const TEST_SCENARIOS: readonly Scenario[] = [...SCENARIOS, echo];
