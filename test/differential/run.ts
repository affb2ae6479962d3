// npm run test:differential: Calico is the oracle. Random scenarios (generator.ts) are deployed
// on the real cluster, every cell probed and predicted by the analyzer from the objects read
// back, each disagreement shrunk to a minimal reproduction. README.md beside this file.
// Exit 0: every cell agreed; 1: a disagreement, a cell not observed or an object refused;
// 2: a usage error or a cluster the tier cannot use; 130: interrupted.
import * as fs from "fs";
import * as path from "path";
import { KubeClusterApi } from "../../live/cluster";
import { fromNetworkNamespace } from "../../live/outside-http";
import type { CellResult } from "./compare";
import { Sentinels } from "./converge";
import { Deployer } from "./deploy";
import { felixNotReady } from "./felix";
import { generateScenario } from "./generator";
import { DIFFERENTIAL_RETRY } from "./observe";
import { parseOptions, readClusterDescription, UsageError } from "./options";
import { buildReport, exitCode, formatReport, Reproduction, ScenarioReport, scenarioReport, writeReport, writeReproduction } from "./report";
import { startNodeListener } from "./node-probes";
import { ADDRESSES, fromYaml, NODE_PORTS, Scenario } from "./scenario";
import { shrink } from "./shrink";
import { runTrial, TrialEnvironment } from "./trial";

const say = (line: string) => process.stdout.write(`[differential] ${line}\n`);
const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** One shrink per kind of disagreement per run: the same class found again adds cells, not minutes. */
function signature(result: CellResult): string {
    return `${result.kind} ${result.query.protocol}: predicted ${result.predicted}, observed ${result.observed}`;
}

async function main(): Promise<number> {
    const options = parseOptions(process.env);
    if (process.getuid?.() !== 0) throw new UsageError("must run as root: the world's probes run in the cluster's outside network namespace (ip netns exec)");
    const description = readClusterDescription(options.clusterEnv);
    if (description.podCidr && description.podCidr !== ADDRESSES.podCidr) {
        throw new UsageError(
            `the cluster's pod CIDR is ${description.podCidr}; the generator writes nets for ${ADDRESSES.podCidr} (test/differential/scenario.ts ADDRESSES)`,
        );
    }
    const cluster = KubeClusterApi.fromSource({
        text: fs.readFileSync(description.kubeconfig, "utf8"),
        context: description.context,
        origin: description.kubeconfig,
    });
    if (description.nodeAddress !== ADDRESSES.nodeAddress) {
        throw new UsageError(
            `the cluster's node address is ${description.nodeAddress}; the generator writes nets for ${ADDRESSES.nodeAddress} (test/differential/scenario.ts ADDRESSES)`,
        );
    }
    const deployer = new Deployer(cluster.kubeConfig, cluster, description.probeImage, undefined, description.hostEndpoint);
    const outsideHttp = fromNetworkNamespace(description.outsideNetns);
    const sentinels = new Sentinels(cluster, deployer, outsideHttp, description.probeImage);
    const controller = new AbortController();
    let interrupts = 0;
    // Ctrl-C, or CI's time limit (SIGTERM): the scenario in flight and the sentinels are removed first.
    const stop = (signal: string) => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        say(`${signal}: cleaning up (${signal} again to leave at once)`);
        controller.abort();
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    const env: TrialEnvironment = {
        cluster,
        deployer,
        sentinels,
        outsideHttp,
        nodeAddress: description.nodeAddress,
        retry: DIFFERENTIAL_RETRY,
        parallel: options.parallel,
        podStartTimeoutMs: 120_000,
        signal: controller.signal,
        log: say,
    };
    const startedAt = new Date().toISOString();
    const scenarios: Scenario[] = options.scenarioFile
        ? [fromYaml(fs.readFileSync(options.scenarioFile, "utf8"), options.scenarioFile)]
        : Array.from({ length: options.scenarios }, (_, i) => generateScenario(options.seed + i));
    const done: { report: ScenarioReport; results: CellResult[] }[] = [];
    const reproductions: Reproduction[] = [];
    const shrunk = new Set<string>();
    const namespaces: string[] = [];
    let prepared: Promise<void> | undefined;
    let preparedFor: Scenario | undefined;

    say(`cluster ${cluster.describe()}, node ${description.nodeAddress}, world netns ${description.outsideNetns}, image ${description.probeImage}`);
    const leftovers = await deployer.removeLeftovers();
    if (leftovers.length > 0) say(`removed what an earlier run left: ${leftovers.join(", ")}`);
    const nodeListener = await startNodeListener(description.nodeAddress, [NODE_PORTS.open, NODE_PORTS.failsafe], description.nodeName ?? "").catch(
        (error: unknown) => {
            throw new UsageError(error instanceof Error ? error.message : String(error));
        },
    );
    try {
        await sentinels.setUp();
        // The next scenario's pods start while this one is probed: they are in namespaces of their
        // own, and no cell of this scenario names them (README, "One scenario, step by step").
        for (const [index, scenario] of scenarios.entries()) {
            if (controller.signal.aborted) break;
            await prepared;
            preparedFor = undefined;
            const next = scenarios[index + 1];
            const prepareNext = () => {
                if (!next) return;
                preparedFor = next;
                prepared = deployer.createWorkloads(next).catch(() => undefined);
            };
            say(
                `${scenario.name} (seed ${scenario.seed}): ${scenario.namespaces.length} namespaces, ${scenario.pods.length} pods, ${scenario.services.length} services, ${scenario.objects.length} policies and sets`,
            );
            namespaces.push(...scenario.namespaces.map((namespace) => namespace.name));
            let deployed: Scenario = scenario;
            try {
                const trial = await runTrial({ ...env, afterConverge: prepareNext }, undefined, scenario);
                const report = scenarioReport(scenario, trial.results, trial.timings, trial.refusals, trial.problems);
                const felixDown =
                    trial.problems.some((problem) => problem.startsWith("Felix did not converge")) && description.felixReadiness
                        ? await felixNotReady(description.felixReadiness)
                        : undefined;
                if (felixDown) {
                    // Nothing after this is observable: stop here, with the reason, instead of N scenarios "not observed".
                    const why = `Felix is not ready: ${felixDown}${description.felixLog ? `; its log: ${description.felixLog}` : ""}`;
                    report.problems.push(`${why}; the run stopped here`);
                    say(`  ${why}: stopping the run (the rest would not be observed)`);
                    await deployer.remove(deployed).catch(() => undefined);
                    done.push({ report, results: trial.results });
                    break;
                }
                say(
                    `  ${report.counts.cells} cells: ${report.counts.agree} agree, ${report.counts.disagree} disagree, ${report.counts.notObserved} not observed, ${report.counts.notPredicted} not predicted`,
                );
                for (const result of trial.results.filter((r) => r.status === "disagree")) {
                    say(`  DISAGREE ${result.id}: predicted ${result.predicted}, observed ${result.observed} (${result.reason})`);
                    const kind = signature(result);
                    if (options.shrinkTrials === 0 || shrunk.has(kind) || controller.signal.aborted) continue;
                    shrunk.add(kind);
                    let last = { result, objects: trial.objects };
                    const started = Date.now();
                    const outcome = await shrink(
                        scenario,
                        result.query,
                        async (candidate) => {
                            if (controller.signal.aborted) return false;
                            const attempt = await runTrial(env, deployed, candidate, (id) => id === result.id);
                            deployed = candidate;
                            const same = attempt.results.find((r) => r.id === result.id);
                            if (same?.status !== "disagree" || same.predicted !== result.predicted) return false;
                            last = { result: same, objects: attempt.objects };
                            return true;
                        },
                        options.shrinkTrials,
                        say,
                    );
                    const directory = path.join(
                        options.out,
                        "reproductions",
                        `${scenario.name}-${result.kind}-${result.predicted}-observed-${result.observed}`,
                    );
                    writeReproduction(directory, outcome.scenario, last.result, last.objects);
                    reproductions.push({
                        directory,
                        cell: result.id,
                        predicted: result.predicted,
                        observed: result.observed,
                        seed: scenario.seed,
                        trials: outcome.trials,
                        steps: outcome.steps,
                    });
                    say(`  minimal reproduction (${outcome.steps.length} cuts, ${outcome.trials} trials, ${seconds(started)} s): ${directory}`);
                }
                // Deletion requested, not awaited: namespaces are the scenario's own (df-<seed>-...), and
                // the next trial's convergence proves Felix has processed the deleted policies and sets.
                // The run waits for the namespaces to be gone at its end.
                const t = Date.now();
                await deployer.remove(deployed);
                report.timings.clean = seconds(t);
                done.push({ report, results: trial.results });
            } catch (error) {
                await deployer.remove(deployed).catch(() => undefined);
                throw error;
            }
        }
    } finally {
        if (preparedFor) {
            // Started but never run (interrupted, or a trial failed): its pods go too.
            const left = preparedFor;
            namespaces.push(...left.namespaces.map((namespace) => namespace.name));
            await prepared;
            await deployer.remove(left).catch((error: unknown) => say(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
        }
        await sentinels.tearDown().catch((error: unknown) => say(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
        await nodeListener.close();
        const left = await deployer.waitGone([...namespaces, "df-sentinel"], 120_000);
        if (left.length > 0) say(`cleanup: namespaces still terminating after 120 s: ${left.join(", ")}`);
    }
    const report = buildReport(startedAt, options.seed, done, reproductions);
    const file = writeReport(options.out, report);
    process.stdout.write(`${formatReport(report, file)}\n`);
    if (controller.signal.aborted) return 130;
    return exitCode(report);
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`[differential] ${error instanceof UsageError ? "usage" : "error"}: ${message}\n`);
        process.exit(2);
    },
);
