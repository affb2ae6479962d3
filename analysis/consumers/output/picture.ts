/**
 * A picture of connectivity before any drawing syntax (dot.ts writes it as Graphviz DOT, svg.ts
 * renders that): endpoints as nodes, workloads and Services grouped by namespace, the world, the
 * nodes and kube-dns each a kind of their own; one edge per connected pair labelled with its
 * ports; in a diff each edge marked added, removed or allowed on both sides. Built in one pass
 * over what it draws, and refused before it is built past what a reader can follow
 * (MAX_PICTURE_NODES, MAX_PICTURE_EDGES), with the ways to narrow the input.
 */
import type { ConnectivityClasses } from "../classes";
import type { ExplainedDiff } from "../diff";
import { parseEndpointName } from "../../endpoint-names";
import { AnalysisInputError } from "../../errors";
import type { Verdict } from "../../engine/query";
import type { Connection } from "../../types";
import { allowedFlows, allowedSources, type Matrix, targetKey } from "../matrix";
import type { StagedPreview } from "../staged-preview";
import { destinationName, sourceName, stagedChangeLine } from "./shared";
import { verdictLine } from "./verdict-text";
import type { ChosenView, DiffMatrices } from "./writer";

/** Past this many endpoints (or classes) a picture is a hairball: the writers refuse, naming the focus filters. */
export const MAX_PICTURE_NODES = 80;
/** Past this many connected pairs, likewise. */
export const MAX_PICTURE_EDGES = 200;

/**
 * What a node stands for, each drawn its own way: a workload (Deployment, Pod, ...), the cluster's
 * DNS (a workload labelled k8s-app=kube-dns), a Service's ClusterIP, an address outside the cluster
 * (the world), a node or a NodePort on the nodes, and in the classes view a class of sources or of destinations.
 */
export type NodeKind = "workload" | "kube-dns" | "service" | "world" | "node" | "nodeport" | "source-class" | "destination-class";

/**
 * How an edge is drawn: allowed (a matrix, or on both sides of a diff), added or removed by a diff,
 * blocked (a query's blocked flow), moved (blocked before and after, but stopped somewhere else).
 */
export type EdgeMark = "allowed" | "added" | "removed" | "blocked" | "moved";

export interface PictureNode {
    /** `n0`, `n1` ... in order of appearance: endpoint names never reach the drawing syntax as identifiers. */
    id: string;
    kind: NodeKind;
    /** Lines of the label. */
    label: string[];
    /** The endpoint's full name (or a class's every member, up to a few). */
    tooltip: string;
    /** The namespace (workloads, kube-dns, Services), "nodes" (nodes and NodePorts), or none (the world, classes). */
    group?: string;
}

export interface PictureEdge {
    from: string;
    to: string;
    mark: EdgeMark;
    /** `8080/TCP`, `53/UDP`, `ICMP`, in the order they were met. */
    ports: string[];
    /** Why, one line per port where known (a diff's verdict after the change, a query's reason). */
    why: string[];
}

export interface Picture {
    nodes: PictureNode[];
    edges: PictureEdge[];
    /** What the picture shows and how to read it, in a line or two (drawn under it). */
    caption: string[];
}

/** The group of nodes that stand on the nodes (node:<name> and nodeport:<ns>/<service>). */
export const NODES_GROUP = "nodes";

const FOCUS_HINT =
    "narrow the input with --namespace, --workload or --selector, or use --format md, table or jsonl, which are linear in the flows and have no size limit";

/** Refusal of a picture too large to read. */
function tooLarge(what: string): AnalysisInputError {
    return new AnalysisInputError(
        `a picture of ${what} is past what a reader can follow (at most ${MAX_PICTURE_NODES} endpoints and ${MAX_PICTURE_EDGES} connected pairs): ${FOCUS_HINT}`,
    );
}

/** Thrown by the builder the moment the picture grows past the limits (the caller says what was too large). */
class PastLimit extends Error {}

/** Builds a picture: one node per endpoint name, one edge per (source, destination, mark), its ports gathered. */
class PictureBuilder {
    private readonly ids = new Map<string, string>();
    private readonly edgeIndex = new Map<string, PictureEdge>();
    readonly nodes: PictureNode[] = [];
    readonly edges: PictureEdge[] = [];

    constructor(private readonly kubeDns: ReadonlySet<string>) {}

    /** The node of an endpoint name, added on first sight. */
    endpoint(name: string): string {
        let id = this.ids.get(name);
        if (id === undefined) {
            id = this.add({ ...describeEndpoint(name, this.kubeDns), tooltip: name });
            this.ids.set(name, id);
        }
        return id;
    }

    add(node: Omit<PictureNode, "id">): string {
        if (this.nodes.length >= MAX_PICTURE_NODES) throw new PastLimit();
        const id = `n${this.nodes.length}`;
        this.nodes.push({ id, ...node });
        return id;
    }

    edge(from: string, to: string, mark: EdgeMark, port?: string, why?: string): void {
        const key = `${from} ${to} ${mark}`;
        let edge = this.edgeIndex.get(key);
        if (!edge) {
            if (this.edges.length >= MAX_PICTURE_EDGES) throw new PastLimit();
            edge = { from, to, mark, ports: [], why: [] };
            this.edgeIndex.set(key, edge);
            this.edges.push(edge);
        }
        if (port !== undefined) edge.ports.push(port);
        if (why !== undefined) edge.why.push(port === undefined ? why : `${port}: ${why}`);
    }

    picture(caption: string[]): Picture {
        return { nodes: this.nodes, edges: this.edges, caption };
    }
}

/** How an endpoint is drawn, from its name (endpoint-names.ts): kind, label lines and group. */
function describeEndpoint(name: string, kubeDns: ReadonlySet<string>): Omit<PictureNode, "id" | "tooltip"> {
    const parsed = parseEndpointName(name);
    switch (parsed?.kind) {
        case "workload":
            return kubeDns.has(name)
                ? { kind: "kube-dns", label: [parsed.name, "(kube-dns)"], group: parsed.namespace }
                : { kind: "workload", label: [parsed.name], group: parsed.namespace };
        case "service":
            return { kind: "service", label: [`service ${parsed.service}`], group: parsed.namespace };
        case "external":
            return { kind: "world", label: ["world", parsed.address] };
        case "node":
            return { kind: "node", label: [`node ${parsed.node}`, ...(parsed.interface ? [parsed.interface] : [])], group: NODES_GROUP };
        case "nodeport":
            return { kind: "nodeport", label: ["NodePort", `${parsed.namespace}/${parsed.service}`], group: NODES_GROUP };
        case undefined:
            return { kind: "workload", label: [name] };
    }
}

const portText = (flow: { port: number | string; protocol: string }) => (flow.protocol === "ICMP" ? "ICMP" : `${flow.port}/${flow.protocol}`);

/** Whether the full picture of a matrix is small enough to read: `auto` draws it, else the classes, else refuses. */
export function matrixPictureFits(matrix: Matrix): boolean {
    try {
        matrixPicture(matrix);
        return true;
    } catch (error) {
        if (error instanceof AnalysisInputError) return false;
        throw error;
    }
}

/**
 * Every endpoint of the matrix, connected by the flows it allows.
 * @throws AnalysisInputError past MAX_PICTURE_NODES endpoints or MAX_PICTURE_EDGES connected pairs
 * (checked on the counts first, so a large matrix costs its number of endpoints, not its cells).
 */
export function matrixPicture(matrix: Matrix): Picture {
    const endpoints = new Set(matrix.sources);
    for (const target of matrix.targets) {
        endpoints.add(target.dst);
        if (endpoints.size > MAX_PICTURE_NODES) throw tooLarge(`more than ${MAX_PICTURE_NODES} endpoints`);
    }
    if (endpoints.size > MAX_PICTURE_NODES) throw tooLarge(`${endpoints.size} endpoints`);
    const builder = new PictureBuilder(new Set(matrix.kubeDns));
    try {
        for (const name of endpoints) builder.endpoint(name);
        for (const flow of allowedFlows(matrix)) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "allowed", portText(flow));
    } catch (error) {
        if (error instanceof PastLimit) throw tooLarge(`${endpoints.size} endpoints with more than ${MAX_PICTURE_EDGES} connected pairs`);
        throw error;
    }
    return builder.picture(["An arrow is a connection the policies allow, labelled with its ports; where there is no arrow, the connection is blocked."]);
}

/**
 * The matrix's connectivity classes: one node per source class and per destination class (the
 * first members named), an arrow where every member of the one may connect to every member of the other.
 * @throws AnalysisInputError past the limits, counted before anything is built.
 */
export function classesPicture(matrix: Matrix, classes: ConnectivityClasses): Picture {
    const nodes = classes.sourceClasses.length + classes.destinationClasses.length;
    const edges = classes.reaches.reduce((sum, reached) => sum + reached.length, 0);
    if (nodes > MAX_PICTURE_NODES || edges > MAX_PICTURE_EDGES) throw tooLarge(`${nodes} connectivity classes and ${edges} arrows between them`);
    const builder = new PictureBuilder(new Set());
    const members = (names: string[]) => [...names.slice(0, 3), ...(names.length > 3 ? [`(+${names.length - 3} more)`] : [])];
    const sources = classes.sourceClasses.map((indexes, c) => {
        const names = indexes.map((s) => matrix.sources[s]!);
        return builder.add({ kind: "source-class", label: [sourceName(c), ...members(names)], tooltip: names.slice(0, 50).join("\n") });
    });
    const destinations = classes.destinationClasses.map((indexes, d) => {
        const names = indexes.map((t) => targetKey(matrix.targets[t]!));
        return builder.add({ kind: "destination-class", label: [destinationName(d), ...members(names)], tooltip: names.slice(0, 50).join("\n") });
    });
    classes.reaches.forEach((reached, c) => {
        for (const d of reached) builder.edge(sources[c]!, destinations[d]!, "allowed");
    });
    return builder.picture([
        `${matrix.sources.length} sources in ${classes.sourceClasses.length} classes (S), ${matrix.targets.length} destinations in ${classes.destinationClasses.length} classes (D):`,
        "an arrow: every member of the source class may connect to every member of the destination class; no arrow: none may.",
    ]);
}

/**
 * A diff: the flows added and removed, marked, beside the flows allowed on both sides; when all of
 * them are too many to read but the changes alone are not, the changes alone (the caption says how
 * many unchanged pairs are left out).
 * @throws AnalysisInputError when even the changes are past the limits.
 */
export function diffPicture(diff: ExplainedDiff, sides: DiffMatrices): Picture {
    const kubeDns = new Set([...(sides.before.kubeDns ?? []), ...(sides.after.kubeDns ?? [])]);
    const key = (flow: Connection) => `${flow.src}\u0000${targetKey(flow)}`;
    const added = new Set(diff.added.map(key));
    const legend = "green +: allowed now, blocked or absent before; red dashed −: allowed before, blocked or absent now; grey: allowed on both sides.";
    const changes = (builder: PictureBuilder) => {
        for (const flow of diff.added) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "added", portText(flow), flow.after);
        for (const flow of diff.removed) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "removed", portText(flow), flow.after);
    };
    try {
        const builder = new PictureBuilder(kubeDns);
        for (const name of sides.after.sources) builder.endpoint(name);
        for (const target of sides.after.targets) builder.endpoint(target.dst);
        changes(builder);
        for (const flow of allowedFlows(sides.after)) {
            if (!added.has(key(flow))) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "allowed", portText(flow));
        }
        return builder.picture([legend]);
    } catch (error) {
        if (!(error instanceof PastLimit)) throw error;
    }
    try {
        const builder = new PictureBuilder(kubeDns);
        changes(builder);
        const unchanged = countPairs(sides.after, added);
        return builder.picture([
            legend,
            `The ${unchanged} pairs allowed on both sides are not drawn: with them the picture would be past what a reader can follow.`,
        ]);
    } catch (error) {
        if (error instanceof PastLimit) throw tooLarge(`${diff.added.length} added and ${diff.removed.length} removed flows`);
        throw error;
    }
}

/**
 * `--staged`: the flows enforcing the staged policies would add (green +) and remove (red −), each
 * arrow's tooltip its verdict with them enforced; the staged policies and their effect in the caption.
 * @throws AnalysisInputError past the limits.
 */
export function stagedPicture(preview: StagedPreview): Picture {
    const builder = new PictureBuilder(new Set());
    try {
        for (const flow of preview.added) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "added", portText(flow), flow.after);
        for (const flow of preview.removed) builder.edge(builder.endpoint(flow.src), builder.endpoint(flow.dst), "removed", portText(flow), flow.after);
    } catch (error) {
        if (error instanceof PastLimit) throw tooLarge(`${preview.added.length} added and ${preview.removed.length} removed flows`);
        throw error;
    }
    return builder.picture([
        `Enforcing ${preview.staged.length} staged ${preview.staged.length === 1 ? "policy" : "policies"} (as Calico ${preview.calicoVersion} would): green +: would be allowed; red −: would be blocked.`,
        ...preview.staged.map(stagedChangeLine),
        ...(preview.added.length + preview.removed.length ? [] : ["No flow would change."]),
    ]);
}

/** Connected pairs of a matrix whose flows are not all in `except`. */
function countPairs(matrix: Matrix, except: ReadonlySet<string>): number {
    const pairs = new Set<string>();
    matrix.targets.forEach((target, t) => {
        for (const s of allowedSources(matrix, t)) {
            const src = matrix.sources[s]!;
            if (!except.has(`${src}\u0000${targetKey(target)}`)) pairs.add(`${src}\u0000${target.dst}`);
        }
    });
    return pairs.size;
}

/** A connection and how to draw it: the leg of a lab's flow as the analyzer judges it, against the stage before. */
export interface MarkedConnection extends Connection {
    mark: EdgeMark;
    /** The verdict in one line (the arrow's tooltip). */
    why?: string;
}

/**
 * Chosen connections, each drawn as marked (a lab stage's flows: allowed, now allowed, now blocked,
 * still blocked): the endpoints they name, one arrow per (source, destination, mark).
 * `kubeDns`: the workloads to draw as the cluster's DNS (Matrix.kubeDns).
 * @throws AnalysisInputError past the limits.
 */
export function connectionsPicture(connections: readonly MarkedConnection[], kubeDns: Iterable<string>, caption: string[]): Picture {
    const builder = new PictureBuilder(new Set(kubeDns));
    try {
        for (const connection of connections) {
            builder.edge(builder.endpoint(connection.src), builder.endpoint(connection.dst), connection.mark, portText(connection), connection.why);
        }
    } catch (error) {
        if (error instanceof PastLimit) throw tooLarge(`${connections.length} connections`);
        throw error;
    }
    return builder.picture(caption);
}

/** A query's answer: its two endpoints and one arrow, allowed or blocked, with the deciding rule. */
export function verdictPicture(verdict: Verdict): Picture {
    const builder = new PictureBuilder(new Set());
    builder.edge(
        builder.endpoint(verdict.src),
        builder.endpoint(verdict.dst),
        verdict.allowed ? "allowed" : "blocked",
        portText(verdict),
        verdictLine(verdict),
    );
    const head = verdict.allowed ? (verdict.partial ? "ALLOWED on some paths only" : "ALLOWED") : verdict.partial ? "BLOCKED on some paths" : "BLOCKED";
    return builder.picture([`${head}: ${verdictLine(verdict)}`]);
}

/** `auto` for a picture: the full matrix while it is small enough to read, else its classes. */
export function pictureAutoView(matrix: Matrix): ChosenView {
    return matrixPictureFits(matrix)
        ? { view: "full" }
        : {
              view: "classes",
              note: `${matrix.sources.length} sources and their flows are too many for a readable picture: drawing connectivity classes (--namespace, --workload or --selector draw a part of it in full)`,
          };
}
