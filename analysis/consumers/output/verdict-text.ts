/** A query's verdict for people: where a blocked flow is stopped, and the verdict in two lines. */
import type { Stage } from "../../engine/engine";
import type { Verdict } from "../../engine/query";

const STOP_PLACES: Record<Stage, (endpoint: string) => string> = {
    egress: (endpoint) => `at ${endpoint}'s egress`,
    ingress: (endpoint) => `at ${endpoint}'s ingress`,
    hostUntracked: (endpoint) => `at the host, before conntrack (doNotTrack policy of ${endpoint})`,
    hostUntrackedEgress: (endpoint) => `leaving the host, untracked (doNotTrack policy of ${endpoint})`,
    hostPreDnat: (endpoint) => `at the host, before DNAT (preDNAT policy of ${endpoint})`,
    hostIngress: (endpoint) =>
        `at the host, for the host itself (${endpoint.startsWith("node:") ? `DefaultEndpointToHostAction of ${endpoint}` : `policy of ${endpoint}`})`,
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
    const blocking = [egress, ...(host ?? [hostPreDnat, hostForward, hostForwardEgress]), ingress].find(
        (decision) => decision !== undefined && !decision.allowed,
    );
    return blocking ? STOP_PLACES[blocking.stage](blocking.endpoint) : "before any policy (no backend)";
}

/**
 * A verdict in one line, for a changed flow's before and after: its reason, with the place a
 * blocked flow stops ("blocked at lab/db's ingress: denied by np:lab/db-deny ingress[0] (tier default)").
 */
export function verdictLine(verdict: Verdict): string {
    const where = stoppedAt(verdict);
    if (!where) return verdict.reason;
    return verdict.reason.startsWith("blocked: ") ? `blocked ${where}: ${verdict.reason.slice("blocked: ".length)}` : `${where}: ${verdict.reason}`;
}

/**
 * A query's answer in two lines: the verdict and the flow, then where it is stopped and the
 * deciding rule. `--format json` prints the whole Verdict with both directions' explanation.
 */
export function formatVerdict(verdict: Verdict): string {
    // partial: the paths disagree (backends, or the node a pod may run on): the head says so either way.
    const head = verdict.allowed ? (verdict.partial ? "ALLOWED on some paths only" : "ALLOWED") : verdict.partial ? "BLOCKED on some paths" : "BLOCKED";
    const why = verdict.reason.replace(/^(allowed|blocked): /, "");
    const where = stoppedAt(verdict);
    const what = verdict.protocol === "ICMP" ? "ICMP echo request" : `${verdict.port}/${verdict.protocol}`;
    return `${head}  ${verdict.src} -> ${verdict.dst} ${what}\n  ${where ? `${where}: ` : ""}${why}\n`;
}
