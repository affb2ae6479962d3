/** Renders a small matrix for people: the terminal table and the Mermaid graph (output.ts chooses; format-stream.ts streams the rest). */
import Table from "cli-table3";
import { ALLOWED, BLOCKED, NOT_APPLICABLE } from "./format-stream";
import type { Stage } from "./engine";
import { allowedFlows, allowedSources, Matrix, MatrixTarget } from "./matrix";
import type { Verdict } from "./query";

const columnTitle = (t: MatrixTarget) => `${t.dst}:${t.port}/${t.protocol}`;

function grid(matrix: Matrix): string[][] {
    return matrix.sources.map((src, s) => matrix.targets.map((target, t) => {
        if (src.startsWith("external:") && target.dst.startsWith("external:")) return NOT_APPLICABLE;
        return allowedSources(matrix, t).has(s) ? ALLOWED : BLOCKED;
    }));
}

/**
 * Rows are sources, columns destinations and ports (Kubernetes e2e "reachability" layout). The
 * columns are numbered and the numbers listed under the table, so that the table is as wide as
 * its longest source plus about 4 characters per destination (output.ts's fitColumns).
 */
export function formatTable(matrix: Matrix): string {
    const numbers = matrix.targets.map((_, t) => String(t + 1));
    const table = new Table({ head: ["from \\ to", ...numbers], style: { head: [], border: [] },
        chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } });
    grid(matrix).forEach((cells, s) => table.push([matrix.sources[s]!, ...cells]));
    const width = numbers.at(-1)?.length ?? 1;
    const legend = matrix.targets.map((target, t) => `  ${numbers[t]!.padStart(width)}  ${columnTitle(target)}`);
    return `${table.toString()}\nto:\n${legend.join("\n")}\n${ALLOWED} = allowed, ${BLOCKED} = blocked, ${NOT_APPLICABLE} = not applicable\n`;
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

const STOP_PLACES: Record<Stage, (endpoint: string) => string> = {
    egress: (endpoint) => `at ${endpoint}'s egress`,
    ingress: (endpoint) => `at ${endpoint}'s ingress`,
    hostUntracked: (endpoint) => `at the host, before conntrack (doNotTrack policy of ${endpoint})`,
    hostUntrackedEgress: (endpoint) => `leaving the host, untracked (doNotTrack policy of ${endpoint})`,
    hostPreDnat: (endpoint) => `at the host, before DNAT (preDNAT policy of ${endpoint})`,
    hostIngress: (endpoint) => `at the host, for the host itself (${endpoint.startsWith("node:") ? `DefaultEndpointToHostAction of ${endpoint}` : `policy of ${endpoint}`})`,
    hostEgress: (endpoint) => `leaving the host (policy of ${endpoint})`,
    hostForward: (endpoint) => `at the host, forwarded (applyOnForward policy of ${endpoint})`,
    hostForwardEgress: (endpoint) => `at the host, leaving it (applyOnForward policy of ${endpoint})`,
};

/**
 * Where a blocked flow is stopped: the first denying decision of its path, in the order the packet
 * meets them (source egress, the node's untracked, preDNAT, host or forward policy, destination ingress), e.g.
 * "at the host, before DNAT (preDNAT policy of hostendpoint:node-auto-hep)". Undefined when allowed.
 */
export function stoppedAt(verdict: Pick<Verdict, "allowed" | "explanation">): string | undefined {
    if (verdict.allowed) return undefined;
    const { egress, host, hostPreDnat, hostForward, hostForwardEgress, ingress } = verdict.explanation;
    const blocking = [egress, ...(host ?? [hostPreDnat, hostForward, hostForwardEgress]), ingress].find((decision) => decision !== undefined && !decision.allowed);
    return blocking ? STOP_PLACES[blocking.stage](blocking.endpoint) : "before any policy (no backend)";
}

/**
 * A query's answer in two lines: the verdict and the flow, then where it is stopped and the
 * deciding rule. `--format json` prints the whole Verdict with both directions' explanation.
 */
export function formatVerdict(verdict: Verdict): string {
    // partial: the paths disagree (backends, or the node a pod may run on): the head says so either way.
    const head = verdict.allowed ? (verdict.partial ? "ALLOWED on some paths only" : "ALLOWED") : (verdict.partial ? "BLOCKED on some paths" : "BLOCKED");
    const why = verdict.reason.replace(/^(allowed|blocked): /, "");
    const where = stoppedAt(verdict);
    const what = verdict.protocol === "ICMP" ? "ICMP echo request" : `${verdict.port}/${verdict.protocol}`;
    return `${head}  ${verdict.src} -> ${verdict.dst} ${what}\n  ${where ? `${where}: ` : ""}${why}\n`;
}
