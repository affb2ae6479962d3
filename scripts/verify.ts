// npm run verify -- [--stack dev] [--format table|json|junit] ...
// Probes the stage's flows on the live cluster and compares them with the analyzer's prediction
// for the objects read back from the cluster. Exit 0: all agree; 1: a difference; 2: could not
// verify; 130: interrupted (probe pods are deleted in every case).
import { Command, Option } from "commander";
import * as fs from "fs";
import { KubeClusterApi } from "../live/cluster";
import type { ProbePods } from "../live/probe-pods";
import { formatResult, ReportFormat } from "../live/report";
import { recordOf, resultsDirectory, saveRecord } from "../live/results";
import { verifyStage } from "../live/verify";
import { backendUrl, openStack, REPO_DIR } from "../live/workspace";
import { findStage } from "../stages";
import { formatMissing, missingTools } from "../live/prerequisites";

const program = new Command()
    .name("verify")
    .description("Probe the stage's flows on the live cluster; print expected / predicted / observed")
    .option("--stack <name>", "stack whose cluster to verify (its outputs give stage, namespace, kubeconfig)", "dev")
    .option("--no-stack", "do not use Pulumi: give --namespace and --stage (the result is not recorded for promotion)")
    .option("--namespace <ns>", "lab namespace (default: the stack's labNamespace output)")
    .option("--stage <stage>", "stage number or name (default: the stack's stage output)")
    .option("--context <name>", "kubeconfig context (default: the stack's kubeconfig output, else the current context)")
    .option("--node-address <ip>", "node address for the NodePort probes (default: the first node's InternalIP)")
    .addOption(new Option("--format <format>", "report format").choices(["table", "json", "junit"]).default("table"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--probe-image <image>", "probe pod image (needs nc, nslookup, timeout)", "busybox:1.36")
    .option("--timeout <seconds>", "per-attempt timeout", "2")
    .option("--attempts <n>", "attempts per probe before giving up on a stable answer", "6")
    .option("--interval <ms>", "pause between attempts", "1000")
    .option("--quiet", "no progress lines on stderr");

async function main(): Promise<number> {
    const options = program.parse().opts();
    let namespace: string | undefined = options.namespace;
    let stageValue: string | undefined = options.stage;
    let cluster: KubeClusterApi;
    const stackName: string | undefined = options.stack === false ? undefined : options.stack;
    if (stackName) {
        const missing = missingTools("render");
        if (missing.length > 0) throw new Error(`${formatMissing("render", missing).replace("cluster mode render needs", "--stack needs")}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`);
        const stack = await openStack(stackName, false).catch((error: unknown) => {
            throw new Error(`cannot open stack ${stackName} (${backendUrl()}): ${error instanceof Error ? error.message.split("\n")[0] : error}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`);
        });
        const outputs = await stack.outputs();
        namespace ??= outputs.labNamespace?.value;
        stageValue ??= outputs.stage?.value?.number !== undefined ? String(outputs.stage.value.number) : undefined;
        const kubeconfig = outputs.kubeconfig?.value;
        cluster = typeof kubeconfig === "string" && kubeconfig && !options.context ? KubeClusterApi.fromKubeconfigText(kubeconfig) : KubeClusterApi.fromDefault(options.context);
    } else {
        cluster = KubeClusterApi.fromDefault(options.context);
    }
    if (!namespace) throw new Error("no lab namespace: pass --namespace or --stack of a deployed stack");
    const stage = stageValue !== undefined ? findStage(stageValue) : undefined;
    if (stageValue !== undefined && !stage) throw new Error(`--stage ${stageValue}: not a stage (0-5 or cluster, helloworld, proxy, deny-all, allow-proxy, lockdown)`);
    const log = options.quiet ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
    log(`verify: ${cluster.describe()}, namespace ${namespace}${stage ? `, stage ${stage.number} (${stage.name})` : ""}`);

    // Ctrl-C: stop probing, delete the probe pods, report. A second Ctrl-C deletes them at once.
    const controller = new AbortController();
    let pods: ProbePods | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
            log(`${signal} again: deleting probe pods now`);
            void pods?.cleanup().finally(() => process.exit(130));
            return;
        }
        log(`${signal}: stopping; deleting probe pods ${pods?.live.join(", ") || "(none yet)"}`);
        controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const result = await verifyStage(cluster, {
        namespace,
        stage: stage ? { number: stage.number, name: stage.name } : undefined,
        stack: stackName,
        nodeAddress: options.nodeAddress,
        retry: { timeoutSeconds: Number(options.timeout), maxAttempts: Number(options.attempts), intervalMs: Number(options.interval) },
        probePods: { image: options.probeImage },
        signal: controller.signal,
        log,
        onProbePods: (created) => { pods = created; },
    });
    const report = formatResult(result, options.format as ReportFormat, !options.output && process.stdout.isTTY);
    if (options.output) fs.writeFileSync(options.output, `${report}\n`);
    else process.stdout.write(`${report}\n`);
    if (stackName) {
        const file = saveRecord(resultsDirectory(backendUrl(), REPO_DIR), recordOf(stackName, result));
        log(`verification recorded for promotion: ${file}`);
    }
    if (result.interrupted) return 130;
    return result.passed ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
});
