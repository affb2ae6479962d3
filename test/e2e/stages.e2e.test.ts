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
// Run by `npm run test:e2e` (test/e2e/run.sh puts the toolchain of `npm run toolchain` on PATH).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel, loadManifests, query } from "../../analysis";
import { baselineObjects, FlowCheck, flowChecksAt } from "../../flows";
import { expectationsAt, featuresOf, STAGES } from "../../stages";

const REPO = path.resolve(__dirname, "../..");
const PROJECT = "calico-zero-trust-lab";
const POLICY_PACK = path.join(REPO, "policy-pack");
const HAS_POLICY_PACK = fs.existsSync(path.join(POLICY_PACK, "PulumiPolicy.yaml"));
const CONTEXT = { namespace: "zero-trust-lab", nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } };
/** Resource types that must never be replaced when the stage changes (a replace is an outage). */
const NEVER_REPLACED = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]);
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced"]);

/** Forwards, backwards, forwards again. */
const WALK = [0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "calico-lab-e2e-"));
const renderDir = path.join(tmp, "rendered");
const stackName = `e2e-${process.pid}`;
let stack: Stack;

function envVars(): Record<string, string> {
    fs.mkdirSync(path.join(tmp, "state"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "home"), { recursive: true });
    return {
        PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-only",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Render mode still reads a kubeconfig if it finds one: hide any (~/.kube/config via an
        // empty HOME; run.sh unsets KUBECONFIG, which this provider would take as a conflicting
        // `kubeconfig` argument).
        HOME: path.join(tmp, "home"),
    };
}

function observe(model: ReturnType<typeof buildModel>, check: FlowCheck): boolean {
    return check.legs.every((leg) => query(model, leg).allowed);
}

function report(rows: { check: FlowCheck; observed: boolean }[]): string {
    return rows.map(({ check, observed }) => {
        const expected = check.expected === "allowed";
        return `${expected === observed ? "  " : "XX"} ${check.description.padEnd(56)} expected ${expected ? "Y" : "n"} observed ${observed ? "Y" : "n"}`;
    }).join("\n");
}

function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
}

beforeAll(async () => {
    stack = await LocalWorkspace.createOrSelectStack(
        { stackName, workDir: REPO },
        { envVars: envVars() },
    );
    await stack.setAllConfig({
        [`${PROJECT}:cluster`]: { value: "render" },
        [`${PROJECT}:renderDirectory`]: { value: renderDir },
    });
});

afterAll(async () => {
    // Whatever happened, leave neither state nor a stack file behind.
    try {
        await stack?.workspace.removeStack(stackName, { force: true });
    } catch {
        // already removed by the last test
    }
    fs.rmSync(path.join(REPO, `Pulumi.${stackName}.yaml`), { force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
});

describe("every stage through the real engine (render mode)", () => {
    WALK.forEach((number, step) => {
        const stage = STAGES[number]!;
        const direction = step === 0 ? "first" : number > WALK[step - 1]! ? "forwards" : "backwards";
        it(`step ${step + 1}/${WALK.length}: stage ${number} (${stage.name}, ${direction})`, async () => {
            await stack.setConfig(`${PROJECT}:stage`, { value: String(number) });

            const replaced: string[] = [];
            let steps = 0;
            const up = await stack.up({
                onEvent: (event: EngineEvent) => {
                    const meta = event.resourcePreEvent?.metadata;
                    if (!meta) return;
                    steps++;
                    if (REPLACE_OPS.has(meta.op) && NEVER_REPLACED.has(meta.type)) replaced.push(`${meta.op} ${meta.urn}`);
                },
            });
            expect(up.summary.result).toBe("succeeded");
            expect(steps, "engine events seen (the replace check is live)").toBeGreaterThan(0);
            expect(replaced, "Deployments/Services replaced between stages").toEqual([]);

            // No perpetual diff: a preview right after the up changes nothing.
            const preview = await stack.preview({ expectNoChanges: true });
            const changed = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
            expect(changed, "preview after up").toEqual([]);

            // Stack outputs: the stage, its curl commands and its column of the truth table.
            const outputs = up.outputs;
            const features = featuresOf(stage);
            expect(outputs.stage?.value).toMatchObject({ number, name: stage.name });
            expect(outputs.flowQueries?.value).toEqual(flowChecksAt(stage, CONTEXT));
            expect(outputs.expectedFlows?.value).toEqual(
                Object.fromEntries(expectationsAt(stage).map(({ flow, expected }) => [flow.description, expected])),
            );
            const tryIt = outputs.tryIt?.value as { nodeIp: string; direct?: string; viaProxy?: string };
            expect(tryIt.nodeIp).toContain("kubectl get nodes");
            expect(tryIt.direct !== undefined).toBe(features.helloworld);
            expect(tryIt.viaProxy !== undefined).toBe(features.proxy);
            if (tryIt.direct) expect(tryIt.direct).toMatch(/^curl .*:30080\/api\/messages/);
            if (tryIt.viaProxy) expect(tryIt.viaProxy).toMatch(/^curl .*:30081\/proxy\/api\/messages/);

            // The rendered manifests are the stage: the analyzer must reproduce the truth table.
            expect(yamlFiles(renderDir).length).toBeGreaterThan(0);
            const model = buildModel([...baselineObjects(), ...loadManifests([renderDir])]);
            const checks = flowChecksAt(stage, CONTEXT);
            const rows = checks.map((check) => ({ check, observed: observe(model, check) }));
            const mismatches = rows.filter(({ check, observed }) => (check.expected === "allowed") !== observed);
            expect(mismatches.length, `\n${report(rows)}\n`).toBe(0);
        });
    });

    it.skipIf(!HAS_POLICY_PACK)("the policy pack blocks stages 1-2 and passes stages 0 and 3-5 (pulumi preview --policy-pack)", async () => {
        for (const number of [0, 1, 2, 3, 4, 5]) {
            await stack.setConfig(`${PROJECT}:stage`, { value: String(number) });
            const mandatory: string[] = [];
            let failed = false;
            try {
                await stack.preview({
                    policyPacks: [POLICY_PACK],
                    onEvent: (event: EngineEvent) => {
                        const v = event.policyEvent;
                        if (v && v.enforcementLevel === "mandatory") mandatory.push(`${v.policyName}: ${v.message}`);
                    },
                });
            } catch {
                failed = true;
            }
            const blocked = number === 1 || number === 2;
            expect({ stage: number, mandatory: mandatory.length > 0, failed }).toEqual({ stage: number, mandatory: blocked, failed: blocked });
        }
    });

    it("pulumi destroy leaves the stack and the render directory empty", async () => {
        const result = await stack.destroy();
        expect(result.summary.result).toBe("succeeded");
        const state = await stack.exportStack();
        expect(state.deployment.resources ?? []).toEqual([]);
        expect(yamlFiles(renderDir)).toEqual([]);
    });
});
