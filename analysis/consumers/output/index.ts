/**
 * Prints a matrix in the format asked for, choosing between the full matrix and its connectivity
 * classes (classes.ts), writing through a buffer so that nothing is built as one giant string.
 * Each format is a module behind one interface (writer.ts); FORMAT_WRITERS lists them.
 *
 *   view "full"     every cell (table, md, json), every allowed flow (jsonl), every flow (mermaid)
 *   view "classes"  the connectivity classes in that format
 *   view "auto"     table and md: full while the matrix fits the terminal (at most `fitColumns(width)`
 *                   sources and destinations), else classes; json: full up to MAX_JSON_CELLS cells;
 *                   jsonl: the allowed flows (linear in them); mermaid: the flows while the graph is
 *                   small, else the classes while those are small, else a clear error; dot and svg:
 *                   the picture while it is readable (picture.ts), else the classes while those are, else
 *                   an error naming the focus filters
 */
import { connectivityClasses } from "../classes";
import type { Matrix } from "../matrix";
import { jsonWriter } from "./json";
import { jsonLinesWriter } from "./json-lines";
import { markdownWriter } from "./markdown";
import { mermaidWriter } from "./mermaid";
import { DEFAULT_WIDTH } from "./shared";
import { dotWriter } from "./dot";
import { svgWriter } from "./svg";
import { tableWriter } from "./table";
import type { ChosenView, FormatWriter, Write } from "./writer";

export { MAX_JSON_CELLS } from "./json";
export { MAX_MERMAID_EDGES, MAX_MERMAID_NODES } from "./mermaid";
export { MAX_PICTURE_EDGES, MAX_PICTURE_NODES, connectionsPicture, diffPicture, matrixPicture } from "./picture";
export type { EdgeMark, MarkedConnection, Picture } from "./picture";
export { writeDot } from "./dot";
export { loadGraphviz, renderSvg } from "./graphviz";
export { DEFAULT_WIDTH, fitColumns } from "./shared";
export { bufferedWriter, collect } from "./writer";
export type { ChosenView, DiffMatrices, FormatWriter, Write } from "./writer";

/** Every format, by its --format name, in the order --help lists them. */
export const FORMAT_WRITERS = {
    table: tableWriter,
    json: jsonWriter,
    jsonl: jsonLinesWriter,
    md: markdownWriter,
    mermaid: mermaidWriter,
    dot: dotWriter,
    svg: svgWriter,
} as const satisfies Record<string, FormatWriter>;

export type MatrixFormat = keyof typeof FORMAT_WRITERS;
export const MATRIX_FORMATS = Object.keys(FORMAT_WRITERS) as readonly MatrixFormat[];
export type MatrixView = "auto" | "full" | "classes";

export interface OutputOptions {
    format: MatrixFormat;
    view: MatrixView;
    /** Terminal width in characters (process.stdout.columns, else $COLUMNS, else DEFAULT_WIDTH). */
    width: number;
}

/** Which view `auto` resolves to for this matrix and format; also says why, for a note on stderr. */
export function chooseView(matrix: Matrix, options: OutputOptions): ChosenView {
    return options.view === "auto" ? FORMAT_WRITERS[options.format].autoView(matrix, options.width) : { view: options.view };
}

/**
 * Writes the matrix to `write` in `options.format`. Throws AnalysisInputError (before printing
 * anything) when a Mermaid graph would be too large to render, or a picture (dot, svg) too large to read.
 */
export function writeMatrix(matrix: Matrix, options: OutputOptions, write: Write, note: (text: string) => void = () => {}): void {
    const chosen = chooseView(matrix, options);
    if (chosen.note) note(chosen.note);
    const writer = FORMAT_WRITERS[options.format];
    if (chosen.view === "full") writer.matrix(matrix, write);
    else writer.classes(matrix, connectivityClasses(matrix), write);
}

/** The terminal's width: stdout's columns when it is a terminal, else $COLUMNS, else DEFAULT_WIDTH. */
export function terminalWidth(): number {
    const fromEnv = Number(process.env.COLUMNS);
    return process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_WIDTH);
}
