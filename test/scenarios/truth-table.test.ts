// Every scenario's truth table, proven for every stage and both flavors (where the scenario
// accepts the flavor at that stage): the program's own objects under Pulumi mocks, plus the
// scenario's baseline, go through the connectivity analyzer, and every flow's verdict must match
// the table. The same stage declares those flows in its zero-trust-intent ConfigMap and its
// outputs. One suite over the registry (test/scenarios/registry.ts), the test-only scenario included.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildModel, query } from "../../analysis";
import { ConfigError, FLAVORS } from "../../config";
import type { FlowCheck } from "../../scenarios/common/flows";
import type { Scenario } from "../../scenarios/scenario";
import type { StageRow } from "../../scenarios/common/stages";
import { RENDER, runProgram } from "../helpers/program";
import { TEST_SCENARIOS } from "./registry";

const CONFIG_OF = (scenario: Scenario, stage: StageRow, flavor: string) => ({ ...RENDER, scenario: scenario.name, stage: stage.name, flavor });

/** Whether the scenario accepts the flavor at the stage (the kubernetes flavor cannot express Calico-only stages). */
function accepts(scenario: Scenario, stage: StageRow, flavor: string): boolean {
    const values: Record<string, string> = CONFIG_OF(scenario, stage, flavor);
    try {
        scenario.parseConfig((key) => values[key]);
        return true;
    } catch (error) {
        if (error instanceof ConfigError && error.key === "flavor") return false;
        throw error;
    }
}

type Model = ReturnType<typeof buildModel>;

function observe(model: Model, check: FlowCheck) {
    const verdicts = check.legs.map((leg) => ({ leg, verdict: query(model, leg) }));
    return { allowed: verdicts.every(({ verdict }) => verdict.allowed), verdicts };
}

/** Kubernetes e2e style: one line per flow, expected vs observed, differences marked XX with their legs. */
function report(rows: { check: FlowCheck; observed: ReturnType<typeof observe> }[]): string {
    return rows
        .map(({ check, observed }) => {
            const expected = check.expected === "allowed";
            const mark = expected === observed.allowed ? "  " : "XX";
            const legs = observed.verdicts
                .map(({ leg, verdict }) => `      ${verdict.allowed ? "Y" : "n"} ${leg.src} -> ${leg.dst}:${leg.port}/${leg.protocol}`)
                .join("\n");
            return `${mark} ${check.description.padEnd(72)} expected ${expected ? "Y" : "n"} observed ${observed.allowed ? "Y" : "n"}${mark === "XX" ? `\n${legs}` : ""}`;
        })
        .join("\n");
}

describe.each(TEST_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("scenario %s", (_name, scenario) => {
    const cases = FLAVORS.flatMap((flavor) =>
        scenario.stages.filter((stage) => accepts(scenario, stage, flavor)).map((stage) => [flavor, stage.number, stage.name, stage] as const),
    );

    it.each(cases)("%s flavor, stage %i (%s): the analyzer allows exactly the flows of the truth table", async (flavor, _number, _stageName, stage) => {
        const run = await runProgram(CONFIG_OF(scenario, stage, flavor), TEST_SCENARIOS);
        const model = buildModel([...scenario.baseline(stage), ...run.kubernetesObjects] as Parameters<typeof buildModel>[0]);
        const checks = scenario.flowChecksAt(stage, {});
        const rows = checks.map((check) => ({ check, observed: observe(model, check) }));
        const mismatches = rows.filter(({ check, observed }) => (check.expected === "allowed") !== observed.allowed);
        expect(mismatches.length, `\n${report(rows)}\n`).toBe(0);
        expect(checks.map((check) => check.id)).toEqual(scenario.expectedFlows.filter((flow) => flow.expected[stage.number] !== "-").map((flow) => flow.id));
    });

    it.each(scenario.stages.filter((stage) => stage.number > 0).map((stage) => [stage.number, stage.name, stage] as const))(
        "stage %i (%s) declares its flows in the intent ConfigMap and its outputs",
        async (number, name, stage) => {
            const run = await runProgram(CONFIG_OF(scenario, stage, "calico"), TEST_SCENARIOS);
            const intent = run.kubernetesObjects.find((object) => object.kind === "ConfigMap" && object.metadata.name === "zero-trust-intent")!;
            const checks = scenario.flowChecksAt(stage, {});
            expect(parse(intent.data["flows.yaml"])).toEqual(checks);
            expect(parse(intent.data["stage.yaml"])).toEqual({ scenario: scenario.name, number, name });
            expect(run.outputs.flowQueries).toEqual(checks);
            const applicable = scenario.expectedFlows.filter((flow) => flow.expected[number] !== "-");
            expect(Object.values(run.outputs.zeroTrustIntent as object)).toEqual(
                applicable.map((flow) => (flow.expected[number] === "Y" ? "allowed" : "blocked")),
            );
        },
    );
});
