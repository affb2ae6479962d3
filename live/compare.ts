// The comparison: for every flow of the stage, what the stack intends (expected), what the
// analyzer predicts for the objects in the cluster (predicted), and what the probes saw
// (observed). A flow passes when all three agree. Pure: no I/O.
import type { FlowCheck } from "../scenarios/common/flows";
import type { ProbePlan } from "./plan";
import type { LegPrediction } from "./predict";
import { isPrediction } from "./predict";
import { legKey, Observation, Verdict } from "./types";

export type Mark = Verdict | "unknown";

export interface LegRow {
    probeId: string;
    /** The leg, or the end-to-end call for e2e probes. */
    description: string;
    predicted: Mark;
    observed: Mark;
    outcome: string;
    detail: string;
    attempts: number;
    stable: boolean;
    command: string;
    explanation?: string;
    differs: boolean;
}

/**
 * predicted-only: the flow agrees with the intent as far as anything can tell, but a leg has no
 * vantage point to probe it from (from outside the cluster straight to a pod); it does not fail
 * the verification and is reported as such.
 */
export type FlowStatus = "pass" | "observed-differs" | "predicted-differs" | "not-observed" | "predicted-only";

export interface FlowRow {
    id: string;
    description: string;
    expected: Verdict;
    predicted: Mark;
    observed: Mark;
    status: FlowStatus;
    /** Why the flow did not pass, in one line. */
    problem?: string;
    legs: LegRow[];
}

export interface Comparison {
    flows: FlowRow[];
    passed: boolean;
    /** predictedOnly: flows with a leg no probe can observe from anywhere (absent: none). */
    counts: { flows: number; passed: number; differences: number; notObserved: number; predictedOnly?: number };
}

/** All legs allowed -> allowed; any leg blocked -> blocked; otherwise unknown. */
function conjunction(marks: Mark[]): Mark {
    if (marks.some((mark) => mark === "blocked")) return "blocked";
    if (marks.length > 0 && marks.every((mark) => mark === "allowed")) return "allowed";
    return "unknown";
}

export function compare(_checks: FlowCheck[], plan: ProbePlan, predictions: Map<string, LegPrediction>, observations: Map<string, Observation>): Comparison {
    const probes = new Map(plan.probes.map((probe) => [probe.id, probe]));
    const flows = plan.flows.map(({ check, probeIds }): FlowRow => {
        const legPredictions = check.legs.map((leg) => predictions.get(legKey(leg)));
        const predicted = conjunction(legPredictions.map((p) => (isPrediction(p) ? p.verdict : "unknown")));
        const legs: LegRow[] = probeIds.map((probeId) => {
            const probe = probes.get(probeId)!;
            const prediction = probe.leg ? predictions.get(legKey(probe.leg)) : undefined;
            const observation = observations.get(probeId);
            // An end-to-end probe has no prediction of its own: it must agree with its flow's legs.
            const legPredicted: Mark = probe.leg ? (isPrediction(prediction) ? prediction.verdict : "unknown") : predicted;
            const observed: Mark = observation?.verdict ?? "unknown";
            return {
                probeId,
                description: probe.leg
                    ? probeId
                    : `end to end: ${probe.command.replace(/^curl -s --connect-timeout \d+ -X POST /, "POST ").replace(/^curl -s --connect-timeout \d+ (?=http)/, "GET ")}`,
                predicted: legPredicted,
                observed,
                outcome: observation?.outcome ?? "error",
                detail: observation?.detail ?? "not probed",
                attempts: observation?.attempts.length ?? 0,
                stable: observation?.stable ?? false,
                command: probe.command,
                explanation: isPrediction(prediction) ? prediction.explanation : prediction?.error,
                differs: false,
            };
        });
        const unprobeable = plan.unprobeable.filter((u) => check.legs.some((leg) => legKey(leg) === legKey(u.leg)));
        const observedMarks = legs.map((leg) => leg.observed);
        // A flow is observed only when every one of its legs was: a leg whose probe failed (an
        // `error`) or that no probe could reach leaves the flow unobserved, even when another
        // leg was seen blocked. A failed probe is never turned into a verdict.
        const failedProbes = legs.filter((leg) => leg.observed === "unknown");
        const observed = unprobeable.length > 0 || failedProbes.length > 0 ? "unknown" : conjunction(observedMarks);
        for (const leg of legs) leg.differs = leg.observed === "unknown" || (leg.predicted !== "unknown" && leg.observed !== leg.predicted);
        // Only legs nobody can probe are missing, and every probed leg agrees with its prediction.
        const predictedOnly = unprobeable.length > 0 && unprobeable.every((u) => u.predictedOnly) && !legs.some((leg) => leg.differs);

        let status: FlowStatus = "pass";
        let problem: string | undefined;
        const predictionErrors = legPredictions.filter((p) => p !== undefined && !isPrediction(p)).map((p) => (p as { error: string }).error);
        if (observed === "unknown" && predictedOnly && predicted !== "unknown") {
            status = predicted === check.expected ? "predicted-only" : "predicted-differs";
            problem =
                predicted === check.expected
                    ? `predicted only: ${unprobeable.map((u) => `${legKey(u.leg)} (${u.reason})`).join("; ")}`
                    : `the stack intends ${check.expected}, but the cluster's objects make it ${predicted} (${unprobeable.map((u) => legKey(u.leg)).join("; ")} cannot be probed)`;
        } else if (observed === "unknown") {
            status = "not-observed";
            problem = [
                ...(unprobeable.length > 0 ? [`not probeable: ${unprobeable.map((u) => `${legKey(u.leg)} (${u.reason})`).join("; ")}`] : []),
                ...(failedProbes.length > 0 ? [`probe failed: ${failedProbes.map((l) => l.detail).join("; ")}`] : []),
            ].join("; ");
        } else if (predicted === "unknown") {
            status = "predicted-differs";
            problem = `no prediction: ${predictionErrors.join("; ") || "the analyzer gave no verdict"}`;
        } else if (observed !== predicted) {
            status = "observed-differs";
            problem = `the analyzer predicts ${predicted} for the cluster's objects, the probes observed ${observed}`;
        } else if (predicted !== check.expected) {
            status = "predicted-differs";
            problem = `the stack intends ${check.expected}, but the cluster's objects make it ${predicted} (and it was observed so)`;
        } else if (legs.some((leg) => leg.differs)) {
            status = "observed-differs";
            problem = `legs disagree: ${legs
                .filter((l) => l.differs)
                .map((l) => `${l.probeId} predicted ${l.predicted}, observed ${l.observed}`)
                .join("; ")}`;
        }
        return { id: check.id, description: check.description, expected: check.expected, predicted, observed, status, problem, legs };
    });
    const passed = flows.every((flow) => flow.status === "pass" || flow.status === "predicted-only");
    const predictedOnly = flows.filter((f) => f.status === "predicted-only").length;
    return {
        flows,
        passed,
        counts: {
            flows: flows.length,
            passed: flows.filter((f) => f.status === "pass").length,
            differences: flows.filter((f) => f.status === "observed-differs" || f.status === "predicted-differs").length,
            notObserved: flows.filter((f) => f.status === "not-observed").length,
            ...(predictedOnly > 0 ? { predictedOnly } : {}),
        },
    };
}
