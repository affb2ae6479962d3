/**
 * Graphviz in-process: @viz-js/viz, Graphviz 16 compiled to WebAssembly (no system Graphviz). The
 * module is loaded on first use only (`loadGraphviz`: 0.06-0.4 s measured, by machine load), so that no other output, test
 * or command pays for it; rendering is synchronous once it is loaded.
 */
import type { Viz } from "@viz-js/viz";

let viz: Viz | undefined;
let loading: Promise<Viz> | undefined;

/** Loads the WebAssembly Graphviz once; later calls resolve at once. */
export async function loadGraphviz(): Promise<void> {
    loading ??= import("@viz-js/viz").then((module) => module.instance());
    viz = await loading;
}

/**
 * DOT text rendered as an SVG document by Graphviz's `dot` layout.
 * @throws Error when loadGraphviz has not completed, or when Graphviz refuses the text (a bug of
 * the DOT writer: every name it writes is quoted and escaped).
 */
export function renderSvg(dot: string): string {
    if (!viz) throw new Error("Graphviz is not loaded: await loadGraphviz() before rendering (runAnalyze does)");
    const result = viz.render(dot, { format: "svg", engine: "dot" });
    if (result.status !== "success") throw new Error(`Graphviz refused the DOT text: ${result.errors.map((error) => error.message).join("; ")}`);
    return result.output;
}
