// What the registry's readers do with a scenario they have never heard of: the test-only echo
// scenario (test/scenarios/echo/), added to the program's scenarios by one line, is found,
// walked, planned and promoted like helloworld and yaobank, by its record alone.
import { describe, expect, it } from "vitest";
import { labScenario, stageChoices, stagesToWalk } from "../../live/lab";
import { buildProbePlan } from "../../live/plan";
import { decidePromotion } from "../../live/promotion";
import { ConfigError, SHARED_CONFIG_KEYS } from "../../config";
import { configKeysOf, parseScenario } from "../../scenarios/registry";
import { echo } from "./echo";
import { TEST_SCENARIOS } from "./registry";

describe("a scenario is a folder plus one registry line", () => {
    it("its own config keys are its alone: no scenario redeclares a shared key or another scenario's", () => {
        const names = [Object.keys(SHARED_CONFIG_KEYS), ...TEST_SCENARIOS.map((scenario) => Object.keys(scenario.configKeys))].flat();
        expect(new Set(names).size).toBe(names.length);
        expect(Object.keys(configKeysOf(TEST_SCENARIOS))).toEqual(names);
    });

    it("the stack's scenario key finds it; an unknown one names every scenario", () => {
        expect(parseScenario((key) => (key === "scenario" ? "echo" : undefined), TEST_SCENARIOS)).toBe(echo);
        expect(() => parseScenario((key) => (key === "scenario" ? "echoo" : undefined), TEST_SCENARIOS)).toThrow(ConfigError);
        expect(() => parseScenario((key) => (key === "scenario" ? "echoo" : undefined), TEST_SCENARIOS)).toThrow(
            /allowed values are helloworld, yaobank, echo/,
        );
    });

    it("the lab runner walks its stage table", () => {
        const scenario = labScenario(undefined, { scenario: "echo" }, TEST_SCENARIOS);
        expect(scenario).toBe(echo);
        expect(stagesToWalk({}, scenario.stages).map((stage) => stage.name)).toEqual(["cluster", "echo", "isolated"]);
        expect(stageChoices(scenario)).toBe("0-2 or cluster, echo, isolated");
    });

    it("the probe planner calls its NodePort the way its edge says (a GET of /)", () => {
        const checks = echo.flowChecksAt(echo.stages[1]!, {});
        const plan = buildProbePlan(checks, { workloads: {}, nodeAddress: "10.0.0.5", dnsName: "kubernetes.default" }, echo.edge);
        const probe = plan.probes.find((candidate) => candidate.leg?.dst === "nodeport:echo-lab/echo");
        expect(probe?.actions).toEqual([{ kind: "http", method: "GET", url: "http://10.0.0.5:30280/", expectBodyIncludes: "" }]);
    });

    it("promotion reads its stage table and moves the stage alone (it promotes no image)", () => {
        const decision = decidePromotion(
            {
                from: { name: "dev", config: { scenario: "echo", stage: "isolated" }, lastUpdate: "2026-07-10T09:59:00.000Z" },
                to: { name: "staging", config: { scenario: "echo", stage: "cluster" } },
                verification: {
                    stack: "dev",
                    stage: { number: 2, name: "isolated" },
                    namespace: "echo-lab",
                    passed: true,
                    interrupted: false,
                    startedAt: "2026-07-10T10:00:00.000Z",
                    finishedAt: "2026-07-10T10:01:00.000Z",
                    counts: { flows: 4, passed: 4, differences: 0, notObserved: 0 },
                    problems: [],
                    imageDigests: {},
                },
                verificationFile: "dev.json",
                policy: { passed: true, summary: "no violations" },
            },
            TEST_SCENARIOS,
        );
        expect(decision.refusals).toEqual([]);
        expect(decision.changes).toEqual([{ key: "stage", from: "cluster", to: "isolated" }]);
    });

    it("promotion refuses a target stack that runs another scenario", () => {
        const decision = decidePromotion(
            {
                from: { name: "dev", config: { scenario: "echo", stage: "echo" } },
                to: { name: "staging", config: {} },
                verificationFile: "dev.json",
                policy: { passed: true, summary: "no violations" },
            },
            TEST_SCENARIOS,
        );
        expect(decision.refusals).toContain(
            "stack staging runs the helloworld scenario, dev the echo scenario. Next: `pulumi config set --stack staging scenario echo`, then `npm run promote -- --from dev --to staging`",
        );
    });
});
