// One trial: bring the cluster to a scenario (from whatever version of it is deployed), wait for
// its pods and for Felix, read it back, predict and probe its cells, and judge each. The full
// run and every shrinking candidate are trials; a trial may be limited to some cells.
import type { ClusterApi } from "../../live/cluster";
import type { OutsideHttp } from "../../live/outside-http";
import type { RetryPolicy, Verdict } from "../../live/types";
import { scenarioCells } from "./cells";
import { CellResult, judge } from "./compare";
import type { Sentinels } from "./converge";
import { cellFeatures, featureIndex } from "./coverage";
import type { Deployer, Refusal } from "./deploy";
import { observeCells, ObserveOptions } from "./observe";
import { predictCells, readScenarioBack } from "./predict";
import type { PlainObject } from "../../live/cluster";
import type { Scenario } from "./scenario";

export interface TrialEnvironment {
    cluster: ClusterApi;
    deployer: Deployer;
    sentinels: Sentinels;
    outsideHttp: OutsideHttp;
    nodeAddress: string;
    /** Default node-probes.ts nodeAttempt. */
    nodeProbe?: ObserveOptions["nodeProbe"];
    retry: RetryPolicy;
    parallel: number;
    podStartTimeoutMs: number;
    signal?: AbortSignal;
    log: (line: string) => void;
    /** Called once Felix has converged on the scenario (the runner starts the next scenario's pods then). */
    afterConverge?: () => void;
}

/** Seconds spent per phase of a trial. */
export interface Timings {
    apply: number;
    converge: number;
    predict: number;
    probe: number;
    clean?: number;
}

export interface TrialResult {
    results: CellResult[];
    refusals: Refusal[];
    /** Why cells could not be observed at all (pods not running, Felix never converged). */
    problems: string[];
    timings: Timings;
    /** The objects the analyzer judged (read back), for a reproduction. */
    objects: PlainObject[];
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

export async function runTrial(
    env: TrialEnvironment,
    deployed: Scenario | undefined,
    scenario: Scenario,
    only?: (cellId: string) => boolean,
): Promise<TrialResult> {
    const problems: string[] = [];
    let t = Date.now();
    const refusals = await env.deployer.sync(deployed, scenario);
    for (const refusal of refusals) env.log(`  refused by the API server: ${refusal.object}: ${refusal.message}`);
    const { notRunning } = await env.deployer.waitRunning(scenario, env.podStartTimeoutMs);
    if (notRunning.length > 0) problems.push(`pods not running: ${notRunning.join(", ")}`);
    const apply = seconds(t);

    t = Date.now();
    const converged = await env.sentinels.converge();
    if (!converged.ok) problems.push(`Felix did not converge: ${converged.detail}`);
    const converge = seconds(t);
    env.afterConverge?.();

    t = Date.now();
    const back = await readScenarioBack(env.cluster, scenario, env.nodeAddress);
    const cells = scenarioCells(scenario, back.facts).filter((cell) => !only || only(cell.id));
    const answers = predictCells(back.objects, back.nodes, cells);
    const predict = seconds(t);

    t = Date.now();
    const predicted = new Map<string, Verdict | undefined>([...answers].map(([id, answer]) => [id, "verdict" in answer ? answer.verdict : undefined]));
    // Cells of a scenario that never converged are not probed: whatever they showed would not be about these policies.
    const observations = converged.ok
        ? await observeCells(env.cluster, cells, predicted, {
              retry: env.retry,
              parallel: env.parallel,
              outsideHttp: env.outsideHttp,
              nodeAddress: env.nodeAddress,
              nodeProbe: env.nodeProbe,
              signal: env.signal,
          })
        : new Map();
    const probe = seconds(t);

    const index = featureIndex(scenario.objects);
    const results = cells.map((cell) => {
        const answer = answers.get(cell.id);
        const features = cellFeatures(
            cell.kind,
            cell.query.protocol,
            answer && "verdictOfAnalyzer" in answer ? answer.verdictOfAnalyzer : undefined,
            index,
            scenario.host,
        );
        const prediction = answer && "verdict" in answer ? { verdict: answer.verdict, reason: answer.reason } : answer;
        return judge(cell, prediction, observations.get(cell.id), features);
    });
    return { results, refusals, problems, timings: { apply, converge, predict, probe }, objects: back.objects };
}
