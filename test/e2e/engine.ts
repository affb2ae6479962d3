// What the e2e walks share: a throwaway stack of this project on the real Pulumi engine in
// render mode (file:// backend and HOME in a temporary directory), `up` with the replace check
// and the no-change preview after it, the analyzer over the rendered manifests,
// `preview --policy-pack`, and `destroy` leaving nothing behind.
// Not a test file itself (vitest.config.mts includes *.e2e.test.ts only).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ConfigMap, EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import { buildModel, loadManifests, query } from "../../analysis";
import { openStackIn } from "../../live/workspace";
import type { KubeObject } from "../../analysis";
import type { FlowCheck } from "../../scenarios/common/flows";

export const REPO = path.resolve(__dirname, "../..");
export const PROJECT = "calico-zero-trust-lab";
export const POLICY_PACK = path.join(REPO, "policy-pack");
export const HAS_POLICY_PACK = fs.existsSync(path.join(POLICY_PACK, "PulumiPolicy.yaml"));
/** Resource types that must never be replaced when the stage changes (a replace is an outage). */
export const NEVER_REPLACED: ReadonlySet<string> = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]);
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced"]);

export interface E2eStack {
    stack: Stack;
    name: string;
    renderDir: string;
    /** Removes the stack (its state, in the temporary directory, and Pulumi.<name>.yaml). */
    dispose(): Promise<void>;
}

/** A stack `<prefix>-<pid>` in a throwaway backend, cluster=render into a temporary directory, plus `config`. */
export async function renderStack(prefix: string, config: Record<string, string> = {}): Promise<E2eStack> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `calico-lab-${prefix}-`));
    const renderDir = path.join(tmp, "rendered");
    const name = `${prefix}-${process.pid}`;
    fs.mkdirSync(path.join(tmp, "state"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "home"), { recursive: true });
    const envVars = {
        PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-only",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Render mode still reads a kubeconfig if it finds one: hide any (~/.kube/config via an
        // empty HOME; run.sh unsets KUBECONFIG, which this provider would take as a conflicting
        // `kubeconfig` argument).
        HOME: path.join(tmp, "home"),
    };
    // Not selected: the tier leaves the developer's selected stack of this checkout alone.
    const stack = await openStackIn(REPO, name, envVars, true);
    const all: ConfigMap = {
        [`${PROJECT}:cluster`]: { value: "render" },
        [`${PROJECT}:renderDirectory`]: { value: renderDir },
    };
    for (const [key, value] of Object.entries(config)) all[`${PROJECT}:${key}`] = { value };
    await stack.setAllConfig(all);
    return {
        stack,
        name,
        renderDir,
        dispose: async () => {
            // Whatever happened, leave neither state nor a stack file behind. The state is in the
            // temporary backend; not `pulumi stack rm`, which also clears the developer's selection.
            fs.rmSync(path.join(REPO, `Pulumi.${name}.yaml`), { force: true });
            fs.rmSync(tmp, { recursive: true, force: true });
        },
    };
}

export function setStage(stack: Stack, stage: number | string): Promise<void> {
    return stack.setConfig(`${PROJECT}:stage`, { value: String(stage) });
}

/**
 * `pulumi up` of the stack's current config, checking that it succeeded, that the engine's
 * events were seen and no resource of `neverReplaced` was replaced, then that a preview right
 * after changes nothing (no perpetual diff). Returns the stack outputs.
 */
export async function upThenNoChangePreview(stack: Stack, neverReplaced: ReadonlySet<string> = NEVER_REPLACED): Promise<OutputMap> {
    const replaced: string[] = [];
    let steps = 0;
    const up = await stack.up({
        onEvent: (event: EngineEvent) => {
            const meta = event.resourcePreEvent?.metadata;
            if (!meta) return;
            steps++;
            if (REPLACE_OPS.has(meta.op) && neverReplaced.has(meta.type)) replaced.push(`${meta.op} ${meta.urn}`);
        },
    });
    expect(up.summary.result).toBe("succeeded");
    // Render mode has no kubeconfig: the output is left out, not warned about on every up.
    expect(up.stdout).not.toContain("will not show as a stack output");
    expect(steps, "engine events seen (the replace check is live)").toBeGreaterThan(0);
    expect(replaced, `${[...neverReplaced].join(", ")} replaced between stages`).toEqual([]);

    const preview = await stack.preview({ expectNoChanges: true });
    const changed = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    expect(changed, "preview after up").toEqual([]);
    return up.outputs;
}

export function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
}

export function renderedObjects(dir: string): KubeObject[] {
    return loadManifests([dir]);
}

function observe(model: ReturnType<typeof buildModel>, check: FlowCheck): boolean {
    return check.legs.every((leg) => query(model, leg).allowed);
}

function report(rows: { check: FlowCheck; observed: boolean }[]): string {
    return rows
        .map(({ check, observed }) => {
            const expected = check.expected === "allowed";
            return `${expected === observed ? "  " : "XX"} ${check.description.padEnd(56)} expected ${expected ? "Y" : "n"} observed ${observed ? "Y" : "n"}`;
        })
        .join("\n");
}

/** The objects through the connectivity analyzer: every check must get its expected verdict. */
export function expectFlowsHold(objects: KubeObject[], checks: FlowCheck[]): void {
    const model = buildModel(objects);
    const rows = checks.map((check) => ({ check, observed: observe(model, check) }));
    const mismatches = rows.filter(({ check, observed }) => (check.expected === "allowed") !== observed);
    expect(mismatches.length, `\n${report(rows)}\n`).toBe(0);
}

export interface PolicyPreview {
    /** `policy: first line of the message` of every mandatory violation. */
    mandatory: string[];
    /** Every violation, mandatory or advisory (warning). */
    all: string[];
    /** The preview failed (the engine refuses a plan with mandatory violations). */
    failed: boolean;
    /** The engine's error when it failed (shown by tests when the failure was not the expected one). */
    error?: string;
}

/** `pulumi preview --policy-pack policy-pack [--policy-pack-config <file>]` of the stack's current config. */
export async function policyPreview(stack: Stack, packConfig?: string): Promise<PolicyPreview> {
    const result: PolicyPreview = { mandatory: [], all: [], failed: false };
    try {
        await stack.preview({
            policyPacks: [POLICY_PACK],
            policyPackConfigs: packConfig ? [packConfig] : undefined,
            onEvent: (event: EngineEvent) => {
                const v = event.policyEvent;
                if (!v) return;
                const line = `${v.policyName}: ${v.message.split("\n")[0]}`;
                result.all.push(line);
                if (v.enforcementLevel === "mandatory") result.mandatory.push(line);
            },
        });
    } catch (error) {
        result.failed = true;
        result.error = String(error);
    }
    return result;
}

/** `pulumi destroy`: succeeds, and leaves the stack's state and the render directory empty. */
export async function destroyLeavesNothing(e2e: E2eStack): Promise<void> {
    const result = await e2e.stack.destroy();
    expect(result.summary.result).toBe("succeeded");
    const state = await e2e.stack.exportStack();
    expect(state.deployment.resources ?? []).toEqual([]);
    expect(yamlFiles(e2e.renderDir)).toEqual([]);
}
