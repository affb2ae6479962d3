// npm run verify -- [--stack dev] [--format table|json|junit] ...
// Both scenarios: helloworld's one namespace, or yaobank's three (--namespace repeated or
// comma-separated, or the stack's labNamespace list); the intent ConfigMap is found by its label.
// Probes the stage's flows on the live cluster and compares them with the analyzer's prediction
// for the objects read back from the cluster. Exit 0: all agree; 1: a difference; 2: could not
// verify; 130: interrupted (probe pods are deleted in every case).
import { Command, Option } from "commander";
import * as fs from "fs";
import { KubeClusterApi } from "../live/cluster";
import type { ProbePods } from "../live/probe-pods";
import { positiveInteger } from "../live/cli-options";
import { fromNetworkNamespace } from "../live/outside-http";
import { formatResult, ReportFormat } from "../live/report";
import { recordOf, resultsDirectory, saveRecord } from "../live/results";
import { verifyStage } from "../live/verify";
import { backendUrl, openStack, REPO_DIR, stackConfig } from "../live/workspace";
import { findStage } from "../stages";
import { findYaobankStage, YAOBANK_NAMESPACE_PREFIX, YAOBANK_STAGES } from "../scenarios/yaobank/stages";
import { formatMissing, missingTools } from "../live/prerequisites";

const program = new Command()
    .name("verify")
    .description("Probe the stage's flows on the live cluster; print expected / predicted / observed")
    .option("--stack <name>", "stack whose cluster to verify (its outputs give stage, namespace, kubeconfig)", "dev")
    .option("--no-stack", "do not use Pulumi: give --namespace and --stage (the result is not recorded for promotion)")
    .option("--namespace <ns>", "lab namespace; repeat it or separate by commas for several (yaobank: yaobank-customer,yaobank-summary,yaobank-database; default: the stack's labNamespace output)", collect, [] as string[])
    .option("--stage <stage>", "stage number or name (default: the stack's stage output)")
    .addOption(new Option("--scenario <scenario>", "which lab's stage table --stage is read against (default: the stack's; without a stack, yaobank when every namespace is yaobank-*, else helloworld)").choices(["helloworld", "yaobank"]))
    .option("--context <name>", "kubeconfig context (default: the stack's kubeconfig output, else the current context)")
    .option("--node-address <ip>", "node address for the NodePort probes (default: the first node's InternalIP)")
    .option("--from-netns <name>", "run the HTTP probes from outside the cluster inside this network namespace (ip netns exec; root), not on this machine")
    .addOption(new Option("--format <format>", "report format").choices(["table", "json", "junit"]).default("table"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--probe-image <image>", "probe pod image (needs nc, nslookup, timeout)", "busybox:1.36")
    .option("--timeout <seconds>", "per-attempt timeout", "2")
    .option("--attempts <n>", "attempts per probe before giving up on a stable answer", "6")
    .option("--interval <ms>", "pause between attempts", "1000")
    .option("--parallel <n>", "probes run at a time", "1")
    .option("--quiet", "no progress lines on stderr");

function collect(value: string, previous: string[]): string[] {
    return [...previous, ...value.split(",").map((item) => item.trim()).filter(Boolean)];
}

/** The stack's labNamespace output: one namespace (helloworld) or a list (yaobank). */
function namespacesOf(value: unknown): string[] {
    if (typeof value === "string" && value) return [value];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string" && item.length > 0);
    return [];
}

type Scenario = "helloworld" | "yaobank";

function stageOf(scenario: Scenario, value: string): { number: number; name: string } | undefined {
    const stage = scenario === "yaobank" ? findYaobankStage(value) : findStage(value);
    return stage ? { number: stage.number, name: stage.name } : undefined;
}

async function main(): Promise<number> {
    const options = program.parse().opts();
    let namespaces: string[] = options.namespace;
    let stageValue: string | undefined = options.stage;
    let scenario: Scenario | undefined = options.scenario;
    let cluster: KubeClusterApi;
    const stackName: string | undefined = options.stack === false ? undefined : options.stack;
    if (stackName) {
        const missing = missingTools("render");
        if (missing.length > 0) throw new Error(`${formatMissing("render", missing).replace("cluster mode render needs", "--stack needs")}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`);
        const stack = await openStack(stackName, false).catch((error: unknown) => {
            throw new Error(`cannot open stack ${stackName} (${backendUrl()}): ${error instanceof Error ? error.message.split("\n")[0] : error}\n  without Pulumi: npm run verify -- --no-stack --namespace <ns> --stage <n>`);
        });
        const outputs = await stack.outputs();
        if ((await stackConfig(stack)).cluster === "render") {
            throw new Error(`stack ${stackName} renders manifests (cluster: render): there is no cluster to probe. Its predicted flows: npm run lab -- --render --stack ${stackName}; to verify, walk a stack with a cluster (README, "On a local kind cluster")`);
        }
        if (namespaces.length === 0) namespaces = namespacesOf(outputs.labNamespace?.value);
        stageValue ??= outputs.stage?.value?.number !== undefined ? String(outputs.stage.value.number) : undefined;
        scenario ??= outputs.stage?.value?.scenario === "yaobank" ? "yaobank" : "helloworld";
        const kubeconfig = outputs.kubeconfig?.value;
        cluster = typeof kubeconfig === "string" && kubeconfig && !options.context ? KubeClusterApi.fromKubeconfigText(kubeconfig) : KubeClusterApi.fromDefault(options.context);
    } else {
        cluster = KubeClusterApi.fromDefault(options.context);
    }
    if (namespaces.length === 0) throw new Error("no lab namespace: pass --namespace or --stack of a deployed stack");
    scenario ??= namespaces.every((namespace) => namespace.startsWith(YAOBANK_NAMESPACE_PREFIX)) ? "yaobank" : "helloworld";
    const stage = stageValue !== undefined ? stageOf(scenario, stageValue) : undefined;
    if (stageValue !== undefined && !stage) {
        throw new Error(scenario === "yaobank"
            ? `--stage ${stageValue}: not a yaobank stage (0-4 or ${YAOBANK_STAGES.map((s) => s.name).join(", ")})`
            : `--stage ${stageValue}: not a stage (0-5 or cluster, helloworld, proxy, deny-all, allow-proxy, lockdown)`);
    }
    const log = options.quiet ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
    log(`verify: ${cluster.describe()}, ${namespaces.length === 1 ? "namespace" : "namespaces"} ${namespaces.join(", ")}${stage ? `, ${scenario === "yaobank" ? "yaobank " : ""}stage ${stage.number} (${stage.name})` : ""}`);

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
        namespace: namespaces,
        stage,
        stack: stackName,
        nodeAddress: options.nodeAddress,
        parallel: positiveInteger("--parallel", options.parallel),
        outsideHttp: options.fromNetns ? fromNetworkNamespace(options.fromNetns) : undefined,
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
