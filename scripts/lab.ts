// npm run lab -- [--stack dev] [--scenario helloworld|yaobank] [--stage <s> | --to <s>] [--yes] [--render]
// Walks the lab: for each stage, pulumi up (streamed), live verification, and what changed and
// why (the analyzer's diff between the previous stage's objects and this one's). --render needs
// no cluster: each stage's manifests and the predicted matrix. The stages are those of the
// stack's scenario (its `scenario` config, or --scenario).
import { Command } from "commander";
import Table from "cli-table3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import * as readline from "readline/promises";
import type { ClusterMode } from "../config";
import { KubeClusterApi } from "../live/cluster";
import { explainChange, formatChange, LabScenario, predictedMatrix, renderedObjects, scenarioFor, stageChoices, stagesToWalk } from "../live/lab";
import type { PlainObject } from "../live/cluster";
import { formatMissing, missingTools } from "../live/prerequisites";
import { PROJECT } from "../live/promotion";
import { resultsDirectory } from "../live/results";
import { positiveInteger } from "../live/cli-options";
import { fromNetworkNamespace } from "../live/outside-http";
import type { VerifyOptions } from "../live/verify";
import { walkLab } from "../live/walk";
import { backendUrl, openStack, REPO_DIR, stackConfig } from "../live/workspace";
import { SCENARIOS } from "../config";
import type { StageRow } from "../stages";

const program = new Command()
    .name("lab")
    .description("Walk the lab's stages: pulumi up, verify, explain what changed")
    .option("--stack <name>", "stack to walk (created if missing, local file:// backend by default)", "dev")
    .option("--scenario <name>", `which lab's stages to walk (${SCENARIOS.join(", ")}); default the stack's scenario config, else helloworld`)
    .option("--stage <stage>", "walk this stage only (number or name)")
    .option("--from <stage>", "start at this stage")
    .option("--to <stage>", "stop after this stage")
    .option("--yes", "non-interactive: do not pause between stages (CI)")
    .option("--no-verify", "skip live verification (the walk then proves nothing; says so)")
    .option("--render", "no cluster: render each stage's manifests and print the predicted matrix")
    .option("--node-address <ip>", "verification: node address for the NodePort probes (default: the first node's InternalIP)")
    .option("--from-netns <name>", "verification: run the HTTP probes from outside the cluster inside this network namespace (ip netns exec; root)")
    .option("--parallel <n>", "verification: probes run at a time", "1");

function stageOption(scenario: LabScenario, value: string | undefined, flag: string): StageRow | undefined {
    if (value === undefined) return undefined;
    const stage = scenario.findStage(value);
    if (!stage) throw new Error(`${flag} ${value}: not a ${scenario.name} stage (${stageChoices(scenario)})`);
    return stage;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

async function pause(interactive: boolean, next: StageRow | undefined): Promise<void> {
    if (!interactive || !next) return;
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    await rl.question(`\nPress Enter for stage ${next.number} (${next.name}), Ctrl-C to stop. `);
    rl.close();
}

/** A stack's own settings from Pulumi.<stack>.yaml, read as a file: rendering must not create or touch the stack. */
function stackFileConfig(stackName: string): Record<string, string> {
    const file = path.join(REPO_DIR, `Pulumi.${stackName}.yaml`);
    if (!fs.existsSync(file)) return {};
    const config = (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    return Object.fromEntries(Object.entries(config).filter(([key]) => key.startsWith(`${PROJECT}:`)).map(([key, value]) => [key.slice(PROJECT.length + 1), String(value)]));
}

async function renderWalk(stackName: string, scenario: LabScenario, stages: StageRow[], interactive: boolean): Promise<number> {
    const source = stackFileConfig(stackName);
    // A throw-away stack in a throw-away backend: the user's stacks and state are not touched,
    // and nothing is left in the repository but the rendered manifests.
    const renderStackName = `${stackName}-render`;
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "lab-render-"));
    const stackFile = path.join(REPO_DIR, `Pulumi.${renderStackName}.yaml`);
    const current = path.join(REPO_DIR, ".rendered", stackName, "current");
    try {
        const stack = await openStack(renderStackName, true, { PULUMI_BACKEND_URL: `file://${backend}` });
        for (const key of scenario.renderKeys) {
            if (source[key] !== undefined) await stack.setConfig(`${PROJECT}:${key}`, { value: source[key] });
        }
        await stack.setConfig(`${PROJECT}:scenario`, { value: scenario.name });
        await stack.setConfig(`${PROJECT}:cluster`, { value: "render" });
        // One render directory for every stage (changing it would replace the provider and delete
        // the previous files); each stage's result is copied aside.
        await stack.setConfig(`${PROJECT}:renderDirectory`, { value: current });
        let previous: PlainObject[] = scenario.baseline();
        for (const [index, stage] of stages.entries()) {
            const directory = path.join(REPO_DIR, ".rendered", stackName, `${stage.number}-${stage.name}`);
            out(`\n=== Stage ${stage.number} (${stage.name}), rendered: ${stage.adds}`);
            await stack.setConfig(`${PROJECT}:stage`, { value: stage.name });
            await stack.up({ onOutput: (text) => process.stdout.write(text) });
            fs.rmSync(directory, { recursive: true, force: true });
            if (fs.existsSync(current)) fs.cpSync(current, directory, { recursive: true });
            const objects = renderedObjects(directory, scenario.baseline());
            out(`manifests: ${path.relative(REPO_DIR, directory)}/ (${objects.length} objects with the baseline)`);
            const checks = scenario.checksAt(stage, source);
            const table = new Table({ head: ["flow", "expected", "predicted"], style: { head: [], border: [] } });
            for (const row of predictedMatrix(objects, checks)) table.push([row.check.description, row.check.expected, row.predicted === row.check.expected ? row.predicted : `${row.predicted} *`]);
            out(checks.length > 0 ? table.toString() : "no lab workload yet: no flows to predict");
            out(formatChange(stage, explainChange(previous, objects)));
            previous = objects;
            await pause(interactive, stages[index + 1]);
        }
    } finally {
        fs.rmSync(stackFile, { force: true });
        fs.rmSync(backend, { recursive: true, force: true });
        fs.rmSync(current, { recursive: true, force: true });
    }
    out("\nRendered without a cluster; the manifests are in .rendered/" + stackName + "/<n>-<stage>/.");
    return 0;
}

async function liveWalk(stackName: string, scenario: LabScenario, stages: StageRow[], interactive: boolean, verify: boolean, probeFrom: Pick<VerifyOptions, "nodeAddress" | "outsideHttp" | "parallel">): Promise<number> {
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
        baseline: scenario.baseline(),
        declaresFlows: (stage) => scenario.checksAt(stage, config).length > 0,
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
        verifyOptions: { ...probeFrom, log: (line) => process.stderr.write(`${line}\n`) },
        color: process.stdout.isTTY,
    });
    return report.exitCode;
}

function stagesOf(scenario: LabScenario, options: Record<string, string | undefined>): StageRow[] {
    return stagesToWalk({
        only: stageOption(scenario, options.stage, "--stage"),
        from: stageOption(scenario, options.from, "--from"),
        upTo: stageOption(scenario, options.to, "--to"),
    }, scenario.stages);
}

async function main(): Promise<number> {
    const options = program.parse().opts();
    const interactive = !options.yes && process.stdin.isTTY === true;
    // Bad verification options fail before any stack is opened.
    const probeFrom = { nodeAddress: options.nodeAddress, parallel: positiveInteger("--parallel", options.parallel), outsideHttp: options.fromNetns ? fromNetworkNamespace(options.fromNetns) : undefined };
    const mode: ClusterMode = options.render ? "render" : "kind";
    // Prerequisites first: render needs pulumi only; the stack's mode is checked again once known.
    const missing = missingTools(options.render ? "render" : "existing");
    if (missing.length > 0) { out(formatMissing(options.render ? "render" : "existing", missing)); return 2; }
    if (options.render) {
        const scenario = scenarioFor(options.scenario, stackFileConfig(options.stack), false);
        return renderWalk(options.stack, scenario, stagesOf(scenario, options), interactive);
    }
    const config = await stackConfig(await openStack(options.stack));
    const stackMode = (config.cluster ?? mode) as ClusterMode;
    const scenario = scenarioFor(options.scenario, config, stackMode !== "render");
    const stages = stagesOf(scenario, options);
    const missingForMode = missingTools(stackMode);
    if (missingForMode.length > 0) { out(formatMissing(stackMode, missingForMode)); return 2; }
    if (stackMode === "render") return renderWalk(options.stack, scenario, stages, interactive);
    return liveWalk(options.stack, scenario, stages, interactive, options.verify !== false, probeFrom);
}

main().then((code) => process.exit(code), (error: unknown) => {
    // Pulumi's own output was streamed already; say what failed in one line.
    const message = error instanceof Error ? error.message : String(error);
    const failed = /Command failed with exit code \d+: (pulumi [^\n]*)/.exec(message);
    process.stderr.write(`lab: ${failed ? `\`${failed[1]}\` failed (its output is above)` : message}\n`);
    process.exit(2);
});
