// The truth table of docs/lab.md, proven for every stage and both flavors: the program's own objects
// (under Pulumi mocks) plus the cluster baseline go through the connectivity analyzer, and every
// flow's verdict must match the table. A failure prints expected vs observed for the whole stage.
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { buildModel, connectivityMatrix, query } from "../analysis";
import { baselineObjects, flowChecksAt } from "../scenarios/helloworld/flows";
import { FlowCheck } from "../scenarios/common/flows";
import { EXPECTED_FLOWS, STAGES } from "../scenarios/helloworld/stages";
import { RENDER, runProgram } from "./helpers/program";

const CONTEXT = { namespace: "zero-trust-lab", nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } };

async function modelAt(flavor: "calico" | "kubernetes", stage: number) {
    const run = await runProgram({ ...RENDER, flavor, stage });
    return buildModel([...baselineObjects(STAGES[stage]), ...(run.kubernetesObjects as any[])]);
}

function observe(model: ReturnType<typeof buildModel>, check: FlowCheck) {
    const verdicts = check.legs.map((leg) => ({ leg, verdict: query(model, leg) }));
    const allowed = verdicts.every(({ verdict }) => verdict.allowed);
    return { allowed, verdicts };
}

/** Kubernetes e2e style: one line per flow, expected vs observed, differences marked. */
function report(rows: { check: FlowCheck; observed: boolean }[]): string {
    return rows.map(({ check, observed }) => {
        const expected = check.expected === "allowed";
        const mark = expected === observed ? "  " : "XX";
        return `${mark} ${check.description.padEnd(56)} expected ${expected ? "Y" : "n"} observed ${observed ? "Y" : "n"}`;
    }).join("\n");
}

describe.each(["calico", "kubernetes"] as const)("the %s flavor", (flavor) => {
    const stages = flavor === "calico" ? STAGES : STAGES.filter((stage) => stage.name !== "lockdown");
    it.each(stages.map((stage) => [stage.number, stage.name] as const))("stage %i (%s) allows exactly the flows of the truth table", async (number) => {
        const model = await modelAt(flavor, number);
        const checks = flowChecksAt(STAGES[number], CONTEXT);
        const rows = checks.map((check) => ({ check, observed: observe(model, check).allowed }));
        const mismatches = rows.filter(({ check, observed }) => (check.expected === "allowed") !== observed);
        expect(mismatches.length, `\n${report(rows)}\n`).toBe(0);
        expect(checks.length).toBe(EXPECTED_FLOWS.filter((flow) => flow.expected[number] !== "-").length);
    });
});

describe("flavor parity", () => {
    it.each([0, 1, 2, 3, 4])("stage %i: calico and kubernetes allow the same connections, workload pair by pair", async (stage) => {
        const calico = connectivityMatrix(await modelAt("calico", stage));
        const kubernetes = connectivityMatrix(await modelAt("kubernetes", stage));
        expect(JSON.parse(JSON.stringify(calico))).toEqual(JSON.parse(JSON.stringify(kubernetes)));
    });
});

describe("the analyzer explains the lockdown", () => {
    it("drops the helloworld NodePort at the host endpoint, before DNAT, while the proxy's passes", async () => {
        const model = await modelAt("calico", 5);
        const direct = query(model, { src: "external:203.0.113.10", dst: "nodeport:zero-trust-lab/helloworld", port: 30080, protocol: "TCP" });
        const viaProxy = query(model, { src: "external:203.0.113.10", dst: "nodeport:zero-trust-lab/helloworld-proxy", port: 30081, protocol: "TCP" });
        expect(direct.allowed).toBe(false);
        expect(JSON.stringify(direct.explanation)).toContain("nodeport-lockdown");
        expect(viaProxy.allowed).toBe(true);
    });

    it("at stage 4 the helloworld NodePort is refused by the pod's ingress policy instead", async () => {
        const model = await modelAt("calico", 4);
        const direct = query(model, { src: "external:203.0.113.10", dst: "nodeport:zero-trust-lab/helloworld", port: 30080, protocol: "TCP" });
        expect(direct.allowed).toBe(false);
        expect(JSON.stringify(direct.explanation)).not.toContain("nodeport-lockdown");
    });
});

describe("the zero-trust-intent ConfigMap", () => {
    it.each([1, 4, 5])("at stage %i declares the same flows and baseline the analyzer is checked with", async (stage) => {
        const run = await runProgram({ ...RENDER, stage });
        const intent = run.kubernetesObjects.find((object) => object.kind === "ConfigMap" && object.metadata.name === "zero-trust-intent")!;
        expect(parse(intent.data["flows.yaml"])).toEqual(flowChecksAt(STAGES[stage], CONTEXT));
        // verify checks --stage against it.
        expect(parse(intent.data["stage.yaml"])).toEqual({ scenario: "helloworld", number: stage, name: STAGES[stage].name });
        const baseline = parseAllDocuments(intent.data["baseline.yaml"]).map((document) => document.toJS());
        expect(baseline).toEqual(baselineObjects(STAGES[stage]));
        expect(baseline.some((object) => object.kind === "KubeControllersConfiguration")).toBe(stage === 5);
    });
});
