// Why the yaobank truth table (scenarios/yaobank/stages.ts) holds: which of the track's policies
// decides each step. The table itself, stage by stage, is proven by test/scenarios/truth-table.test.ts.
import { describe, expect, it } from "vitest";
import { buildModel, query } from "../../analysis";
import { yaobankBaselineObjects } from "../../scenarios/yaobank/flows";
import { RENDER, runProgram } from "../helpers/program";

async function modelAt(stage: number) {
    const run = await runProgram({ ...RENDER, scenario: "yaobank", stage });
    return buildModel([...yaobankBaselineObjects(), ...run.kubernetesObjects] as Parameters<typeof buildModel>[0]);
}

describe("yaobank: the analyzer explains the track's policies", () => {
    it("at stage 3 the web UI stops at the customer's ingress, refused by default-app-policy", async () => {
        const model = await modelAt(3);
        const verdict = query(model, { src: "external:203.0.113.10", dst: "nodeport:yaobank-customer/customer", port: 30180, protocol: "TCP" });
        expect(verdict.allowed).toBe(false);
        expect(JSON.stringify(verdict.explanation)).toContain("default-app-policy");
    });

    it("at stage 4 the customer reaches the summary through p-external2customer's service-account rule", async () => {
        const model = await modelAt(4);
        const verdict = query(model, { src: "yaobank-customer/customer", dst: "yaobank-summary/summary", port: 80, protocol: "TCP" });
        expect(verdict.allowed).toBe(true);
        const explanation = JSON.stringify(verdict.explanation);
        expect(explanation).toContain("p-external2customer");
        expect(explanation).toContain("p-customer2summary");
    });

    it("at stage 4 the database still admits the summary through the Kubernetes policy p-summary2database", async () => {
        const model = await modelAt(4);
        const verdict = query(model, { src: "yaobank-summary/summary", dst: "yaobank-database/database", port: 2379, protocol: "TCP" });
        expect(verdict.allowed).toBe(true);
        expect(JSON.stringify(verdict.explanation)).toContain("p-summary2database");
    });
});
