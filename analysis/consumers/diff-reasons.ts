/**
 * `--diff A -- B` says why each flow changed: the analyzer's verdict of the flow on each side, in
 * one line (the deciding rule or policy, and where a blocked flow stops), or that its source or
 * destination does not exist on that side.
 */
import { query } from "../engine/query";
import type { ClusterModel } from "../model/model-types";
import type { Connection } from "../types";
import type { ChangedFlow, ExplainedDiff, MatrixDiff } from "./diff";
import { type Matrix, targetKey } from "./matrix";
import { verdictLine } from "./output/verdict-text";

/** One side of a diff: its model and the matrix made of it. */
export interface DiffSide {
    model: ClusterModel;
    matrix: Matrix;
}

/**
 * Each flow of `diff` with why, from the side before (`before`) and after (`after`).
 * Shape: `{ added: [{ src, dst, port, protocol, before, after }], removed: [...] }`, in the order of `diff`.
 */
export function explainDiff(diff: MatrixDiff, before: DiffSide, after: DiffSide): ExplainedDiff {
    const whyBefore = reasons(before),
        whyAfter = reasons(after);
    const explain = (flow: Connection): ChangedFlow => ({ ...flow, before: whyBefore(flow), after: whyAfter(flow) });
    return { added: diff.added.map(explain), removed: diff.removed.map(explain) };
}

/** The verdict of a flow on one side in one line; a flow whose ends that side lacks is said to be so, not asked. */
function reasons(side: DiffSide): (flow: Connection) => string {
    const sources = new Set(side.matrix.sources);
    const targets = new Set(side.matrix.targets.map(targetKey));
    return (flow) => {
        if (!sources.has(flow.src)) return `no source ${flow.src}`;
        if (!targets.has(targetKey(flow))) return `no destination ${flow.dst} ${flow.port}/${flow.protocol}`;
        return verdictLine(query(side.model, flow));
    };
}
