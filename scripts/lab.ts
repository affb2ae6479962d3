// npm run lab -- [--stack dev] [--stage <s> | --to <s>] [--yes] [--render]
// Walks the lab: for each stage, pulumi up (streamed), live verification, and what changed and
// why (the analyzer's diff between the previous stage's objects and this one's). --render needs
// no cluster: each stage's manifests and the predicted matrix.
import { Command } from "commander";
import Table from "cli-table3";
import * as path from "path";
import * as readline from "readline/promises";
import type { ClusterMode } from "../config";
import { KubeClusterApi } from "../live/cluster";
import { explainChange, flowChecksAt, flowContextFor, formatChange, predictedMatrix, renderedObjects, stagesToWalk } from "../live/lab";
import type { PlainObject } from "../live/cluster";
import { formatMissing, missingTools } from "../live/prerequisites";
import { PROJECT } from "../live/promotion";
import { resultsDirectory } from "../live/results";
import { walkLab } from "../live/walk";
import { backendUrl, openStack, REPO_DIR, stackConfig } from "../live/workspace";
import { baselineObjects } from "../flows";
import { findStage, Stage } from "../stages";

const program = new Command()
    .name("lab")
    .description("Walk the lab's stages: pulumi up, verify, explain what changed")
    .option("--stack <name>", "stack to walk (created if missing, local file:// backend by default)", "dev")
    .option("--stage <stage>", "walk this stage only (number or name)")
    .option("--from <stage>", "start at this stage")
    .option("--to <stage>", "stop after this stage")
    .option("--yes", "non-interactive: do not pause between stages (CI)")
    .option("--no-verify", "skip live verification (the walk then proves nothing; says so)")
    .option("--render", "no cluster: render each stage's manifests and print the predicted matrix");

function stageOption(value: string | undefined, flag: string): Stage | undefined {
    if (value === undefined) return undefined;
    const stage = findStage(value);
    if (!stage) throw new Error(`${flag} ${value}: not a stage (0-5 or cluster, helloworld, proxy, deny-all, allow-proxy, lockdown)`);
    return stage;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

async function pause(interactive: boolean, next: Stage | undefined): Promise<void> {
    if (!interactive || !next) return;
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    await rl.question(`\nPress Enter for stage ${next.number} (${next.name}), Ctrl-C to stop. `);
    rl.close();
}

async function renderWalk(stackName: string, stages: Stage[], interactive: boolean): Promise<number> {
    const source = await stackConfig(await openStack(stackName)).catch(() => ({} as Record<string, string>));
    const renderStackName = `${stackName}-render`;
    // A stack of its own, so the user's stack keeps its cluster mode; no kubeconfig is read.
    const stack = await openStack(renderStackName, true, { KUBECONFIG: "/dev/null" });
    for (const key of ["namespace", "flavor", "appImage", "proxyImage", "appNodePort", "proxyNodePort", "appReplicas", "proxyReplicas"]) {
        if (source[key] !== undefined) await stack.setConfig(`${PROJECT}:${key}`, { value: source[key] });
    }
    await stack.setConfig(`${PROJECT}:cluster`, { value: "render" });
    let previous: PlainObject[] = baselineObjects() as PlainObject[];
    for (const [index, stage] of stages.entries()) {
        const directory = path.join(REPO_DIR, ".rendered", stackName, `${stage.number}-${stage.name}`);
        out(`\n=== Stage ${stage.number} (${stage.name}), rendered: ${stage.adds}`);
        await stack.setConfig(`${PROJECT}:stage`, { value: stage.name });
        await stack.setConfig(`${PROJECT}:renderDirectory`, { value: directory });
        await stack.up({ onOutput: (text) => process.stdout.write(text) });
        const objects = renderedObjects(directory);
        out(`manifests: ${path.relative(REPO_DIR, directory)}/ (${objects.length} objects with the baseline)`);
        const checks = flowChecksAt(stage, flowContextFor(source));
        const table = new Table({ head: ["flow", "expected", "predicted"], style: { head: [], border: [] } });
        for (const row of predictedMatrix(objects, checks)) table.push([row.check.description, row.check.expected, row.predicted === row.check.expected ? row.predicted : `${row.predicted} *`]);
        out(checks.length > 0 ? table.toString() : "no lab workload yet: no flows to predict");
        out(formatChange(stage, explainChange(previous, objects)));
        previous = objects;
        await pause(interactive, stages[index + 1]);
    }
    out(`\nRendered with stack ${renderStackName} (${backendUrl()}); nothing touched a cluster.`);
    return 0;
}

async function liveWalk(stackName: string, stages: Stage[], interactive: boolean, verify: boolean): Promise<number> {
    const stack = await openStack(stackName);
    const config = await stackConfig(stack);
    const report = await walkLab({
        stack: {
            name: stackName,
            setStage: (stage) => stack.setConfig(`${PROJECT}:stage`, { value: stage.name }),
            up: async (onOutput) => { await stack.up({ onOutput }); },
            outputs: () => stack.outputs(),
        },
        stages,
        namespace: config.namespace || "zero-trust-lab",
        clusterFor: (outputs) => {
            const kubeconfig = outputs.kubeconfig?.value;
            return typeof kubeconfig === "string" && kubeconfig ? KubeClusterApi.fromKubeconfigText(kubeconfig) : KubeClusterApi.fromDefault(config.kubeconfigContext || undefined);
        },
        verify,
        resultsDirectory: resultsDirectory(backendUrl(), REPO_DIR),
        out,
        progress: (text) => process.stdout.write(text),
        pause: (next) => pause(interactive, next),
        verifyOptions: { log: (line) => process.stderr.write(`${line}\n`) },
        color: process.stdout.isTTY,
    });
    return report.exitCode;
}

async function main(): Promise<number> {
    const options = program.parse().opts();
    const stages = stagesToWalk({ only: stageOption(options.stage, "--stage"), from: stageOption(options.from, "--from"), upTo: stageOption(options.to, "--to") });
    const interactive = !options.yes && process.stdin.isTTY === true;
    const mode: ClusterMode = options.render ? "render" : "kind";
    // Prerequisites first: render needs pulumi only; the stack's mode is checked again once known.
    const missing = missingTools(options.render ? "render" : "existing");
    if (missing.length > 0) { out(formatMissing(options.render ? "render" : "existing", missing)); return 2; }
    if (options.render) return renderWalk(options.stack, stages, interactive);
    const config = await stackConfig(await openStack(options.stack));
    const stackMode = (config.cluster ?? mode) as ClusterMode;
    const missingForMode = missingTools(stackMode);
    if (missingForMode.length > 0) { out(formatMissing(stackMode, missingForMode)); return 2; }
    if (stackMode === "render") return renderWalk(options.stack, stages, interactive);
    return liveWalk(options.stack, stages, interactive, options.verify !== false);
}

main().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
});
