// The yaobank truth table (scenarios/yaobank/stages.ts), proven for every stage: the program's
// own objects under Pulumi mocks, plus the cluster baseline, go through the connectivity
// analyzer, and every flow's verdict must match the table. A failure prints expected vs
// observed for the whole stage, one line per flow.
import { describe, expect, it } from "vitest";
import { buildModel, query } from "../../analysis";
import type { FlowCheck } from "../../scenarios/common/flows";
import { yaobankBaselineObjects, yaobankFlowChecksAt } from "../../scenarios/yaobank/flows";
import { YAOBANK_STAGES } from "../../scenarios/yaobank/stages";
import { RENDER, runProgram } from "../helpers/program";

async function modelAt(stage: number) {
    const run = await runProgram({ ...RENDER, scenario: "yaobank", stage });
    return buildModel([...yaobankBaselineObjects(), ...run.kubernetesObjects] as Parameters<typeof buildModel>[0]);
}

type Model = Awaited<ReturnType<typeof modelAt>>;

function observe(model: Model, check: FlowCheck) {
    const verdicts = check.legs.map((leg) => ({ leg, verdict: query(model, leg) }));
    return { allowed: verdicts.every(({ verdict }) => verdict.allowed), verdicts };
}

/** Kubernetes e2e style: one line per flow, expected vs observed, differences marked XX. */
function report(rows: { check: FlowCheck; observed: ReturnType<typeof observe> }[]): string {
    return rows.map(({ check, observed }) => {
        const expected = check.expected === "allowed";
        const mark = expected === observed.allowed ? "  " : "XX";
        const legs = observed.verdicts.map(({ leg, verdict }) => `      ${verdict.allowed ? "Y" : "n"} ${leg.src} -> ${leg.dst}:${leg.port}/${leg.protocol}`).join("\n");
        return `${mark} ${check.description.padEnd(72)} expected ${expected ? "Y" : "n"} observed ${observed.allowed ? "Y" : "n"}${mark === "XX" ? `\n${legs}` : ""}`;
    }).join("\n");
}

describe("yaobank: the analyzer agrees with the truth table", () => {
    it.each(YAOBANK_STAGES.map((stage) => [stage.number, stage.name] as const))("stage %i (%s) allows exactly the flows of the table", async (number) => {
        const model = await modelAt(number);
        const checks = yaobankFlowChecksAt(YAOBANK_STAGES[number]!);
        const rows = checks.map((check) => ({ check, observed: observe(model, check) }));
        const mismatches = rows.filter(({ check, observed }) => (check.expected === "allowed") !== observed.allowed);
        expect(mismatches.length, `\n${report(rows)}\n`).toBe(0);
        expect(checks.length).toBeGreaterThanOrEqual(number === 0 ? 3 : 15);
    });
});

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
