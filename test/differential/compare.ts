// Predicted against observed, one cell at a time. A cell agrees when the analyzer's verdict is
// the one the dataplane showed; it is "not observed" when no probe saw a policy verdict (the
// probe failed, nobody answered, or the attempts never settled), never a verdict of its own.
import type { ConnectionQuery, Observation, Outcome, Verdict } from "../../live/types";
import type { Cell, CellKind } from "./cells";

export type CellStatus = "agree" | "disagree" | "not-observed" | "not-predicted";

export interface CellPrediction {
    verdict: Verdict;
    reason: string;
}

export interface CellResult {
    id: string;
    kind: CellKind;
    query: ConnectionQuery;
    status: CellStatus;
    predicted?: Verdict;
    observed?: Verdict;
    outcome?: Outcome;
    /** The analyzer's reason, or why it gave none. */
    reason: string;
    /** What the last probe attempt saw. */
    detail: string;
    attempts: number;
    command: string;
    /** Features of the policies and rules that decided the cell (coverage.ts). */
    features: string[];
}

/**
 * What an outcome says about policy. Timeouts are drops (Calico and NetworkPolicy drop, they do
 * not reject). A refusal, a wrong answer or a failed probe says nothing about policy: every cell
 * has a listener, so a refusal is a broken setup, not a verdict.
 */
export const POLICY_VERDICT: Record<Outcome, Verdict | undefined> = {
    allowed: "allowed",
    "tcp-timeout": "blocked",
    "udp-timeout": "blocked",
    "dns-timeout": "blocked",
    "tcp-refused": undefined,
    "dns-failure": undefined,
    "http-error": undefined,
    error: undefined,
};

export function judge(
    cell: Cell,
    prediction: CellPrediction | { error: string } | undefined,
    observation: Observation | undefined,
    features: string[] = [],
): CellResult {
    const observed = observation?.stable ? POLICY_VERDICT[observation.outcome] : undefined;
    const predicted = prediction && "verdict" in prediction ? prediction.verdict : undefined;
    const status: CellStatus =
        observed === undefined ? "not-observed" : predicted === undefined ? "not-predicted" : predicted === observed ? "agree" : "disagree";
    const unsettled = observation && !observation.stable ? " (attempts never agreed)" : "";
    return {
        id: cell.id,
        kind: cell.kind,
        query: cell.query,
        status,
        ...(predicted ? { predicted } : {}),
        ...(observed ? { observed } : {}),
        ...(observation ? { outcome: observation.outcome } : {}),
        reason: prediction === undefined ? "no prediction" : "verdict" in prediction ? prediction.reason : prediction.error,
        detail: observation ? `${observation.detail}${unsettled}` : "not probed",
        attempts: observation?.attempts.length ?? 0,
        command: cell.probe.command,
        features,
    };
}

export interface Counts {
    cells: number;
    agree: number;
    disagree: number;
    notObserved: number;
    notPredicted: number;
}

export function count(results: readonly CellResult[]): Counts {
    const of = (status: CellStatus) => results.filter((result) => result.status === status).length;
    return { cells: results.length, agree: of("agree"), disagree: of("disagree"), notObserved: of("not-observed"), notPredicted: of("not-predicted") };
}

export function addCounts(a: Counts, b: Counts): Counts {
    return {
        cells: a.cells + b.cells,
        agree: a.agree + b.agree,
        disagree: a.disagree + b.disagree,
        notObserved: a.notObserved + b.notObserved,
        notPredicted: a.notPredicted + b.notPredicted,
    };
}

export const NO_COUNTS: Counts = { cells: 0, agree: 0, disagree: 0, notObserved: 0, notPredicted: 0 };
