// The dataplane's side: every cell probed through live/probes.ts's ProbeRunner, from the
// scenario's own pods (they run busybox with nc) or from the outside network namespace. Each
// probe is bounded by the retry policy's timeout; a cell whose probe disagrees with the
// prediction is attempted again until the attempts agree or run out (the re-probe before a
// disagreement is called one).
import type { ClusterApi, PodInfo } from "../../live/cluster";
import type { OutsideHttp } from "../../live/outside-http";
import { ProbePodError } from "../../live/probe-pods";
import { ProbePodSource, ProbeRunner } from "../../live/probes";
import type { Observation, RetryPolicy, Verdict } from "../../live/types";
import type { Cell } from "./cells";

export const DIFFERENTIAL_RETRY: RetryPolicy = { timeoutSeconds: 2, maxAttempts: 5, intervalMs: 500, stableCount: 2 };

/** The scenario's pods are the probe pods: a request names the pod by its workload name. */
export function scenarioPods(cluster: ClusterApi): ProbePodSource {
    return {
        async get(request): Promise<PodInfo> {
            const pod = await cluster.getPod(request.namespace, request.workload);
            if (pod?.phase !== "Running") throw new ProbePodError(request.workload, `pod ${request.namespace}/${request.workload} is not running (${pod?.phase ?? "missing"})`);
            return pod;
        },
    };
}

export interface ObserveOptions {
    retry: RetryPolicy;
    parallel: number;
    outsideHttp: OutsideHttp;
    signal?: AbortSignal;
}

export async function observeCells(cluster: ClusterApi, cells: readonly Cell[], predicted: Map<string, Verdict | undefined>, options: ObserveOptions): Promise<Map<string, Observation>> {
    const runner = new ProbeRunner(cluster, scenarioPods(cluster), { retry: options.retry, outsideHttp: options.outsideHttp, signal: options.signal });
    const observations = new Map<string, Observation>();
    const queue = [...cells];
    const next = async () => {
        for (let cell = queue.shift(); cell && !options.signal?.aborted; cell = queue.shift()) {
            observations.set(cell.id, await runner.run(cell.probe, predicted.get(cell.id)));
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, queue.length)) }, next));
    return observations;
}
