// Running probes: one attempt of an action (HTTP from outside, or a command exec'd in a probe
// pod), the classification of what came back into an Outcome, and retries until the outcome
// is stable. Node-side classification mirrors what the tools print (busybox nc/nslookup,
// Node's fetch): a timeout is a drop, a refusal is no listener, "bad address" is DNS.
import { lookup } from "dns/promises";
import { isIP } from "net";
import type { ClusterApi } from "./cluster";
import { errorText } from "./error-text";
import { PROBE_CONTAINER, ProbePods } from "./probe-pods";
import { fromThisMachine, OutsideHttp } from "./outside-http";
import { shellCommand } from "./plan";
import { Attempt, Observation, Outcome, Probe, ProbeAction, ProbeOrigin, ProbeWaits, RetryPolicy, Verdict, verdictOf } from "./types";

/** Classifies a command run in a probe pod by its exit code and output. */
export function classifyExec(action: ProbeAction, exitCode: number, output: string): { outcome: Outcome; detail: string } {
    const text = output.trim().replace(/\s+/g, " ");
    const said = text ? `: ${text.slice(0, 160)}` : "";
    // The tool itself did not run (126: not executable, 127: not found; no exit status at all):
    // nothing was observed, whatever the output says.
    if (exitCode === 126 || exitCode === 127 || exitCode < 0) {
        return { outcome: "error", detail: `the probe command did not run (exit ${exitCode}; does --probe-image have nc, nslookup and timeout?)${said}` };
    }
    if (/bad address|can't resolve|Name or service not known|Temporary failure in name resolution/i.test(text)) {
        // TCP probes are given IP addresses: a name failure there is the tool's, not the network's.
        if (action.kind === "tcp" || action.kind === "udp" || action.kind === "dns-tcp")
            return { outcome: "error", detail: `the probe could not use its target address${said}` };
        return { outcome: "dns-failure", detail: `name did not resolve${said}` };
    }
    if (action.kind === "dns-udp") {
        if (exitCode === 0) return { outcome: "allowed", detail: "kube-dns answered over UDP" };
        if (/NXDOMAIN/i.test(text)) return { outcome: "allowed", detail: `kube-dns answered over UDP (NXDOMAIN)${said}` };
        return { outcome: "dns-timeout", detail: `no DNS answer over UDP (exit ${exitCode})${said}` };
    }
    if (action.kind === "udp") {
        if (exitCode === 0) return { outcome: "allowed", detail: `UDP reply${said}` };
        if (/refused/i.test(text)) return { outcome: "tcp-refused", detail: `port unreachable (no UDP listener)${said}` };
        return { outcome: "udp-timeout", detail: `no UDP reply within the timeout (exit ${exitCode})${said}` };
    }
    if (exitCode === 0) return { outcome: "allowed", detail: action.kind === "dns-tcp" ? "TCP handshake with kube-dns on 53" : "TCP connected" };
    if (/refused/i.test(text)) return { outcome: "tcp-refused", detail: `connection refused (no listener or REJECT)${said}` };
    if (action.kind === "dns-tcp") return { outcome: "dns-timeout", detail: `no TCP handshake with kube-dns on 53 (exit ${exitCode})${said}` };
    return { outcome: "tcp-timeout", detail: `no TCP connection within the timeout (exit ${exitCode})${said}` };
}

/** Classifies an HTTP call from outside: a response, or the error fetch threw. */
export function classifyHttp(
    action: Extract<ProbeAction, { kind: "http" }>,
    response: { status: number; body: string } | undefined,
    error?: unknown,
): { outcome: Outcome; detail: string } {
    if (response) {
        const body = response.body.trim().slice(0, 160);
        if (response.status >= 200 && response.status < 300 && response.body.includes(action.expectBodyIncludes)) {
            return { outcome: "allowed", detail: `HTTP ${response.status} ${body}` };
        }
        // The connection worked; what failed is behind it (the proxy's upstream call).
        if (/UnknownHost|Name or service not known|nodename nor servname|could not resolve/i.test(body)) {
            return { outcome: "dns-failure", detail: `upstream name did not resolve: HTTP ${response.status} ${body}` };
        }
        if (/timed out|timeout/i.test(body)) return { outcome: "tcp-timeout", detail: `upstream connection timed out: HTTP ${response.status} ${body}` };
        if (/refused/i.test(body)) return { outcome: "tcp-refused", detail: `upstream refused: HTTP ${response.status} ${body}` };
        return { outcome: "http-error", detail: `HTTP ${response.status}, expected a body with "${action.expectBodyIncludes}": ${body}` };
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    const rawCode = cause?.code ?? (error as { code?: unknown })?.code;
    const code = typeof rawCode === "string" ? rawCode : ((error as { name?: string })?.name ?? "");
    const ownMessage = typeof (error as { message?: unknown })?.message === "string" ? (error as { message: string }).message : String(error);
    const message = `${code} ${cause?.message ?? ownMessage}`.trim();
    if (/ECONNREFUSED/.test(code)) return { outcome: "tcp-refused", detail: `connection refused: ${message}` };
    // The node address itself did not resolve: the probe never reached the network (a NodePort
    // that drops is a timeout, never a DNS failure), so this observes nothing.
    if (/ENOTFOUND|EAI_AGAIN/.test(code))
        return {
            outcome: "error",
            detail: `the node address in ${action.url} did not resolve, so nothing was probed (give --node-address a node's IP): ${message}`,
        };
    if (/TimeoutError|AbortError|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|EHOSTUNREACH|ENETUNREACH/.test(code) || /timeout|aborted/i.test(message)) {
        return { outcome: "tcp-timeout", detail: `no TCP connection within the timeout: ${message}` };
    }
    return { outcome: "error", detail: `HTTP probe failed: ${message}` };
}

/**
 * A node address given as a name is resolved before the HTTP probe, outside its timeout: a slow
 * or failing lookup must not pass for a NodePort that drops (tcp-timeout). A name that does not
 * resolve means nothing was probed: an error, never a verdict.
 */
async function unresolvedHost(url: string): Promise<{ outcome: Outcome; detail: string } | undefined> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) return undefined;
    try {
        await lookup(host);
        return undefined;
    } catch (error) {
        const code = (error as { code?: unknown }).code;
        return {
            outcome: "error",
            detail: `the node address ${host} did not resolve (${typeof code === "string" ? code : errorText(error)}), so nothing was probed: give --node-address a node's IP`,
        };
    }
}

/** The worst outcome of several actions: the probe is allowed only if every action is. */
function combine(results: { outcome: Outcome; detail: string }[]): { outcome: Outcome; detail: string } {
    const failed = results.find((result) => result.outcome === "error") ?? results.find((result) => result.outcome !== "allowed");
    const outcome = failed?.outcome ?? "allowed";
    const detail = results.length === 1 ? results[0].detail : results.map((result, i) => `[${i + 1}] ${result.detail}`).join("; ");
    return { outcome, detail };
}

export interface ProbeRunnerOptions extends ProbeWaits {
    retry: RetryPolicy;
    /** Where HTTP probes from outside run; default this machine. */
    outsideHttp?: OutsideHttp;
    /** Stop between attempts when aborted (Ctrl-C). */
    signal?: AbortSignal;
}

/** Where a pod probe runs: verify's probe pods, or (the differential tier) the workload pods themselves. */
export type ProbePodSource = Pick<ProbePods, "get">;

/**
 * One HTTP request from outside the cluster (a NodePort, or the node's own listener), classified:
 * the host name must resolve, then `outsideHttp` (default: this machine) makes the request within
 * `timeoutMs`; `redact` cleans the body before it is classified. verify's runner and the
 * differential tier's world probes both make their HTTP attempts here.
 */
export async function attemptHttp(
    action: Extract<ProbeAction, { kind: "http" }>,
    timeoutMs: number,
    outsideHttp: OutsideHttp = fromThisMachine,
    redact: (text: string) => string = (text) => text,
): Promise<{ outcome: Outcome; detail: string }> {
    const unresolved = await unresolvedHost(action.url);
    if (unresolved) return unresolved;
    const reply = await outsideHttp(action, timeoutMs);
    return "response" in reply
        ? classifyHttp(action, { status: reply.response.status, body: redact(reply.response.body) })
        : classifyHttp(action, undefined, reply.error);
}

export class ProbeRunner {
    constructor(
        private readonly cluster: ClusterApi,
        private readonly pods: ProbePodSource,
        private readonly options: ProbeRunnerOptions,
    ) {}

    private redact(text: string): string {
        return this.cluster.redactor?.text(text) ?? text;
    }

    private async attemptAction(origin: ProbeOrigin, action: ProbeAction): Promise<{ outcome: Outcome; detail: string }> {
        const timeoutSeconds = this.options.retry.timeoutSeconds;
        if (action.kind === "http") {
            if (origin.kind !== "outside") return { outcome: "error", detail: "HTTP probes run from outside the cluster only" };
            return attemptHttp(action, this.options.httpTimeoutMs ?? timeoutSeconds * 1000 + 500, this.options.outsideHttp, (text) => this.redact(text));
        }
        if (origin.kind !== "pod") return { outcome: "error", detail: `${action.kind} probes run in a probe pod` };
        let podName: string;
        try {
            podName = (
                await this.pods.get({ namespace: origin.namespace, workload: origin.workload, labels: origin.labels, serviceAccount: origin.serviceAccount })
            ).name;
        } catch (error) {
            return { outcome: "error", detail: errorText(error) };
        }
        try {
            const result = await this.cluster.exec(
                origin.namespace,
                podName,
                PROBE_CONTAINER,
                shellCommand(action, timeoutSeconds),
                this.options.execTimeoutMs ?? (timeoutSeconds + 8) * 1000,
            );
            // Redacted before classification cuts the output short: a cut secret is no longer recognisable.
            return classifyExec(action, result.exitCode, this.redact(`${result.stdout}\n${result.stderr}`));
        } catch (error) {
            return { outcome: "error", detail: `exec in ${origin.namespace}/${podName} failed: ${errorText(error)}` };
        }
    }

    /** One attempt of every action of a probe, the worst outcome kept. */
    async attempt(probe: Probe): Promise<Attempt> {
        const started = Date.now();
        const results = [];
        for (const action of probe.actions) results.push(await this.attemptAction(probe.origin, action));
        return { ...combine(results), elapsedMs: Date.now() - started };
    }

    /**
     * Attempts the probe until the last `stableCount` outcomes agree and match the prediction,
     * or `maxAttempts` is reached (policy programming takes time in both directions; kube e2e
     * polls the same way). The observation is the last attempt's outcome.
     */
    async run(probe: Probe, predicted?: Verdict): Promise<Observation> {
        const attempts: Attempt[] = [];
        for (let i = 0; i < this.options.retry.maxAttempts; i++) {
            if (this.options.signal?.aborted) break;
            attempts.push(await this.attempt(probe));
            if (settled(attempts, predicted, this.options.retry)) break;
            if (i < this.options.retry.maxAttempts - 1) await sleep(this.options.retry.intervalMs, this.options.signal);
        }
        return observationOf(probe.id, attempts, this.options.retry);
    }
}

/** The last `stableCount` attempts agree (RetryPolicy). */
function isStable(attempts: readonly Attempt[], retry: RetryPolicy): boolean {
    const recent = attempts.slice(-retry.stableCount);
    return recent.length === retry.stableCount && recent.every((a) => a.outcome === attempts[attempts.length - 1].outcome);
}

/**
 * Whether a probe's attempts so far settle it: stable and matching the prediction (any stable
 * outcome when there is none), or a pod that cannot start (the next attempt would not either).
 */
export function settled(attempts: readonly Attempt[], predicted: Verdict | undefined, retry: RetryPolicy): boolean {
    const last = attempts[attempts.length - 1];
    if (!last) return false;
    if (last.outcome === "error" && /cannot start|not running after|ended \(|stopped/.test(last.detail)) return true;
    return isStable(attempts, retry) && (predicted === undefined || verdictOf(last.outcome) === predicted);
}

/** The observation of a probe: its last attempt's outcome, with every attempt kept. */
export function observationOf(probeId: string, attempts: Attempt[], retry: RetryPolicy): Observation {
    const last = attempts[attempts.length - 1];
    if (!last) return { probeId, outcome: "error", detail: "interrupted before the first attempt", attempts, stable: false };
    return { probeId, outcome: last.outcome, verdict: verdictOf(last.outcome), detail: last.detail, attempts, stable: isStable(attempts, retry) };
}

/** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener(
            "abort",
            () => {
                clearTimeout(timer);
                resolve();
            },
            { once: true },
        );
    });
}
