// npm run lab -- [--stack dev] [--scenario helloworld|yaobank] [--stage <s> | --to <s>] [--yes] [--render] [--verbose]
// Walks the lab: for each stage, pulumi up (one line; Pulumi's output in a log file, or streamed
// with --verbose), live verification, and what changed and
// why (the analyzer's diff between the previous stage's objects and this one's). --render needs
// no cluster: each stage's manifests and the predicted matrix. The stages are those of the
// stack's scenario (its `scenario` config, or --scenario).
import { Command, Option } from "commander";
import Table from "cli-table3";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import * as readline from "readline/promises";
import { type ClusterMode, hasCluster } from "../components/cluster/modes";
import { EXIT, integerIn, ipAddress, nonEmpty, stackName, withUsageExit } from "../live/cli";
import { KubeClusterApi } from "../live/cluster";
import { stackKubeconfigSource } from "../live/stack-kubeconfig";
import { RenderWorkspace } from "../live/render-workspace";
import { urlRedactor } from "../live/redact";
import { ChangeView, formatChange, renderedObjects, scenarioFor, stageChoices, stagesToWalk } from "../live/lab";
import { reportDataFile, writeLabReport } from "../live/html-report";
import { type LabReport, type StageReport, stageReport } from "../live/stage-report";
import type { PlainObject } from "../live/cluster";
import { formatMissing, missingTools } from "../live/prerequisites";
import { PROJECT } from "../live/promotion";
import { PulumiLog, pulumiLog } from "../live/pulumi-log";
import { COMPACT_TABLE } from "../live/report";
import { resultsDirectory } from "../live/results";
import { fromNetworkNamespace } from "../live/outside-http";
import type { VerifyOptions } from "../live/verify";
import { walkLab } from "../live/walk";
import { backendUrl, openStack, pulumiFailure, REPO_DIR, stackConfig } from "../live/workspace";
import type { Stack } from "@pulumi/pulumi/automation";
import { scenarioNames } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import { findStageIn, StageRow } from "../scenarios/common/stages";

/**
 * The command line: every value is checked here, by commander, before Pulumi, the cluster or a
 * file is touched. A new Command each call, so tests parse it in-process.
 */
export function labProgram(): Command {
    return withUsageExit(new Command())
        .name("lab")
        .description("Walk the lab's stages: pulumi up, verify, explain what changed")
        .addOption(new Option("--stack <name>", "stack to walk (created if missing, local file:// backend by default)").default("dev").argParser(stackName))
        .addOption(
            new Option("--scenario <name>", "which lab's stages to walk; default the stack's scenario config, else the scenario key's default").choices(
                scenarioNames(),
            ),
        )
        .option("--stage <stage>", "walk this stage only (number or name)")
        .option("--from <stage>", "start at this stage")
        .option("--to <stage>", "stop after this stage")
        .option("--yes", "non-interactive: do not pause between stages (CI)")
        .option("--no-verify", "skip live verification (the walk then proves nothing; says so)")
        .option("--render", "no cluster: render each stage's manifests and print the predicted matrix")
        .option("--node-address <ip>", "verification: node IP address for the NodePort probes (default: the first node's InternalIP)", ipAddress)
        .option(
            "--from-netns <name>",
            "verification: run the HTTP probes from outside the cluster inside this network namespace (ip netns exec; root)",
            nonEmpty,
        )
        .option("--parallel <n>", "verification: probes run at a time, 1-64", integerIn(1, 64, "probes"), 1)
        .option(
            "--verbose",
            "stream Pulumi's whole output (by default it goes to .lab-logs/<stack>.log and each up is one line), and show every change, those of pods outside the lab too",
        );
}

/** Pulumi's output of a walk: .lab-logs/<name>.log (git-ignored), echoed with --verbose. */
function walkLog(name: string, verbose: boolean): PulumiLog {
    return pulumiLog(path.join(REPO_DIR, ".lab-logs", `${name}.log`), verbose, (text) => process.stdout.write(text));
}

/** `pulumi up` through the Automation API, reported as one line (or Pulumi's error lines and the log). */
async function upReported(stack: Stack, log: PulumiLog): Promise<void> {
    const started = Date.now();
    try {
        const result = await stack.up({ onOutput: log.onOutput });
        out(log.summary(result.summary.resourceChanges, started));
    } catch (error) {
        out(log.failure());
        throw error;
    }
}

function stageOption(scenario: Scenario, value: string | undefined, flag: string): StageRow | undefined {
    if (value === undefined) return undefined;
    const stage = findStageIn(scenario.stages, value);
    if (!stage) throw new Error(`${flag} ${value}: not a ${scenario.name} stage (${stageChoices(scenario)})`);
    return stage;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

/** Where the walk's HTML report (and its JSON) goes: .lab-reports/<name>.html, git-ignored. */
const REPORTS_DIR = path.join(REPO_DIR, ".lab-reports");

/**
 * The walk's report, rewritten after every stage (a walk that stops half-way leaves the stages it
 * did); `file()` says where it is.
 */
function reportWriter(name: string, report: Omit<LabReport, "stages" | "generatedAt">, view: ChangeView) {
    const stages: StageReport[] = [];
    const file = path.join(REPORTS_DIR, `${name}.html`);
    return {
        add: async (stage: StageReport) => {
            stages.push(stage);
            await writeLabReport({ ...report, generatedAt: new Date().toISOString(), stages }, view, file);
        },
        file: () => (stages.length ? path.relative(REPO_DIR, file) : undefined),
    };
}

/** The report's last line: where it is and what it holds. */
function reportLine(file: string | undefined): string {
    return file
        ? `The report, one page per walk with each stage's pictures, truth table, changes, policies and commands: ${file} (open it in a browser; ${reportDataFile(file)} holds its data).`
        : "No stage was walked: no report written.";
}

/** What changed: the lab's namespaces (the stack's `namespace`, or the scenario's own), wrapped to the terminal. */
function changeView(scenario: Scenario, namespace: string | undefined, verbose: boolean): ChangeView {
    const lab = namespace || "zero-trust-lab";
    return { isLabNamespace: (candidate) => candidate === lab || scenario.ownsNamespace(candidate), verbose, width: process.stdout.columns || 100 };
}

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
    return Object.fromEntries(
        Object.entries(config)
            .filter(([key]) => key.startsWith(`${PROJECT}:`))
            .map(([key, value]) => [key.slice(PROJECT.length + 1), String(value)]),
    );
}

async function renderWalk(sourceStack: string, scenario: Scenario, stages: StageRow[], interactive: boolean, verbose: boolean): Promise<number> {
    const source = stackFileConfig(sourceStack);
    // A throw-away stack in a throw-away backend: the user's stacks and state are not touched,
    // and nothing is left in the repository but the rendered manifests.
    const workspace = RenderWorkspace.open(REPO_DIR, sourceStack);
    const log = walkLog(`${sourceStack}-render-${scenario.name}`, verbose);
    const reports = reportWriter(
        `${sourceStack}-render-${scenario.name}`,
        { title: `${scenario.name}: the lab's stages, rendered (stack ${sourceStack})`, scenario: scenario.name, stack: sourceStack, mode: "render" },
        changeView(scenario, source.namespace, verbose),
    );
    try {
        const stack = await openStack(workspace.stackName, true, { PULUMI_BACKEND_URL: `file://${workspace.backend}` });
        for (const key of scenario.renderKeys) {
            if (source[key] !== undefined) await stack.setConfig(`${PROJECT}:${key}`, { value: source[key] });
        }
        await stack.setConfig(`${PROJECT}:scenario`, { value: scenario.name });
        await stack.setConfig(`${PROJECT}:cluster`, { value: "render" });
        // One render directory for every stage (changing it would replace the provider and delete
        // the previous files); each stage's result is copied aside.
        await stack.setConfig(`${PROJECT}:renderDirectory`, { value: workspace.manifests });
        let previous = scenario.baseline() as PlainObject[];
        const view = changeView(scenario, source.namespace, verbose);
        for (const [index, stage] of stages.entries()) {
            const directory = workspace.stageDirectory(stage, scenario.name);
            out(`\n=== Stage ${stage.number} (${stage.name}), rendered: ${stage.adds}`);
            await stack.setConfig(`${PROJECT}:stage`, { value: stage.name });
            await upReported(stack, log);
            fs.rmSync(directory, { recursive: true, force: true });
            if (fs.existsSync(workspace.manifests)) fs.cpSync(workspace.manifests, directory, { recursive: true });
            // The stage's baseline: at the lockdown, the automatic host endpoints Calico creates on a cluster.
            const objects = renderedObjects(directory, scenario.baseline(stage) as PlainObject[]);
            out(`manifests: ${path.relative(REPO_DIR, directory)}/ (${objects.length} objects with the baseline)`);
            const tryIt = (await stack.outputs()).tryIt?.value as Record<string, string | undefined> | undefined;
            const report = stageReport({ stage, previous, current: objects, checks: scenario.flowChecksAt(stage, source), tryIt });
            const table = new Table({ head: ["flow", "expected", "predicted"], ...COMPACT_TABLE });
            for (const row of report.rows) table.push([row.description, row.expected, row.result === "ok" ? row.predicted : `${row.predicted} *`]);
            out(report.rows.length > 0 ? table.toString() : "no lab workload yet: no flows to predict");
            out(formatChange(stage, report.change!, view));
            await reports.add(report);
            previous = objects;
            await pause(interactive, stages[index + 1]);
        }
    } finally {
        workspace.cleanup();
    }
    out(
        `\nRendered without a cluster; the manifests are in .rendered/${sourceStack}/${scenario.name}/<n>-<stage>/, Pulumi's output in ${path.relative(REPO_DIR, log.file)}.`,
    );
    out(reportLine(reports.file()));
    return 0;
}

async function liveWalk(
    stackName: string,
    scenario: Scenario,
    stages: StageRow[],
    interactive: boolean,
    verify: boolean,
    probeFrom: Pick<VerifyOptions, "nodeAddress" | "outsideHttp" | "parallel">,
    verbose: boolean,
): Promise<number> {
    const stack = await openStack(stackName);
    const log = walkLog(stackName, verbose);
    const config = await stackConfig(stack);
    const view = changeView(scenario, config.namespace, verbose);
    const reports = reportWriter(
        `${stackName}-${scenario.name}`,
        { title: `${scenario.name}: the lab's stages on stack ${stackName}`, scenario: scenario.name, stack: stackName, mode: "live" },
        view,
    );
    const pending: Promise<void>[] = [];
    const report = await walkLab({
        stack: {
            name: stackName,
            setStage: (stage) => stack.setConfig(`${PROJECT}:stage`, { value: stage.name }),
            up: () => upReported(stack, log),
            outputs: () => stack.outputs(),
        },
        stages,
        baseline: scenario.baseline() as PlainObject[],
        declaresFlows: (stage) => scenario.flowChecksAt(stage, config).length > 0,
        flowChecks: (stage) => scenario.flowChecksAt(stage, config),
        onStageReport: (stage) => {
            pending.push(reports.add(stage));
        },
        namespace: config.namespace || "zero-trust-lab",
        clusterFor: (outputs) => {
            const kubeconfig = outputs.kubeconfig?.value;
            return KubeClusterApi.fromSource(
                stackKubeconfigSource({
                    name: stackName,
                    mode: config.cluster ?? "kind",
                    kubeconfigContext: config.kubeconfigContext,
                    kubeconfig: typeof kubeconfig === "string" && kubeconfig ? kubeconfig : undefined,
                }),
            );
        },
        verify,
        resultsDirectory: resultsDirectory(backendUrl(), REPO_DIR),
        out,
        progress: (text) => process.stdout.write(text),
        pause: (next) => pause(interactive, next),
        changeView: view,
        verifyOptions: { ...probeFrom, log: (line) => process.stderr.write(`${line}\n`) },
        color: process.stdout.isTTY,
    });
    await Promise.all(pending);
    out(reportLine(reports.file()));
    return report.exitCode;
}

function stagesOf(scenario: Scenario, options: Record<string, string | undefined>): StageRow[] {
    return stagesToWalk(
        {
            only: stageOption(scenario, options.stage, "--stage"),
            from: stageOption(scenario, options.from, "--from"),
            upTo: stageOption(scenario, options.to, "--to"),
        },
        scenario.stages,
    );
}

async function main(): Promise<number> {
    const options = labProgram().parse().opts();
    const interactive = !options.yes && process.stdin.isTTY === true;
    // Bad verification options fail before any stack is opened.
    const probeFrom = {
        nodeAddress: options.nodeAddress,
        parallel: options.parallel as number,
        outsideHttp: options.fromNetns ? fromNetworkNamespace(options.fromNetns) : undefined,
    };
    const mode: ClusterMode = options.render ? "render" : "kind";
    // Prerequisites first: render needs pulumi only; the stack's mode is checked again once known.
    const missing = missingTools(options.render ? "render" : "existing");
    if (missing.length > 0) {
        out(formatMissing(options.render ? "render" : "existing", missing));
        return EXIT.cannotRun;
    }
    if (options.render) {
        const scenario = scenarioFor(options.scenario, stackFileConfig(options.stack), false);
        return renderWalk(options.stack, scenario, stagesOf(scenario, options), interactive, options.verbose === true);
    }
    const config = await stackConfig(await openStack(options.stack));
    const stackMode = (config.cluster ?? mode) as ClusterMode;
    const scenario = scenarioFor(options.scenario, config, hasCluster(stackMode));
    const stages = stagesOf(scenario, options);
    const missingForMode = missingTools(stackMode);
    if (missingForMode.length > 0) {
        out(formatMissing(stackMode, missingForMode));
        return EXIT.cannotRun;
    }
    if (!hasCluster(stackMode)) return renderWalk(options.stack, scenario, stages, interactive, options.verbose === true);
    return liveWalk(options.stack, scenario, stages, interactive, options.verify !== false, probeFrom, options.verbose === true);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            // Pulumi's error lines were printed already (or its whole output, with --verbose); say what failed in one line.
            const message = pulumiFailure(error);
            process.stderr.write(`lab: ${urlRedactor().text(message)}\n`);
            process.exit(EXIT.cannotRun);
        },
    );
}
