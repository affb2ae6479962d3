// Live verification of one stage: read the intent and the objects back from the cluster,
// predict each leg with the analyzer, probe each leg (and the lab's end-to-end call), compare,
// and always delete the probe pods.
import { OTHER_NAMESPACE_WORKLOAD } from "../scenarios/common/flows";
import { defaultScenario, findScenario, SCENARIOS } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import type { ClusterApi, NodeInfo, PlainObject } from "./cluster";
import { compare, Comparison } from "./compare";
import { buildProbePlan, ProbePlan } from "./plan";
import { analyzerPredictor, Predictor } from "./predict";
import { CleanupReport, DEFAULT_PROBE_POD_OPTIONS, deleteStaleProbePods, ProbePodOptions, ProbePods } from "./probe-pods";
import type { OutsideHttp } from "./outside-http";
import { ProbeRunner } from "./probes";
import { clusterFacts, INTENT, Intent, IntentError, namespaceList, readBack, readIntent, runningImageDigests } from "./readback";
import { DEFAULT_RETRY, legKey, Observation, ProbeWaits, RetryPolicy } from "./types";
import { isPrediction } from "./predict";

export interface VerifyOptions {
    /**
     * The lab's namespace(s): one (helloworld) or several (yaobank's three), or comma-separated.
     * The intent ConfigMap is looked for in each; objects are read back from all of them.
     */
    namespace: string | readonly string[];
    /**
     * The stage to verify (from --stage or the stack); it must be the stage the cluster's intent
     * ConfigMap declares (stageOfIntent). Unset: the intent's own stage.
     */
    stage?: { number: number; name: string };
    stack?: string;
    nodeAddress?: string;
    /** How many probes run at a time (default 1: one after the other). */
    parallel?: number;
    /** Where HTTP probes from outside the cluster run (e.g. a network namespace); default this machine. */
    outsideHttp?: OutsideHttp;
    retry?: Partial<RetryPolicy>;
    probePods?: Partial<ProbePodOptions>;
    /** Per-action timeouts (HTTP, exec); default from retry.timeoutSeconds. */
    waits?: ProbeWaits;
    predictor?: Predictor;
    signal?: AbortSignal;
    /** Where the scenario the intent names is found (default scenarios/registry.ts). */
    scenarios?: readonly Scenario[];
    /** Progress lines (probe started / observed). */
    log?: (line: string) => void;
    /** Receives the probe pods as soon as they exist, so a signal handler can clean them up. */
    onProbePods?: (pods: ProbePods) => void;
    /** Receives the objects read back from the cluster (redacted, as the result is) and its nodes: the HTML report draws them. */
    onReadBack?: (objects: PlainObject[], nodes: NodeInfo[]) => void;
}

export interface VerificationResult {
    stack?: string;
    stage?: { number: number; name: string };
    /** The lab's namespaces, comma-separated (one for helloworld). */
    namespace: string;
    namespaces: string[];
    /** Where the intent ConfigMap was found. */
    intentNamespace?: string;
    startedAt: string;
    finishedAt: string;
    passed: boolean;
    interrupted: boolean;
    comparison: Comparison;
    calicoSource: string;
    fromBaseline: string[];
    /** Pinned digests of the images running in the lab namespaces (workload/container -> image@sha256). */
    imageDigests: Record<string, string>;
    cleanup: CleanupReport;
    plan: ProbePlan;
}

/**
 * For tests only: LAB_VERIFY_TEST_WAITS="httpTimeoutMs=150,execTimeoutMs=2000,pollIntervalMs=5,startTimeoutMs=2000"
 * shortens the waits the CLI has no flag for, so `npm run verify` can be tested as a child process
 * against a fake API on loopback in milliseconds. Unset (always, against a real cluster): the
 * defaults. Options given to verifyStage win over it; a malformed value is an error, never ignored.
 */
export const TEST_WAITS_VARIABLE = "LAB_VERIFY_TEST_WAITS";

const TEST_WAIT_KEYS = ["httpTimeoutMs", "execTimeoutMs", "pollIntervalMs", "startTimeoutMs"] as const;

export function waitsFromEnvironment(env: NodeJS.ProcessEnv = process.env): { waits: ProbeWaits; probePods: Partial<ProbePodOptions> } {
    const text = env[TEST_WAITS_VARIABLE]?.trim();
    const values: Partial<Record<(typeof TEST_WAIT_KEYS)[number], number>> = {};
    for (const entry of text ? text.split(",") : []) {
        const [key, value, ...rest] = entry.split("=").map((part) => part.trim());
        const number = Number(value);
        if (!(TEST_WAIT_KEYS as readonly string[]).includes(key) || rest.length > 0 || !value || !Number.isFinite(number) || number <= 0) {
            throw new Error(
                `${TEST_WAITS_VARIABLE}: "${entry}" is not <name>=<milliseconds> with a name of ${TEST_WAIT_KEYS.join(", ")} (it is for tests; unset it)`,
            );
        }
        values[key as (typeof TEST_WAIT_KEYS)[number]] = number;
    }
    const defined = <T extends object>(object: T): Partial<T> =>
        Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
    return {
        waits: defined({ httpTimeoutMs: values.httpTimeoutMs, execTimeoutMs: values.execTimeoutMs }),
        probePods: defined({ pollIntervalMs: values.pollIntervalMs, startTimeoutMs: values.startTimeoutMs }),
    };
}

/** A stage mismatch between what the user (or the stack) asked and what the cluster declares: exit 2. */
export class StageMismatchError extends IntentError {}

/**
 * The stage verified: the one asked for, which must be the one the cluster's intent ConfigMap
 * declares (else the flows probed would be another stage's and a PASS would be of the wrong
 * stage); or, when none is asked for, the intent's own.
 * @throws StageMismatchError when they differ, or a stage is asked and the intent does not state its own.
 */
export function stageOfIntent(asked: { number: number; name: string } | undefined, intent: Intent): { number: number; name: string } | undefined {
    const declared = intent.stage;
    const where = `ConfigMap ${intent.namespace ?? "?"}/${INTENT.configMap}`;
    if (!asked) return declared ? { number: declared.number, name: declared.name } : undefined;
    if (!declared) {
        throw new StageMismatchError(
            `--stage ${asked.number} (${asked.name}) cannot be checked: ${where} does not state its stage (written before ${INTENT.stageKey} existed). Run \`pulumi up\` once to declare it, or verify without --stage`,
        );
    }
    if (declared.number !== asked.number || declared.name !== asked.name) {
        throw new StageMismatchError(
            `the cluster runs ${declared.scenario} stage ${declared.number} (${declared.name}) (${where}), not stage ${asked.number} (${asked.name}): \`pulumi up\` that stage first, or verify --stage ${declared.number}`,
        );
    }
    return asked;
}

/**
 * The exit code of a verification (docs/walkthrough.md, "Exit codes"): 0 every flow agrees;
 * 1 a flow differs; 2 nothing differs but the verification is incomplete (a flow not observed,
 * a probe pod left behind); 130 interrupted.
 */
export function verificationExitCode(result: VerificationResult): 0 | 1 | 2 | 130 {
    if (result.interrupted) return 130;
    if (result.passed) return 0;
    return result.comparison.counts.differences > 0 ? 1 : 2;
}

const VERDICT_OF_EXIT = { 0: "passed", 1: "failed", 2: "not observed", 130: "interrupted" } as const;

/** The verification in a word, as the walk and the reports say it (verificationExitCode's meaning). */
export function verificationVerdict(result: VerificationResult): (typeof VERDICT_OF_EXIT)[keyof typeof VERDICT_OF_EXIT] {
    return VERDICT_OF_EXIT[verificationExitCode(result)];
}

/**
 * Verifies one stage. Nothing it returns or logs carries a credential of the cluster's
 * kubeconfig: with a cluster that has a redactor (KubeClusterApi), progress lines and the whole
 * result are redacted, so every report and record made from it is too.
 * @throws IntentError (no or unreadable intent, StageMismatchError), ClusterUnreachableError (the API server does not answer).
 */
export async function verifyStage(cluster: ClusterApi, options: VerifyOptions): Promise<VerificationResult> {
    const redact = <T>(value: T): T => cluster.redactor?.deep(value) ?? value;
    const log = (line: string) => options.log?.(redact(line));
    const startedAt = new Date().toISOString();
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const fromEnvironment = waitsFromEnvironment();
    const neighbourNamespace = OTHER_NAMESPACE_WORKLOAD.split("/")[0];

    const namespaces = namespaceList(options.namespace);
    if (namespaces.length === 0) throw new Error("no lab namespace given");

    const intent = await readIntent(cluster, namespaces);
    const stage = stageOfIntent(options.stage, intent);
    const back = await readBack(cluster, namespaces, intent);
    options.onReadBack?.(redact(back.objects), back.nodes);
    const facts = clusterFacts(back, options.nodeAddress);
    // The intent's stage.yaml names its scenario; an intent written before it did is the default scenario's.
    const scenarios = options.scenarios ?? SCENARIOS;
    const scenario = (intent.stage && findScenario(intent.stage.scenario, scenarios)) || defaultScenario(scenarios);
    const plan = buildProbePlan(intent.checks, facts, scenario.edge);
    const legs = intent.checks.flatMap((check) => check.legs);
    const predictions = (options.predictor ?? analyzerPredictor)(back.objects, legs, back.nodes);

    // Every namespace a probe pod may be created in: the lab's, the neighbour's, the probes' origins.
    const probeNamespaces = [
        ...new Set([...namespaces, neighbourNamespace, ...plan.probes.flatMap((probe) => (probe.origin.kind === "pod" ? [probe.origin.namespace] : []))]),
    ];
    const owner = [...namespaces].sort()[0]!;
    const stale = await deleteStaleProbePods(cluster, probeNamespaces, owner);
    if (stale.length > 0) log(`deleted probe pods left by an earlier run: ${stale.join(", ")}`);

    const pods = new ProbePods(cluster, { ...DEFAULT_PROBE_POD_OPTIONS, ...fromEnvironment.probePods, ...options.probePods, owner, signal: options.signal });
    options.onProbePods?.(pods);
    const runner = new ProbeRunner(cluster, pods, {
        retry,
        ...fromEnvironment.waits,
        ...options.waits,
        outsideHttp: options.outsideHttp,
        signal: options.signal,
    });
    const observations = new Map<string, Observation>();
    let cleanup: CleanupReport;
    try {
        const queue = [...plan.probes];
        const probeNext = async () => {
            for (let probe = queue.shift(); probe && !options.signal?.aborted; probe = queue.shift()) {
                const prediction = probe.leg ? predictions.get(legKey(probe.leg)) : undefined;
                // An end-to-end call is predicted allowed when every leg of its flow is.
                const flow = plan.flows.find((f) => f.probeIds.includes(probe!.id));
                const e2ePredicted =
                    !probe.leg && flow
                        ? flow.check.legs.every((leg) => {
                              const p = predictions.get(legKey(leg));
                              return isPrediction(p) && p.verdict === "allowed";
                          })
                            ? "allowed"
                            : "blocked"
                        : undefined;
                const predicted = isPrediction(prediction) ? prediction.verdict : e2ePredicted;
                log(`probe ${probe.id} ...`);
                const observation = await runner.run(probe, predicted);
                observations.set(probe.id, observation);
                log(
                    `  ${probe.id}: ${observation.outcome} after ${observation.attempts.length} attempt(s)${observation.stable ? "" : " (not stable)"}: ${observation.detail}`,
                );
            }
        };
        // Probes are independent (each leg from its own probe pod); `parallel` of them at a time.
        await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 1, queue.length)) }, probeNext));
    } finally {
        cleanup = await pods.cleanup();
    }
    const comparison = compare(intent.checks, plan, predictions, observations);
    const interrupted = options.signal?.aborted ?? false;
    return redact({
        stack: options.stack,
        stage,
        namespace: namespaces.join(","),
        namespaces,
        intentNamespace: intent.namespace,
        startedAt,
        finishedAt: new Date().toISOString(),
        passed: comparison.passed && !interrupted && cleanup.leftovers.length === 0,
        interrupted,
        comparison,
        calicoSource: back.calicoSource,
        fromBaseline: back.fromBaseline,
        imageDigests: runningImageDigests(back, namespaces),
        cleanup,
        plan,
    });
}
