/** `--format mermaid`: the allowed flows, or the classes, as a Mermaid flowchart, while small enough for Mermaid to lay out. */
import type { ConnectivityClasses } from "../classes";
import { AnalysisInputError } from "../../errors";
import { allowedFlows, Matrix, targetKey } from "../matrix";
import { destinationName, memberNames, sourceName, writeDiffLines, writeStagedLines } from "./shared";
import { writeEndpointText } from "./endpoint-text";
import { formatVerdict } from "./verdict-text";
import type { FormatWriter, Write } from "./writer";

/** Mermaid renderers give up on large graphs: at most this many nodes and edges. */
export const MAX_MERMAID_NODES = 200;
export const MAX_MERMAID_EDGES = 1_000;

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

/** Allowed flows as a graph: one node per endpoint, grouped by namespace, one edge per pair listing its ports. */
export function formatMermaid(matrix: Matrix): string {
    const ids = new Map<string, string>();
    const idOf = (name: string) => {
        let id = ids.get(name);
        if (!id) {
            id = `n${ids.size}`;
            ids.set(name, id);
        }
        return id;
    };
    const edges = new Map<string, string[]>();
    for (const cell of allowedFlows(matrix)) {
        const key = `${cell.src}\u0000${cell.dst}`;
        const ports = edges.get(key) ?? [];
        ports.push(`${cell.port}/${cell.protocol}`);
        edges.set(key, ports);
    }
    const endpoints = [...new Set([...matrix.sources, ...matrix.targets.map((t) => t.dst)])];
    const groups = new Map<string, string[]>();
    for (const name of endpoints) {
        const group = name.includes(":") ? name.split(":")[0]! : name.split("/")[0]!;
        groups.set(group, [...(groups.get(group) ?? []), name]);
    }
    const lines = ["flowchart LR"];
    for (const [group, names] of groups) {
        lines.push(`  subgraph ${sanitize(group)}["${group}"]`);
        for (const name of names) lines.push(`    ${idOf(name)}["${name.replace(/"/g, "'")}"]`);
        lines.push("  end");
    }
    for (const [key, ports] of edges) {
        const [src, dst] = key.split("\u0000") as [string, string];
        lines.push(`  ${idOf(src)} -->|"${ports.join(", ")}"| ${idOf(dst)}`);
    }
    return `${lines.join("\n")}\n`;
}

const sanitize = (text: string) => `g_${text.replace(/[^A-Za-z0-9_]/g, "_")}`;

/** The classes: one node per class (first members named), one edge per reached class. */
export function writeClassesMermaid(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    const label = (text: string) => text.replace(/"/g, "'");
    write("flowchart LR\n");
    classes.sourceClasses.forEach((members, c) =>
        write(`  ${sourceName(c)}["${sourceName(c)}: ${label(memberNames(members, (s) => matrix.sources[s]!, 3))}"]\n`),
    );
    classes.destinationClasses.forEach((members, d) =>
        write(`  ${destinationName(d)}["${destinationName(d)}: ${label(memberNames(members, (t) => targetKey(matrix.targets[t]!), 3))}"]\n`),
    );
    classes.reaches.forEach((reached, c) => {
        for (const d of reached) write(`  ${sourceName(c)} --> ${destinationName(d)}\n`);
    });
}

export const mermaidWriter: FormatWriter = {
    autoView: (matrix) =>
        mermaidFits(matrix) ? { view: "full" } : { view: "classes", note: "the graph of flows is too large for Mermaid: drawing connectivity classes" },
    matrix: (matrix, write) => {
        if (!mermaidFits(matrix))
            throw new AnalysisInputError(
                `--format mermaid --full: more than ${MAX_MERMAID_NODES} endpoints or ${MAX_MERMAID_EDGES} connected pairs; Mermaid cannot lay that out (use --format md or jsonl)`,
            );
        write(formatMermaid(matrix));
    },
    classes: (matrix, classes, write) => {
        const edges = classes.reaches.reduce((sum, r) => sum + r.length, 0);
        const nodes = classes.sourceClasses.length + classes.destinationClasses.length;
        if (nodes > MAX_MERMAID_NODES || edges > MAX_MERMAID_EDGES) {
            throw new AnalysisInputError(
                `--format mermaid: ${nodes} classes and ${edges} edges are more than Mermaid can lay out (at most ${MAX_MERMAID_NODES} nodes, ${MAX_MERMAID_EDGES} edges); use --format md, table or jsonl`,
            );
        }
        writeClassesMermaid(matrix, classes, write);
    },
    diff: writeDiffLines,
    staged: writeStagedLines,
    verdict: (verdict, write) => write(formatVerdict(verdict)),
    endpoint: writeEndpointText,
};
