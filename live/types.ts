// The vocabulary of live verification, shared by the probe plan, the probes, the comparison and
// the reports. Endpoint names are the analyzer's (`<namespace>/<workload>`, `external:<ipv4>`,
// `nodeport:<namespace>/<service>`), so a predicted verdict and an observed one name the same leg.
import type { Connection } from "../analysis";
import type { FlowCheck } from "../scenarios/common/flows";

export type { Connection, FlowCheck };
/** Connection under its former name, for test/differential (left as it is). */
export type ConnectionQuery = Connection;

/** allowed / blocked, as the analyzer predicts and as a probe observes. */
export type Verdict = "allowed" | "blocked";

/**
 * What one probe attempt saw. Everything but "allowed" and "error" is a way of being blocked;
 * the outcome keeps the layer apart (a DNS failure is not a TCP failure).
 */
export type Outcome =
    | "allowed"
    /** TCP connect timed out: dropped by policy (Calico and NetworkPolicy drop, they do not reject). */
    | "tcp-timeout"
    /** TCP connect refused: no listener, or a REJECT. Blocked, but not the way policy blocks. */
    | "tcp-refused"
    /** No reply to a UDP datagram within the timeout: dropped by policy (or nobody answered). */
    | "udp-timeout"
    /** The DNS query got no answer (UDP or TCP 53 dropped). */
    | "dns-timeout"
    /** A name did not resolve although DNS answered (NXDOMAIN): a DNS failure, not a network one. */
    | "dns-failure"
    /** The connection worked but the answer was not the lab's (e.g. the proxy's upstream failed). */
    | "http-error"
    /** The probe itself failed (pod not running, exec failed): no observation. */
    | "error";

export function verdictOf(outcome: Outcome): Verdict | undefined {
    if (outcome === "allowed") return "allowed";
    if (outcome === "error") return undefined;
    return "blocked";
}

/** Where a probe runs: on the machine running verify, or in a probe pod with a workload's identity. */
export type ProbeOrigin =
    | { kind: "outside" }
    /** A process on the node itself (the differential tier's, on the real cluster's only node): host egress. */
    | { kind: "node"; node: string }
    | {
          kind: "pod";
          namespace: string /** the workload whose identity (labels) the probe pod takes */;
          workload: string;
          labels: Record<string, string>;
          /** The workload's service account, which the probe pod runs under (Calico selects by it: projectcalico.org/serviceaccount). */
          serviceAccount?: string;
      };

export type ProbeAction =
    /**
     * HTTP from outside to a node's NodePort: a POST with one of the helloworld lab's JSON bodies,
     * or (method GET, no body) a plain GET of a page such as yaobank's customer page.
     */
    | { kind: "http"; url: string; method?: "GET" | "POST"; body?: Record<string, string>; expectBodyIncludes: string }
    /** TCP connect from a probe pod to an address (a pod IP: never a name, so DNS cannot interfere). */
    | { kind: "tcp"; address: string; port: number }
    /** One UDP datagram from a probe pod to an address, allowed when the listener's reply comes back (`nc -u`). */
    | { kind: "udp"; address: string; port: number }
    /** DNS lookup over UDP from a probe pod against kube-dns (needs an application reply). */
    | { kind: "dns-udp"; server: string; name: string }
    /** DNS over TCP: a TCP handshake with kube-dns on 53. */
    | { kind: "dns-tcp"; server: string };

export interface Probe {
    /** Stable identifier: `<src> -> <dst>:<port>/<protocol>` for a leg, `e2e:<flow id>` for an end-to-end probe. */
    id: string;
    origin: ProbeOrigin;
    /** One action per target address; the probe is allowed only when every action is. */
    actions: ProbeAction[];
    /** The leg this probe observes (undefined for an end-to-end probe). */
    leg?: Connection;
    /** Human-readable command, as a user would type it to reproduce the probe. */
    command: string;
}

export interface Attempt {
    outcome: Outcome;
    detail: string;
    elapsedMs: number;
}

export interface Observation {
    probeId: string;
    outcome: Outcome;
    verdict?: Verdict;
    detail: string;
    attempts: Attempt[];
    /** The last attempts agreed with each other (false: flapping or out of time). */
    stable: boolean;
}

export interface RetryPolicy {
    /** Per attempt, in seconds (curl/nc/wget -w). */
    timeoutSeconds: number;
    /** At most this many attempts per probe. */
    maxAttempts: number;
    /** Pause between attempts. */
    intervalMs: number;
    /** Consecutive identical outcomes that make an observation stable. */
    stableCount: number;
}

export const DEFAULT_RETRY: RetryPolicy = { timeoutSeconds: 2, maxAttempts: 6, intervalMs: 1000, stableCount: 2 };

/**
 * How long one probe action may take, beyond the retry policy. Unset, both follow the policy's
 * timeoutSeconds with the margins a real cluster needs; tests against the fake API on loopback
 * set them to milliseconds.
 */
export interface ProbeWaits {
    /** An HTTP probe from outside is aborted (and observed as tcp-timeout) after this (default: timeoutSeconds * 1000 + 500). */
    httpTimeoutMs?: number;
    /** Longest an exec may take, the probe's own timeout included (default: (timeoutSeconds + 8) * 1000). */
    execTimeoutMs?: number;
}

export interface Prediction {
    verdict: Verdict;
    explanation: string;
}

export function legKey(leg: Connection): string {
    return `${leg.src} -> ${leg.dst}:${leg.port}/${leg.protocol}`;
}
