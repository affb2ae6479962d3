// Where HTTP probes "from outside the cluster" run: in this process (your machine), or in a
// network namespace that plays the outside world (a lab host's netns, a CI cluster's). Both use
// Node's fetch, so a response or a failure is classified the same way (probes.ts classifyHttp).
import { spawn, spawnSync } from "child_process";
import type { ProbeAction } from "./types";

export type HttpAction = Extract<ProbeAction, { kind: "http" }>;

/** What one HTTP call gave: a response, or the error fetch threw (with its code and cause). */
export type HttpReply =
    | { response: { status: number; body: string } }
    | { error: { name?: string; code?: string; message: string; cause?: { code?: string; message?: string } } };

/** Performs one HTTP call of a probe from outside the cluster, aborted after timeoutMs. */
export type OutsideHttp = (action: HttpAction, timeoutMs: number) => Promise<HttpReply>;

/**
 * The call itself, as JavaScript source: this process evaluates it, and a Node child in a
 * network namespace runs the same text (a TypeScript function's toString() would carry the
 * transpiler's helpers). (action, timeoutMs) => Promise<HttpReply>.
 */
const CALL_SOURCE = `async (action, timeoutMs) => {
    const text = (value) => (typeof value === "string" ? value : undefined);
    try {
        const signal = AbortSignal.timeout(timeoutMs);
        const init = action.method === "GET"
            ? { method: "GET", signal }
            : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(action.body ?? {}), signal };
        const response = await fetch(action.url, init);
        return { response: { status: response.status, body: await response.text() } };
    } catch (error) {
        const cause = error?.cause ? { code: text(error.cause.code), message: text(error.cause.message) } : undefined;
        return { error: { name: text(error?.name), code: text(error?.code), message: text(error?.message) ?? String(error), cause } };
    }
}`;

const callOnce = new Function(`return (${CALL_SOURCE});`)() as OutsideHttp;

/** From this process: the machine verify runs on. */
export const fromThisMachine: OutsideHttp = callOnce;

/** The names `ip netns list` shows. */
export function networkNamespaces(): string[] {
    const result = spawnSync("ip", ["netns", "list"], { encoding: "utf8", timeout: 10_000 });
    if (result.error || result.status !== 0) {
        throw new Error(`cannot list network namespaces (ip netns list): ${result.error?.message ?? result.stderr.trim()}`);
    }
    return result.stdout
        .split("\n")
        .map((line) => line.trim().split(/\s+/)[0])
        .filter(Boolean);
}

/**
 * From inside network namespace `netns` (`ip netns exec`, so root): see fromChildProcess.
 * Throws at once when the namespace does not exist.
 */
export function fromNetworkNamespace(netns: string, node: string = process.execPath): OutsideHttp {
    const known = networkNamespaces();
    if (!known.includes(netns)) {
        throw new Error(`--from-netns ${netns}: no such network namespace (ip netns list: ${known.join(", ") || "none"})`);
    }
    return fromChildProcess(["ip", "netns", "exec", netns], node);
}

/**
 * Each call in a Node child started through `prefix` (e.g. ip netns exec <name>): it runs the
 * same call source and prints its HttpReply as JSON; a child that prints none is an error reply.
 */
export function fromChildProcess(prefix: string[], node: string = process.execPath): OutsideHttp {
    // The child exits as soon as its reply is written: an aborted fetch leaves undici's connect
    // attempt alive until its own 10 s connect timeout, which held every blocked probe 10 s.
    const script = `(${CALL_SOURCE})(...JSON.parse(require("fs").readFileSync(0, "utf8"))).then((reply) => process.stdout.write(JSON.stringify(reply), () => process.exit(0)));`;
    const [command, ...args] = [...prefix, node, "-e", script];
    const where = prefix.length > 0 ? prefix.join(" ") : "a child process";
    return (action, timeoutMs) =>
        new Promise<HttpReply>((resolve) => {
            const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            // The child aborts its own call after timeoutMs; this bounds the child itself (node start-up included).
            const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 15_000);
            child.stdout.on("data", (chunk) => {
                stdout += chunk;
            });
            child.stderr.on("data", (chunk) => {
                stderr += chunk;
            });
            child.on("error", (error) => {
                clearTimeout(timer);
                resolve({ error: { message: `${where}: ${error.message}` } });
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                try {
                    resolve(JSON.parse(stdout) as HttpReply);
                } catch {
                    resolve({ error: { message: `${where}: node exited ${code} without a reply${stderr.trim() ? `: ${stderr.trim().slice(0, 200)}` : ""}` } });
                }
            });
            child.stdin.end(JSON.stringify([action, timeoutMs]));
        });
}
