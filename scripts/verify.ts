// npm run verify -- [--stack dev] [--format table|json|junit] ...
// Every scenario: helloworld's one namespace, or yaobank's three (--namespace repeated or
// comma-separated, or the stack's labNamespace list); the intent ConfigMap is found by its label.
// Probes the stage's flows on the live cluster and compares them with the analyzer's prediction
// for the objects read back from the cluster. Exit 0: all agree; 1: a flow differs; 2: could not
// verify (bad option, no cluster, API server not answering, a flow not observed); 130:
// interrupted (probe pods are deleted in every case). Nothing printed or recorded carries a
// credential of the kubeconfig (live/redact.ts).
import { Command, Option } from "commander";
import * as fs from "fs";
import { EXIT, integerIn, ipAddress, namespaceNames, nonEmpty, secondsUpTo, stackName, withUsageExit, writableFile } from "../live/cli";
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClusterApi } from "../live/cluster";
import type { KubeconfigSource } from "../live/kubeconfig";
import { stackKubeconfigSource } from "../live/stack-kubeconfig";
import type { ProbePods } from "../live/probe-pods";
import { fromNetworkNamespace } from "../live/outside-http";
import { Redactor, urlRedactor } from "../live/redact";
import { formatResult, REPORT_FORMATS, ReportFormat } from "../live/report";
import { recordOf, resultsDirectory, saveRecord } from "../live/results";
import { type VerificationResult, verificationExitCode, verifyStage } from "../live/verify";
import type { NodeInfo, PlainObject } from "../live/cluster";
import { reportDataFile, writeLabReport } from "../live/html-report";
import { stageReport } from "../live/stage-report";
import { backendUrl, openExistingStack, REPO_DIR, stackConfig } from "../live/workspace";
import { findStageIn, type StageRow } from "../scenarios/common/stages";
import { defaultScenario, findScenario, SCENARIOS, scenarioNames } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import { stageChoices } from "../live/lab";
import { formatMissing, missingTools } from "../live/prerequisites";

/**
 * The command line: every value is checked here, by commander, before Pulumi or the cluster is
 * asked anything. A new Command each call, so tests parse it in-process.
 */
export function verifyProgram(): Command {
    return withUsageExit(new Command())
        .name("verify")
        .description("Probe the stage's flows on the live cluster; print expected / predicted / observed")
        .addOption(
            new Option("--stack <name>", "stack whose cluster to verify (its outputs give stage, namespace, kubeconfig)").default("dev").argParser(stackName),
        )
        .option("--no-stack", "do not use Pulumi: give --namespace and --stage (the result is not recorded for promotion)")
        .option(
            "--namespace <ns>",
            "lab namespace; repeat it or separate by commas for several (yaobank: yaobank-customer,yaobank-summary,yaobank-database; default: the stack's labNamespace output)",
            namespaceNames,
            [] as string[],
        )
        .option("--stage <stage>", "stage number or name (default: the stack's stage output); must be the stage the cluster's intent ConfigMap declares")
        .addOption(
            new Option(
                "--scenario <scenario>",
                "which lab's stage table --stage is read against (default: the stack's; without a stack, the scenario every namespace belongs to, such as yaobank's yaobank-*, else the scenario key's default)",
            ).choices(scenarioNames()),
        )
        .option("--context <name>", "kubeconfig context (default: the stack's kubeconfig output, else the context its config names)", nonEmpty)
        .option("--node-address <ip>", "node IP address for the NodePort probes (default: the first node's InternalIP)", ipAddress)
        .option(
            "--from-netns <name>",
            "run the HTTP probes from outside the cluster inside this network namespace (ip netns exec; root), not on this machine",
            nonEmpty,
        )
        .addOption(new Option("--format <format>", "report format").choices(REPORT_FORMATS).default("table"))
        .option("--output <file>", "write the report to a file instead of stdout (its directory must exist)", writableFile)
        .option(
            "--html <file>",
            "also write the stage as a self-contained HTML page (pictures, truth table, policies, commands to try; its data beside it as .json)",
            writableFile,
        )
        .option("--probe-image <image>", "probe pod image (needs nc, nslookup, timeout)", nonEmpty, "busybox:1.36")
        .option("--timeout <seconds>", "per-attempt timeout, whole seconds 1-60 (nc -w)", integerIn(1, 60, "seconds"), 2)
        .option("--attempts <n>", "attempts per probe before giving up on a stable answer, 1-100", integerIn(1, 100, "attempts"), 6)
        .option("--interval <ms>", "pause between attempts, 0-600000 ms", integerIn(0, 600_000, "milliseconds"), 1000)
        .option("--parallel <n>", "probes run at a time, 1-64", integerIn(1, 64, "probes"), 1)
        .option("--request-timeout <seconds>", "longest wait for one Kubernetes API request", secondsUpTo(600), DEFAULT_REQUEST_TIMEOUT_MS / 1000)
        .option("--quiet", "no progress lines on stderr");
}

/** The stack's labNamespace output: one namespace (helloworld) or a list (yaobank). */
function namespacesOf(value: unknown): string[] {
    if (typeof value === "string" && value) return [value];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string" && item.length > 0);
    return [];
}

function stageOf(scenario: Scenario, value: string): { number: number; name: string } | undefined {
    const stage = findStageIn(scenario.stages, value);
    return stage ? { number: stage.number, name: stage.name } : undefined;
}

function scenarioNamed(name: string | undefined): Scenario | undefined {
    return name === undefined ? undefined : findScenario(name);
}

/** Without a stack: the scenario every namespace can only belong to, else the default one. */
function scenarioOfNamespaces(namespaces: string[]): Scenario {
    return SCENARIOS.find((scenario) => namespaces.every((namespace) => scenario.ownsNamespace(namespace))) ?? defaultScenario();
}

/** Where the stack's cluster is, from its config and outputs (local Pulumi calls only). */
async function fromStack(
    name: string,
    contextOption: string | undefined,
): Promise<{ source: KubeconfigSource; namespaces: string[]; stage?: string; scenario: Scenario; tryIt?: Record<string, string | undefined> }> {
    const missing = missingTools("render");
    if (missing.length > 0)
        throw new Error(
            `${formatMissing("render", missing).replace("cluster mode render needs", "--stack needs")}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`,
        );
    const stack = await openExistingStack(
        name,
        `nothing was deployed there (npm run lab -- --stack ${name}, or the README's pulumi stack init ${name} and pulumi up; --stack names another)`,
    ).catch((error: Error) => {
        throw new Error(`${error.message}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`);
    });
    const config = await stackConfig(stack);
    const outputs = await stack.outputs();
    const kubeconfig = outputs.kubeconfig?.value;
    const source = stackKubeconfigSource(
        {
            name,
            mode: config.cluster ?? "kind",
            kubeconfigContext: config.kubeconfigContext,
            kubeconfig: typeof kubeconfig === "string" && kubeconfig ? kubeconfig : undefined,
        },
        contextOption,
    );
    return {
        source,
        namespaces: namespacesOf(outputs.labNamespace?.value),
        stage: outputs.stage?.value?.number !== undefined ? String(outputs.stage.value.number) : undefined,
        // The stage output names the scenario (helloworld's does not), else the stack's config.
        scenario: scenarioNamed(outputs.stage?.value?.scenario ?? config.scenario) ?? defaultScenario(),
        tryIt: outputs.tryIt?.value,
    };
}

/** `--html FILE`: the verified stage alone, as the lab's report shows each stage (live/stage-report.ts, html-report.ts). */
async function writeStageHtml(
    file: string,
    input: {
        result: VerificationResult;
        scenario: Scenario;
        namespaces: string[];
        stack?: string;
        tryIt?: Record<string, string | undefined>;
        objects: PlainObject[];
        nodes: NodeInfo[];
    },
): Promise<void> {
    const { result, scenario } = input;
    const row = result.stage ? findStageIn(scenario.stages, String(result.stage.number)) : undefined;
    const stage = row ?? { number: result.stage?.number ?? -1, name: result.stage?.name ?? "unknown", adds: "the stage the cluster's intent declares" };
    const report = stageReport({
        stage: stage as StageRow,
        current: input.objects,
        nodes: input.nodes,
        checks: result.plan.flows.map((flow) => flow.check),
        tryIt: input.tryIt,
        verification: result,
    });
    const where = input.stack ? `stack ${input.stack}` : `namespace${input.namespaces.length > 1 ? "s" : ""} ${input.namespaces.join(", ")}`;
    await writeLabReport(
        {
            title: `${scenario.name}: stage ${stage.number} (${stage.name}) verified on ${where}`,
            scenario: scenario.name,
            stack: input.stack ?? "",
            mode: "live",
            generatedAt: result.finishedAt,
            stages: [report],
        },
        { isLabNamespace: (namespace) => input.namespaces.includes(namespace) || scenario.ownsNamespace(namespace) },
        file,
    );
}

/** Redacts what is printed before the kubeconfig is known (URL userinfo), then with its secrets. */
let redactor: Redactor = urlRedactor();

async function main(): Promise<number> {
    const options = verifyProgram().parse().opts();
    const stack: string | undefined = options.stack === false ? undefined : options.stack;
    const fromTheStack = stack ? await fromStack(stack, options.context) : undefined;
    const source: KubeconfigSource = fromTheStack?.source ?? { context: options.context, origin: "your kubeconfig" };
    const namespaces: string[] = options.namespace.length > 0 ? options.namespace : (fromTheStack?.namespaces ?? []);
    if (namespaces.length === 0) throw new Error("no lab namespace: pass --namespace or --stack of a deployed stack");
    const scenario: Scenario = scenarioNamed(options.scenario) ?? fromTheStack?.scenario ?? scenarioOfNamespaces(namespaces);
    const stageValue: string | undefined = options.stage ?? fromTheStack?.stage;
    const stage = stageValue !== undefined ? stageOf(scenario, stageValue) : undefined;
    if (stageValue !== undefined && !stage) {
        throw new Error(`--stage ${stageValue}: not a ${scenario.name} stage (${stageChoices(scenario)})`);
    }
    // The kubeconfig is read and checked here; the first network call is verifyStage's.
    const cluster = KubeClusterApi.fromSource(source, { requestTimeoutMs: options.requestTimeout * 1000 });
    redactor = cluster.redactor;
    const log = options.quiet ? () => undefined : (line: string) => process.stderr.write(`${redactor.text(line)}\n`);
    log(
        `verify: ${cluster.describe()}, ${namespaces.length === 1 ? "namespace" : "namespaces"} ${namespaces.join(", ")}${stage ? `, ${scenario === defaultScenario() ? "" : `${scenario.name} `}stage ${stage.number} (${stage.name})` : ""}`,
    );

    // Ctrl-C: stop probing, delete the probe pods, report. A second Ctrl-C deletes them at once.
    // The signal must reach this process itself: package.json runs it with `node --import tsx`,
    // not the tsx CLI, whose relay SIGKILLs a child that does not acknowledge within 30 ms.
    const controller = new AbortController();
    let pods: ProbePods | undefined;
    let readBack: { objects: PlainObject[]; nodes: NodeInfo[] } | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
            log(`${signal} again: deleting probe pods now`);
            void (pods?.cleanup() ?? Promise.resolve()).finally(() => process.exit(EXIT.interrupted));
            return;
        }
        log(`${signal}: stopping; deleting probe pods ${pods?.live.join(", ") || "(none yet)"}`);
        controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    // The result and the progress lines come redacted (verifyStage, live/redact.ts).
    const result = await verifyStage(cluster, {
        namespace: namespaces,
        stage,
        stack,
        nodeAddress: options.nodeAddress,
        parallel: options.parallel,
        outsideHttp: options.fromNetns ? fromNetworkNamespace(options.fromNetns) : undefined,
        retry: { timeoutSeconds: options.timeout, maxAttempts: options.attempts, intervalMs: options.interval },
        probePods: { image: options.probeImage },
        signal: controller.signal,
        log,
        onProbePods: (created) => {
            pods = created;
        },
        onReadBack: (objects, nodes) => {
            readBack = { objects, nodes };
        },
    });
    const report = formatResult(result, options.format as ReportFormat, !options.output && process.stdout.isTTY);
    if (options.output) fs.writeFileSync(options.output, `${report}\n`);
    else process.stdout.write(`${report}\n`);
    if (options.html && readBack) {
        await writeStageHtml(options.html, { result, scenario, namespaces, stack, tryIt: fromTheStack?.tryIt, ...readBack });
        log(`the stage as a page: ${options.html} (open it in a browser; its data: ${reportDataFile(options.html)})`);
    }
    if (stack) {
        const file = saveRecord(resultsDirectory(backendUrl(), REPO_DIR), recordOf(stack, result));
        log(`verification recorded for promotion: ${file}`);
    }
    // A Ctrl-C after the probing ended still says "interrupted".
    return controller.signal.aborted ? EXIT.interrupted : verificationExitCode(result);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            process.stderr.write(`verify: ${redactor.text(error instanceof Error ? error.message : String(error))}\n`);
            process.exit(EXIT.cannotRun);
        },
    );
}
