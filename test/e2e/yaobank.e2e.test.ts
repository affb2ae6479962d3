// The yaobank scenario (docs/yaobank.md) on the real Pulumi engine, no cluster: scenario=yaobank,
// cluster=render. Stages 0 -> 4 and back to 0; after each up (engine.ts):
//   - `pulumi preview --expect-no-changes` (no perpetual diff),
//   - no Deployment, Service, ServiceAccount or Namespace was replaced between stages,
//   - the stack outputs match the yaobank stage table (stage, namespaces, workloads, expected
//     flows, flow queries, the track's checks),
//   - the zero-trust-intent ConfigMap among the rendered manifests declares the stage's flows and
//     the scenario's baseline; the rendered manifests plus that baseline go through the
//     connectivity analyzer and the stage's expected flows (yaobankFlowChecksAt) hold,
//   - on the way up, when policy-pack/ exists: `pulumi preview --policy-pack policy-pack
//     --policy-pack-config scenarios/yaobank/policy-config.json` passes stage 0 and stages 3-4
//     with no violation at all, and fails stages 1-2 with default-deny mandatory while
//     expected-flows holds (test/yaobank/policy-pack.test.ts claims the same under mocks).
// Finally `pulumi destroy` leaves the stack and the render directory empty.
import { intentTable } from "../../scenarios/common/outputs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../../analysis";
import { INTENT } from "../../scenarios/common/intent";
import { yaobankBaselineObjects, yaobankFlowChecksAt } from "../../scenarios/yaobank/flows";
import { YAOBANK_APPS, YAOBANK_NODE_PORT, YAOBANK_STAGES, YAOBANK_WORKLOADS, yaobankExpectationsAt, yaobankFeaturesOf } from "../../scenarios/yaobank/stages";
import {
    destroyLeavesNothing,
    E2eStack,
    expectFlowsHold,
    HAS_POLICY_PACK,
    NEVER_REPLACED,
    policyPreview,
    renderedObjects,
    renderStack,
    REPO,
    setStage,
    upThenNoChangePreview,
} from "./engine";

const PACK_CONFIG = path.join(REPO, "scenarios/yaobank/policy-config.json");
/** A replaced ServiceAccount or Namespace is an outage too (pods lose their identity or go away). */
const YAOBANK_NEVER_REPLACED = new Set([...NEVER_REPLACED, "kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:Namespace"]);
const NAMESPACES = YAOBANK_APPS.map((app) => YAOBANK_WORKLOADS[app].namespace);

/** Up to calico-policies, then back down to the bare namespaces. */
const WALK = [0, 1, 2, 3, 4, 3, 2, 1, 0];

let e2e: E2eStack;

beforeAll(async () => {
    e2e = await renderStack("e2e-yaobank", { scenario: "yaobank" });
});

afterAll(async () => {
    await e2e?.dispose();
});

/** The zero-trust-intent ConfigMap among the rendered objects: its flows and its baseline, parsed. */
function intentOf(objects: KubeObject[]): { flows: unknown; baseline: KubeObject[] } {
    const intents = objects.filter((o) => o.kind === "ConfigMap" && o.metadata?.name === INTENT.configMap);
    expect(
        intents.map((o) => o.metadata?.namespace),
        "one intent ConfigMap, in the customer namespace",
    ).toEqual([YAOBANK_WORKLOADS.customer.namespace]);
    const data = (intents[0] as { data?: Record<string, string> }).data ?? {};
    return {
        flows: parse(data[INTENT.flowsKey] ?? "null"),
        baseline: parseAllDocuments(data[INTENT.baselineKey] ?? "")
            .map((d) => d.toJS() as KubeObject)
            .filter(Boolean),
    };
}

describe("yaobank: every stage through the real engine (render mode)", () => {
    WALK.forEach((number, step) => {
        const stage = YAOBANK_STAGES[number]!;
        const firstVisit = WALK.indexOf(number) === step;
        const direction = step === 0 ? "first" : number > WALK[step - 1]! ? "forwards" : "backwards";
        const checkPack = firstVisit && HAS_POLICY_PACK;
        it(`step ${step + 1}/${WALK.length}: stage ${number} (${stage.name}, ${direction})${checkPack ? " + policy pack" : ""}`, async () => {
            await setStage(e2e.stack, number);
            const outputs = await upThenNoChangePreview(e2e.stack, YAOBANK_NEVER_REPLACED);

            // Stack outputs: the yaobank stage table's row and column.
            const features = yaobankFeaturesOf(stage);
            const checks = yaobankFlowChecksAt(stage);
            expect(outputs.stage?.value).toMatchObject({ number, name: stage.name, scenario: "yaobank" });
            expect(outputs.labNamespace?.value).toEqual(NAMESPACES);
            expect(outputs.workloads?.value).toEqual(features.app ? YAOBANK_APPS.map((app) => `${YAOBANK_WORKLOADS[app].namespace}/${app}`) : []);
            expect(outputs.flowQueries?.value).toEqual(checks);
            expect(outputs.zeroTrustIntent?.value).toEqual(intentTable(yaobankExpectationsAt(stage)));
            const tryIt = outputs.tryIt?.value as { nodeIp: string; webUi?: string; customerToDatabase?: string; customerToInternet?: string };
            expect(tryIt.nodeIp).toContain("kubectl get nodes");
            expect([tryIt.webUi, tryIt.customerToDatabase, tryIt.customerToInternet].map((c) => c !== undefined)).toEqual([
                features.app,
                features.app,
                features.app,
            ]);
            if (tryIt.webUi) expect(tryIt.webUi).toContain(`:${YAOBANK_NODE_PORT}/`);

            // The rendered manifests and the intent they carry: the analyzer must hold the stage's flows.
            const objects = renderedObjects(e2e.renderDir);
            const intent = intentOf(objects);
            expect(intent.flows).toEqual(checks);
            expect(intent.baseline).toEqual(yaobankBaselineObjects());
            expectFlowsHold([...intent.baseline, ...objects], checks);

            if (checkPack) {
                const result = await policyPreview(e2e.stack, PACK_CONFIG);
                if (number === 1 || number === 2) {
                    // Not zero trust by design: default-deny blocks the plan; the expected flows still hold.
                    expect(result.failed, "preview refused").toBe(true);
                    expect(result.mandatory.map((v) => v.split(":")[0])).toContain("default-deny");
                    expect(result.all.filter((v) => v.startsWith("expected-flows:"))).toEqual([]);
                } else {
                    expect({ failed: result.failed, violations: result.all }).toEqual({ failed: false, violations: [] });
                }
            }
        });
    });

    it("pulumi destroy leaves the stack and the render directory empty", async () => {
        await destroyLeavesNothing(e2e);
    });
});
