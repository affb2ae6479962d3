/**
 * The contract every output format fulfils, one module per format (table.ts, json.ts,
 * json-lines.ts, markdown.ts, mermaid.ts, dot.ts, svg.ts; index.ts lists them), and the writers they write
 * through. A format writes each of the command's outputs: a matrix in full, its connectivity
 * classes, the diff of two matrices, the preview of staged policies, a query's verdict, the policies applying to an endpoint. A new format is a module and a line in
 * index.ts's FORMAT_WRITERS.
 */
import type { ConnectivityClasses } from "../classes";
import type { ExplainedDiff } from "../diff";
import type { EndpointPolicies } from "../endpoint-policies";
import type { Matrix } from "../matrix";
import type { StagedPreview } from "../staged-preview";
import type { Verdict } from "../../engine/query";

/** Receives the output piece by piece (bufferedWriter gathers the pieces for stdout). */
export type Write = (chunk: string) => void;

/** The two sides of a diff, for a picture that draws what stayed beside what changed. */
export interface DiffMatrices {
    before: Matrix;
    after: Matrix;
}

/** The view a matrix is shown in; `note` says why when `auto` did not choose the full matrix. */
export interface ChosenView {
    view: "full" | "classes";
    note?: string;
}

export interface FormatWriter {
    /** What the writer needs before it can write, loaded once (svg: the WebAssembly Graphviz); runAnalyze awaits it. */
    load?(): Promise<void>;
    /** The view `auto` gives this matrix in this format (`width`: the terminal's, in characters). */
    autoView(matrix: Matrix, width: number): ChosenView;
    /** Every cell or allowed flow. @throws AnalysisInputError, before writing anything, when the format cannot show it. */
    matrix(matrix: Matrix, write: Write): void;
    /** The matrix's connectivity classes. @throws AnalysisInputError, before writing anything, when the format cannot show them. */
    classes(matrix: Matrix, classes: ConnectivityClasses, write: Write): void;
    /** Flows added and removed between two inputs, each with why before and after; `sides`: both inputs' matrices (a picture draws what stayed, too). */
    diff(diff: ExplainedDiff, write: Write, sides: DiffMatrices): void;
    /** What enforcing the staged policies would change (`--staged`): each staged policy's effect, then the flows, each with why before and after. */
    staged(preview: StagedPreview, write: Write): void;
    /** One query's answer. */
    verdict(verdict: Verdict, write: Write): void;
    /** The tiers and policies applying to an endpoint (`--endpoint`), one report per enforcement point. */
    endpoint(reports: readonly EndpointPolicies[], write: Write): void;
}

/**
 * A writer that gathers small pieces into chunks of about 64 KiB before passing them on (one
 * write per chunk to stdout instead of one per cell); call flush() at the end.
 */
export function bufferedWriter(out: (chunk: string) => void, chunkSize = 1 << 16): { write: Write; flush: () => void } {
    let parts: string[] = [];
    let length = 0;
    const flush = () => {
        if (!parts.length) return;
        out(parts.join(""));
        parts = [];
        length = 0;
    };
    return {
        write: (chunk) => {
            parts.push(chunk);
            length += chunk.length;
            if (length >= chunkSize) flush();
        },
        flush,
    };
}

/** Collects a writer's output into one string (for small matrices and the string API). */
export function collect(render: (write: Write) => void): string {
    const parts: string[] = [];
    render((chunk) => {
        parts.push(chunk);
    });
    return parts.join("");
}
