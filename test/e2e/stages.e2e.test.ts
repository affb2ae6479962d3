// The program on the real Pulumi engine, no cluster: cluster=render makes the Kubernetes provider
// write every manifest to a directory. Every stage goes through `pulumi up` forwards, backwards and
// forwards again; after each up:
//   - `pulumi preview --expect-no-changes` (no perpetual diff),
//   - no Deployment or Service was replaced on the way between stages,
//   - the stack outputs (stage, curl commands, expected flows, flow queries) match the stage table,
//   - the rendered manifests (plus the cluster baseline) go through the connectivity analyzer and
//     the stage's truth table (stages.ts) holds,
//   - when policy-pack/ exists: `pulumi preview --policy-pack policy-pack` reports mandatory
//     violations exactly on stages 1-2.
// Finally `pulumi destroy` leaves the stack and the render directory empty.
// The shared steps are in engine.ts; yaobank.e2e.test.ts walks the other scenario.
// Run by `npm run test:e2e` (test/e2e/run.sh puts the toolchain of `npm run toolchain` on PATH).
import { intentTable } from "../../scenarios/common/outputs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineObjects, flowChecksAt } from "../../scenarios/helloworld/flows";
import { expectationsAt, featuresOf, STAGES } from "../../scenarios/helloworld/stages";
import {
    destroyLeavesNothing,
    E2eStack,
    expectFlowsHold,
    HAS_POLICY_PACK,
    policyPreview,
    renderedObjects,
    renderStack,
    setStage,
    upThenNoChangePreview,
    yamlFiles,
} from "./engine";

const CONTEXT = { namespace: "zero-trust-lab", nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } };

/** Forwards, backwards, forwards again. */
const WALK = [0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5];

let e2e: E2eStack;

beforeAll(async () => {
    e2e = await renderStack("e2e");
});

afterAll(async () => {
    await e2e?.dispose();
});

describe("every stage through the real engine (render mode)", () => {
    WALK.forEach((number, step) => {
        const stage = STAGES[number]!;
        const direction = step === 0 ? "first" : number > WALK[step - 1]! ? "forwards" : "backwards";
        it(`step ${step + 1}/${WALK.length}: stage ${number} (${stage.name}, ${direction})`, async () => {
            await setStage(e2e.stack, number);
            const outputs = await upThenNoChangePreview(e2e.stack);

            // Stack outputs: the stage, its curl commands and its column of the truth table.
            const features = featuresOf(stage);
            expect(outputs.stage?.value).toMatchObject({ number, name: stage.name });
            expect(outputs.flowQueries?.value).toEqual(flowChecksAt(stage, CONTEXT));
            expect(outputs.zeroTrustIntent?.value).toEqual(intentTable(expectationsAt(stage)));
            const tryIt = outputs.tryIt?.value as { nodeIp: string; direct?: string; viaProxy?: string };
            expect(tryIt.nodeIp).toContain("kubectl get nodes");
            expect(tryIt.direct !== undefined).toBe(features.helloworld);
            expect(tryIt.viaProxy !== undefined).toBe(features.proxy);
            if (tryIt.direct) expect(tryIt.direct).toMatch(/^curl .*:30080\/api\/messages/);
            if (tryIt.viaProxy) expect(tryIt.viaProxy).toMatch(/^curl .*:30081\/proxy\/api\/messages/);

            // The rendered manifests are the stage: the analyzer must reproduce the truth table.
            expect(yamlFiles(e2e.renderDir).length).toBeGreaterThan(0);
            expectFlowsHold([...baselineObjects(), ...renderedObjects(e2e.renderDir)], flowChecksAt(stage, CONTEXT));
        });
    });

    it.skipIf(!HAS_POLICY_PACK)("the policy pack blocks stages 1-2 and passes stages 0 and 3-5 (pulumi preview --policy-pack)", async () => {
        for (const number of [0, 1, 2, 3, 4, 5]) {
            await setStage(e2e.stack, number);
            const { mandatory, failed, error } = await policyPreview(e2e.stack);
            const blocked = number === 1 || number === 2;
            expect({ stage: number, mandatory: mandatory.length > 0, failed }, error).toEqual({ stage: number, mandatory: blocked, failed: blocked });
        }
    });

    it("pulumi destroy leaves the stack and the render directory empty", async () => {
        await destroyLeavesNothing(e2e);
    });
});
