// The dataplane's side: every cell probed from the scenario's own pods (they run busybox with our
// nc) or from the outside network namespace. Probing goes in rounds: in each, every unsettled
// cell is attempted once, and a source pod's cells go in ONE exec (`nc -each` runs its TCP and
// UDP probes at once; other commands run beside it), so a round costs about one probe timeout
// whatever the number of cells. A cell is settled as live/probes.ts settles a probe: the last
// attempts agree and match the prediction, so a disagreeing cell is re-probed until the attempts
// run out before it counts (the re-probe before a disagreement is called one).
import type { ClusterApi } from "../../live/cluster";
import { errorText } from "../../live/error-text";
import type { OutsideHttp } from "../../live/outside-http";
import { shellCommand } from "../../live/plan";
import { PROBE_CONTAINER } from "../../live/probe-pods";
import { attemptHttp, classifyExec, observationOf, settled, sleep } from "../../live/probes";
import type { Attempt, Observation, ProbeAction, RetryPolicy, Verdict } from "../../live/types";
import type { Cell } from "./cells";
import { nodeAttempt } from "./node-probes";

export const DIFFERENTIAL_RETRY: RetryPolicy = { timeoutSeconds: 1, maxAttempts: 5, intervalMs: 200, stableCount: 2 };

export interface ObserveOptions {
    retry: RetryPolicy;
    /** Source pods (and world probes) in flight at once. */
    parallel: number;
    outsideHttp: OutsideHttp;
    /** The node's address: the source of the node's own probes (node-probes.ts). */
    nodeAddress: string;
    /** Makes one node probe attempt; default node-probes.ts nodeAttempt (the tests' fake data plane gives its own). */
    nodeProbe?: typeof nodeAttempt;
    signal?: AbortSignal;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

const viaNc = (action: ProbeAction): action is Extract<ProbeAction, { kind: "tcp" | "udp" }> => action.kind === "tcp" || action.kind === "udp";

/**
 * One shell command that runs every action at once and prints one line per action: TCP and UDP
 * through `nc -each` (scripts/cluster/images/nc), whose lines come out as `@@n<k> <exit> <text>`
 * for its k-th probe, anything else (nslookup) as a background job of its own printing
 * `@@<index> <exit> <text>`. parseBatch reads it back.
 */
export function batchCommand(actions: readonly ProbeAction[], timeoutSeconds: number): string[] {
    const lines = ["set -f"];
    actions.forEach((action, i) => {
        if (!viaNc(action)) lines.push(`( o=$(${shellCommand(action, timeoutSeconds).map(quote).join(" ")} 2>&1); r=$?; echo "@@${i} $r" $o ) &`);
    });
    const probes = actions.filter(viaNc).map((a) => quote(`${a.kind}:${a.address}:${a.port}`));
    // /bin/nc by path: busybox's sh runs its own applet for a bare `nc` (standalone shell), and that one has no -each.
    if (probes.length > 0) lines.push(`( /bin/nc -w ${timeoutSeconds} -each ${probes.join(" ")} 2>&1 | sed 's/^@@/@@n/' ) &`);
    lines.push("wait");
    return ["sh", "-c", lines.join("\n")];
}

/** Reads batchCommand's output back: per action, its exit code and output, or undefined when no line came. */
export function parseBatch(output: string, actions: readonly ProbeAction[]): ({ exitCode: number; output: string } | undefined)[] {
    const ncIndex = actions.flatMap((action, i) => (viaNc(action) ? [i] : []));
    const results: ({ exitCode: number; output: string } | undefined)[] = actions.map(() => undefined);
    for (const line of output.split("\n")) {
        const match = /^@@(n?)(\d+) (-?\d+) ?(.*)$/.exec(line.trim());
        if (!match) continue;
        const index = match[1] ? ncIndex[Number(match[2])] : Number(match[2]);
        if (index !== undefined && index < actions.length) results[index] = { exitCode: Number(match[3]), output: match[4] };
    }
    return results;
}

/** One round's attempt of every given cell of one source pod, in one exec. */
async function attemptPodCells(cluster: ClusterApi, cells: readonly Cell[], retry: RetryPolicy): Promise<Attempt[]> {
    const started = Date.now();
    const origin = cells[0].probe.origin;
    if (origin.kind !== "pod") throw new Error("attemptPodCells: cells from a pod only");
    const actions = cells.map((cell) => cell.probe.actions[0]);
    const failAll = (detail: string) => cells.map(() => ({ outcome: "error" as const, detail, elapsedMs: Date.now() - started }));
    const pod = await cluster.getPod(origin.namespace, origin.workload);
    if (pod?.phase !== "Running") return failAll(`pod ${origin.namespace}/${origin.workload} is not running (${pod?.phase ?? "missing"})`);
    try {
        const result = await cluster.exec(
            origin.namespace,
            origin.workload,
            PROBE_CONTAINER,
            batchCommand(actions, retry.timeoutSeconds),
            (retry.timeoutSeconds + 10) * 1000,
        );
        const lines = parseBatch(result.stdout, actions);
        return lines.map((line, i) =>
            line
                ? { ...classifyExec(actions[i], line.exitCode, line.output), elapsedMs: Date.now() - started }
                : {
                      outcome: "error" as const,
                      detail: `the batch printed no result for this probe (exit ${result.exitCode}): ${`${result.stdout} ${result.stderr}`.trim().slice(0, 160)}`,
                      elapsedMs: Date.now() - started,
                  },
        );
    } catch (error) {
        return failAll(`exec in ${origin.namespace}/${origin.workload} failed: ${errorText(error)}`);
    }
}

/** Runs jobs with at most `limit` in flight. */
async function inFlight<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < jobs.length; i = next++) results[i] = await jobs[i]();
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
    return results;
}

export async function observeCells(
    cluster: ClusterApi,
    cells: readonly Cell[],
    predicted: Map<string, Verdict | undefined>,
    options: ObserveOptions,
): Promise<Map<string, Observation>> {
    const { retry } = options;
    // The world's probes: one HTTP request each, as verify's runner makes it (live/probes.ts attemptHttp).
    const worldAttempt = async (action: ProbeAction): Promise<Attempt> => {
        const started = Date.now();
        if (action.kind !== "http") return { outcome: "error", detail: `${action.kind} probes are not made from the world`, elapsedMs: 0 };
        return { ...(await attemptHttp(action, retry.timeoutSeconds * 1000 + 500, options.outsideHttp)), elapsedMs: Date.now() - started };
    };
    const attempts = new Map<string, Attempt[]>(cells.map((cell) => [cell.id, []]));
    let pending = [...cells];
    for (let round = 0; round < retry.maxAttempts && pending.length > 0 && !options.signal?.aborted; round++) {
        if (round > 0) await sleep(retry.intervalMs, options.signal);
        const bySource = new Map<string, Cell[]>();
        const jobs: (() => Promise<void>)[] = [];
        for (const cell of pending) {
            const origin = cell.probe.origin;
            if (origin.kind === "pod" && cell.probe.actions.length === 1) {
                const key = `${origin.namespace}/${origin.workload}`;
                bySource.set(key, [...(bySource.get(key) ?? []), cell]);
            } else if (origin.kind === "node") {
                jobs.push(async () => {
                    attempts.get(cell.id)!.push(await (options.nodeProbe ?? nodeAttempt)(cell.probe.actions[0], options.nodeAddress, retry.timeoutSeconds));
                });
            } else {
                jobs.push(async () => {
                    attempts.get(cell.id)!.push(await worldAttempt(cell.probe.actions[0]));
                });
            }
        }
        for (const group of bySource.values()) {
            jobs.push(async () => {
                const results = await attemptPodCells(cluster, group, retry);
                group.forEach((cell, i) => attempts.get(cell.id)!.push(results[i]));
            });
        }
        await inFlight(jobs, options.parallel);
        pending = pending.filter((cell) => !settled(attempts.get(cell.id)!, predicted.get(cell.id), retry));
    }
    return new Map(cells.map((cell) => [cell.id, observationOf(cell.id, attempts.get(cell.id)!, retry)]));
}
