/** Renders a matrix for people: a table (terminal), Markdown, Mermaid, or JSON. */
import Table from "cli-table3";
import { hasBit } from "./bitset";
import { allowedSources, Matrix, matrixCells, MatrixTarget } from "./matrix";

export type MatrixFormat = "table" | "json" | "md" | "mermaid";
export const MATRIX_FORMATS: readonly MatrixFormat[] = ["table", "json", "md", "mermaid"];

const ALLOWED = "Y", BLOCKED = "n", NOT_APPLICABLE = "-";

const columnTitle = (t: MatrixTarget) => `${t.dst}:${t.port}/${t.protocol}`;

function grid(matrix: Matrix): string[][] {
    return matrix.sources.map((src, s) => matrix.targets.map((target, t) => {
        if (src.startsWith("external:") && target.dst.startsWith("external:")) return NOT_APPLICABLE;
        return hasBit(allowedSources(matrix, t), s) ? ALLOWED : BLOCKED;
    }));
}

/** Rows are sources, columns destinations and ports (Kubernetes e2e "reachability" layout). */
export function formatTable(matrix: Matrix): string {
    const table = new Table({ head: ["from \\ to", ...matrix.targets.map(columnTitle)], style: { head: [], border: [] },
        chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } });
    grid(matrix).forEach((cells, s) => table.push([matrix.sources[s]!, ...cells]));
    return `${table.toString()}\n${ALLOWED} = allowed, ${BLOCKED} = blocked, ${NOT_APPLICABLE} = not applicable\n`;
}

export function formatMarkdown(matrix: Matrix): string {
    const escape = (text: string) => text.replace(/\|/g, "\\|");
    const lines = [
        `| from \\ to | ${matrix.targets.map((t) => escape(columnTitle(t))).join(" | ")} |`,
        `|---|${matrix.targets.map(() => ":-:").join("|")}|`,
        ...grid(matrix).map((cells, s) => `| ${escape(matrix.sources[s]!)} | ${cells.join(" | ")} |`),
    ];
    return `${lines.join("\n")}\n`;
}

/** Allowed flows as a graph: one node per endpoint, grouped by namespace, one edge per pair listing its ports. */
export function formatMermaid(matrix: Matrix): string {
    const ids = new Map<string, string>();
    const idOf = (name: string) => {
        let id = ids.get(name);
        if (!id) { id = `n${ids.size}`; ids.set(name, id); }
        return id;
    };
    const edges = new Map<string, string[]>();
    for (const cell of matrixCells(matrix)) {
        if (!cell.allowed) continue;
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

export function formatJson(matrix: Matrix): string {
    return `${JSON.stringify({ sources: matrix.sources, targets: matrix.targets, cells: [...matrixCells(matrix)] }, null, 2)}\n`;
}

export function formatMatrix(matrix: Matrix, format: MatrixFormat): string {
    switch (format) {
        case "table": return formatTable(matrix);
        case "md": return formatMarkdown(matrix);
        case "mermaid": return formatMermaid(matrix);
        case "json": return formatJson(matrix);
    }
}
