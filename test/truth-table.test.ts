// What the helloworld lab's truth table (docs/lab.md) does not say alone: both flavors allow the
// same connections, and where the lockdown stops what it stops. Every scenario's table, stage by
// stage and flavor by flavor, is proven by test/scenarios/truth-table.test.ts.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { buildModel, connectivityMatrix, query } from "../analysis";
import { baselineObjects } from "../scenarios/helloworld/flows";
import { STAGES } from "../scenarios/helloworld/stages";
import { RENDER, runProgram } from "./helpers/program";

async function modelAt(flavor: "calico" | "kubernetes", stage: number) {
    const run = await runProgram({ ...RENDER, flavor, stage });
    return buildModel([...baselineObjects(STAGES[stage]), ...(run.kubernetesObjects as any[])]);
}

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
    it.each([1, 4, 5])("at stage %i declares the baseline the analyzer is checked with", async (stage) => {
        const run = await runProgram({ ...RENDER, stage });
        const intent = run.kubernetesObjects.find((object) => object.kind === "ConfigMap" && object.metadata.name === "zero-trust-intent")!;
        const baseline = parseAllDocuments(intent.data["baseline.yaml"]).map((document) => document.toJS());
        expect(baseline).toEqual(baselineObjects(STAGES[stage]));
        expect(baseline.some((object) => object.kind === "KubeControllersConfiguration")).toBe(stage === 5);
    });
});
