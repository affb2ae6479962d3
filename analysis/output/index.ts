/**
 * Prints a matrix in the format asked for, choosing between the full matrix and its connectivity
 * classes (classes.ts), writing through a buffer so that nothing is built as one giant string.
 *
 *   view "full"     every cell (table, md, json), every allowed flow (jsonl), every flow (mermaid)
 *   view "classes"  the connectivity classes in that format
 *   view "auto"     table and md: full while the matrix fits the terminal (at most `fitColumns(width)`
 *                   sources and destinations), else classes; json: full up to MAX_JSON_CELLS cells;
 *                   jsonl: the allowed flows (linear in them); mermaid: the flows while the graph is
 *                   small, else the classes while those are small, else a clear error
 */
import { connectivityClasses } from "../classes";
import { AnalysisInputError } from "../errors";
import { formatMermaid, formatTable } from "../format";
import {
    Write, writeClassesJson, writeClassesJsonLines, writeClassesMarkdown, writeClassesMermaid, writeClassesText,
    writeJsonCells, writeJsonLinesFlows, writeMarkdownGrid,
} from "../format-stream";
import { allowedFlows, Matrix } from "../matrix";

export type MatrixFormat = "table" | "json" | "jsonl" | "md" | "mermaid";
export const MATRIX_FORMATS: readonly MatrixFormat[] = ["table", "json", "jsonl", "md", "mermaid"];
export type MatrixView = "auto" | "full" | "classes";

/** Above this many cells `--format json` prints classes unless --full (a cell is about 90 bytes). */
export const MAX_JSON_CELLS = 1_000_000;
/** Mermaid renderers give up on large graphs: at most this many nodes and edges. */
export const MAX_MERMAID_NODES = 200;
export const MAX_MERMAID_EDGES = 1_000;
/** The terminal width when stdout is not a terminal and COLUMNS is unset. */
export const DEFAULT_WIDTH = 160;

/** How many sources (and destinations) a full matrix may have to fit `width` columns: about 4 characters per column after a 40-character label. */
export const fitColumns = (width: number) => Math.max(4, Math.floor((width - 40) / 4));

export interface OutputOptions {
    format: MatrixFormat;
    view: MatrixView;
    /** Terminal width in characters (process.stdout.columns, else $COLUMNS, else DEFAULT_WIDTH). */
    width: number;
}

/** Which view `auto` resolves to for this matrix and format; also says why, for a note on stderr. */
export function chooseView(matrix: Matrix, options: OutputOptions): { view: "full" | "classes"; note?: string } {
    if (options.view !== "auto") return { view: options.view };
    const sources = matrix.sources.length, targets = matrix.targets.length;
    switch (options.format) {
        case "table":
        case "md": {
            const fit = fitColumns(options.width);
            if (sources <= fit && targets <= fit) return { view: "full" };
            return { view: "classes", note: `${sources} sources x ${targets} destinations do not fit ${options.width} columns (at most ${fit} each): printing connectivity classes; --full prints the whole matrix, --format jsonl every allowed flow` };
        }
        case "json": {
            if (sources * targets <= MAX_JSON_CELLS) return { view: "full" };
            return { view: "classes", note: `${sources} x ${targets} cells is more than ${MAX_JSON_CELLS}: printing connectivity classes ({"view": "classes"}); --full prints every cell, --format jsonl every allowed flow` };
        }
        case "jsonl": return { view: "full" };
        case "mermaid": return mermaidFits(matrix) ? { view: "full" } : { view: "classes", note: "the graph of flows is too large for Mermaid: drawing connectivity classes" };
    }
}

/**
 * Writes the matrix to `write` in `options.format`. Throws AnalysisInputError (before printing
 * anything) when a Mermaid graph would be too large to render.
 */
export function writeMatrix(matrix: Matrix, options: OutputOptions, write: Write, note: (text: string) => void = () => {}): void {
    const chosen = chooseView(matrix, options);
    if (chosen.note) note(chosen.note);
    if (chosen.view === "full") {
        switch (options.format) {
            case "table": return write(formatTable(matrix));
            case "md": return writeMarkdownGrid(matrix, write);
            case "json": return writeJsonCells(matrix, write);
            case "jsonl": return writeJsonLinesFlows(matrix, write);
            case "mermaid":
                if (!mermaidFits(matrix)) throw new AnalysisInputError(`--format mermaid --full: more than ${MAX_MERMAID_NODES} endpoints or ${MAX_MERMAID_EDGES} connected pairs; Mermaid cannot lay that out (use --format md or jsonl)`);
                return write(formatMermaid(matrix));
        }
    }
    const classes = connectivityClasses(matrix);
    switch (options.format) {
        case "table": return writeClassesText(matrix, classes, write);
        case "md": return writeClassesMarkdown(matrix, classes, write);
        case "json": return writeClassesJson(matrix, classes, write);
        case "jsonl": return writeClassesJsonLines(matrix, classes, write);
        case "mermaid": {
            const edges = classes.reaches.reduce((sum, r) => sum + r.length, 0);
            const nodes = classes.sourceClasses.length + classes.destinationClasses.length;
            if (nodes > MAX_MERMAID_NODES || edges > MAX_MERMAID_EDGES) {
                throw new AnalysisInputError(`--format mermaid: ${nodes} classes and ${edges} edges are more than Mermaid can lay out (at most ${MAX_MERMAID_NODES} nodes, ${MAX_MERMAID_EDGES} edges); use --format md, table or jsonl`);
            }
            return writeClassesMermaid(matrix, classes, write);
        }
    }
}

/** Whether the flow graph (one node per endpoint, one edge per connected pair) is small enough for Mermaid. */
function mermaidFits(matrix: Matrix): boolean {
    if (matrix.sources.length + matrix.targets.length > 2 * MAX_MERMAID_NODES) return false;
    const endpoints = new Set([...matrix.sources, ...matrix.targets.map((t) => t.dst)]);
    if (endpoints.size > MAX_MERMAID_NODES) return false;
    const pairs = new Set<string>();
    for (const flow of allowedFlows(matrix)) {
        pairs.add(`${flow.src}\u0000${flow.dst}`);
        if (pairs.size > MAX_MERMAID_EDGES) return false;
    }
    return true;
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

/** The terminal's width: stdout's columns when it is a terminal, else $COLUMNS, else DEFAULT_WIDTH. */
export function terminalWidth(): number {
    const fromEnv = Number(process.env.COLUMNS);
    return process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_WIDTH);
}
