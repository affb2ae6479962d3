import { describe, expect, it } from "vitest";
import { STAGES } from "../stages";
import { RENDER, RegisteredResource, runProgram } from "./helpers/program";

const labResources = (resources: RegisteredResource[]) =>
    resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
        .map((r) => `${r.type} ${r.inputs.metadata?.namespace ?? ""}/${r.inputs.metadata?.name}`)
        .sort();

describe("smoke", () => {
    it("stage 4 calico", async () => {
        const run = await runProgram({ ...RENDER, stage: 4 });
        console.log(labResources(run.resources));
        console.log(JSON.stringify(run.outputs, null, 1));
        expect(STAGES.length).toBe(6);
    });
});
