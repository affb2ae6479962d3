/**
 * `--format dot`: the picture (picture.ts) as Graphviz DOT, for `dot -Tsvg`, `-Tpng` or any tool
 * that reads DOT (svg.ts renders the same text in-process). Workloads and Services sit in one
 * cluster per namespace, the nodes and their NodePorts in one cluster; every endpoint name is a
 * quoted, escaped label or tooltip, never an identifier. Linear in the nodes and edges it writes.
 */
import { AnalysisInputError } from "../../errors";
import {
    classesPicture,
    diffPicture,
    type EdgeMark,
    matrixPicture,
    type NodeKind,
    NODES_GROUP,
    type Picture,
    pictureAutoView,
    stagedPicture,
    verdictPicture,
} from "./picture";
import type { FormatWriter, Write } from "./writer";

/** Attributes of each kind of node: the world a double ellipse, the nodes 3-D boxes, kube-dns a hexagon. */
const NODE_ATTRIBUTES: Record<NodeKind, string> = {
    workload: 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#334155"',
    "kube-dns": 'shape=hexagon, style=filled, fillcolor="#fef3c7", color="#b45309"',
    service: 'shape=ellipse, style="dashed,filled", fillcolor="#ffffff", color="#64748b"',
    world: 'shape=ellipse, peripheries=2, style=filled, fillcolor="#e0f2fe", color="#0369a1"',
    node: 'shape=box3d, style=filled, fillcolor="#ede9fe", color="#6d28d9"',
    nodeport: 'shape=box3d, style=filled, fillcolor="#ede9fe", color="#6d28d9"',
    "source-class": 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#334155"',
    "destination-class": 'shape=box, style=filled, fillcolor="#f1f5f9", color="#334155"',
};

/** Attributes and label prefix of each kind of edge: what a diff added green and bold, what it removed red and dashed, a block that moved orange. */
const EDGE_ATTRIBUTES: Record<EdgeMark, { attributes: string; prefix: string }> = {
    allowed: { attributes: 'color="#475569", fontcolor="#334155"', prefix: "" },
    added: { attributes: 'color="#15803d", fontcolor="#15803d", penwidth=2.2', prefix: "+ " },
    removed: { attributes: 'color="#b91c1c", fontcolor="#b91c1c", style=dashed, penwidth=1.6', prefix: "− " },
    blocked: { attributes: 'color="#b91c1c", fontcolor="#b91c1c", style=dashed, penwidth=1.6, arrowhead=tee', prefix: "✘ " },
    moved: { attributes: 'color="#b45309", fontcolor="#b45309", style=dashed, penwidth=2.2, arrowhead=tee', prefix: "~ " },
};

/** At most this many ports on an edge's label; the rest are counted (the tooltip lists every one). */
const LABEL_PORTS = 4;

/** Text inside a DOT quoted string: backslashes and quotes escaped, so that a name's `\n`, `\l` or `"` is text, not an escape. */
const escaped = (line: string) =>
    line
        .replace(/\\/g, "\\\\")
        .replace(/"/g, '\\"')
        .replace(/[\r\n]+/g, " ");

/** A DOT quoted string of centred lines (joined by DOT's \n). */
function quoted(...lines: string[]): string {
    return `"${lines.map(escaped).join("\\n")}"`;
}

/** A DOT quoted string of left-justified lines (each ended by DOT's \l). */
const leftJustified = (lines: readonly string[]) => `"${lines.map((line) => `${escaped(line)}\\l`).join("")}"`;

function portsLabel(ports: readonly string[], prefix: string): string[] {
    if (!ports.length) return [];
    const shown = ports.slice(0, LABEL_PORTS).join(", ");
    return [`${prefix}${shown}${ports.length > LABEL_PORTS ? ` (+${ports.length - LABEL_PORTS})` : ""}`];
}

/** Writes a picture as one `digraph`: defaults, one cluster per group, the ungrouped nodes, the edges, the caption under it. */
export function writeDot(picture: Picture, write: Write): void {
    write("digraph connectivity {\n");
    write(
        `  graph [rankdir=LR, fontname="Helvetica", fontsize=10, labelloc=b, labeljust=l, nodesep=0.3, ranksep=0.9, label=${leftJustified(picture.caption)}];\n`,
    );
    write('  node [fontname="Helvetica", fontsize=11, margin="0.12,0.06"];\n');
    write('  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];\n');
    const groups = new Map<string, typeof picture.nodes>();
    const loose: typeof picture.nodes = [];
    for (const node of picture.nodes) {
        if (node.group === undefined) loose.push(node);
        else groups.set(node.group, [...(groups.get(node.group) ?? []), node]);
    }
    const nodeLine = (node: (typeof picture.nodes)[number], indent: string) =>
        `${indent}${node.id} [label=${quoted(...node.label)}, tooltip=${quoted(node.tooltip)}, ${NODE_ATTRIBUTES[node.kind]}];\n`;
    [...groups].forEach(([group, nodes], index) => {
        const label = group === NODES_GROUP ? "the nodes" : `namespace ${group}`;
        const style = group === NODES_GROUP ? 'style="rounded,dashed", color="#6d28d9"' : 'style="rounded,filled", fillcolor="#f8fafc", color="#94a3b8"';
        write(`  subgraph cluster_${index} {\n    graph [label=${quoted(label)}, tooltip=${quoted(label)}, labelloc=t, ${style}];\n`);
        for (const node of nodes) write(nodeLine(node, "    "));
        write("  }\n");
    });
    for (const node of loose) write(nodeLine(node, "  "));
    for (const edge of picture.edges) {
        const { attributes, prefix } = EDGE_ATTRIBUTES[edge.mark];
        const label = portsLabel(edge.ports, prefix);
        const tooltip = edge.why.length ? edge.why : edge.ports;
        write(
            `  ${edge.from} -> ${edge.to} [${label.length ? `label=${quoted(...label)}, ` : ""}${tooltip.length ? `tooltip=${quoted(...tooltip)}, ` : ""}${attributes}];\n`,
        );
    }
    write("}\n");
}

/** The writer of every picture format: each output made into a Picture, then written by `draw` (DOT text, or SVG rendered from it). */
export function pictureWriter(draw: (picture: Picture, write: Write) => void, load?: () => Promise<void>): FormatWriter {
    return {
        ...(load ? { load } : {}),
        autoView: pictureAutoView,
        matrix: (matrix, write) => draw(matrixPicture(matrix), write),
        classes: (matrix, classes, write) => draw(classesPicture(matrix, classes), write),
        diff: (diff, write, sides) => draw(diffPicture(diff, sides), write),
        staged: (preview, write) => draw(stagedPicture(preview), write),
        verdict: (verdict, write) => draw(verdictPicture(verdict), write),
        endpoint: () => {
            throw new AnalysisInputError(
                "--endpoint lists tiers and policies in evaluation order, which is text, not a picture: use --format table, md, json or jsonl",
            );
        },
    };
}

export const dotWriter: FormatWriter = pictureWriter(writeDot);
