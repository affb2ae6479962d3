// Which cluster the live tools talk to, decided before any network call: the kubeconfig a stack
// holds, the context it names, or the one the user named with --context. Never a context nobody
// named (a stale ~/.kube/config), never the client's fallback of http://localhost:8080 when no
// kubeconfig exists, and never a server URL carrying credentials (the client would refuse it
// later, printing the URL).
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { urlRedactor } from "./redact";

/** The tools cannot run in this environment (no cluster, no kubeconfig, unreachable API server): exit 2. */
export class EnvironmentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EnvironmentError";
    }
}

/**
 * Where the kubeconfig comes from: a stack's kubeconfig output (text), one file the user named
 * (`analyze --kubeconfig FILE`), or the user's files (KUBECONFIG, ~/.kube/config); each with an optional context.
 */
export type KubeconfigSource =
    | { text: string; context?: string; origin: string }
    | { file: string; context?: string; origin: string }
    | { context?: string; origin: string };

/** The kubeconfig files client-node would read: KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): { files: string[]; variable: boolean } {
    const list = env.KUBECONFIG?.split(path.delimiter).filter(Boolean);
    if (list && list.length > 0) return { files: list, variable: true };
    return { files: [path.join(home, ".kube", "config")], variable: false };
}

/**
 * Loads and checks a kubeconfig without contacting anything.
 * @throws EnvironmentError when no kubeconfig exists (or the file named does not), the context is not in it, or its cluster's
 *   server URL is unusable (credentials in it, not a URL, http:// without insecure-skip-tls-verify).
 */
export function loadKubeConfig(source: KubeconfigSource, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): k8s.KubeConfig {
    const kubeConfig = new k8s.KubeConfig();
    if ("text" in source) {
        readKubeconfig(() => kubeConfig.loadFromString(source.text), source.origin);
    } else if ("file" in source) {
        if (!fs.existsSync(source.file)) throw new EnvironmentError(`no kubeconfig found: ${source.file} does not exist`);
        readKubeconfig(() => kubeConfig.loadFromFile(source.file), source.file);
    } else {
        const { files, variable } = kubeconfigFiles(env, home);
        const existing = files.filter((file) => fs.existsSync(file));
        if (existing.length === 0) {
            throw new EnvironmentError(
                variable
                    ? `no kubeconfig found: KUBECONFIG names ${files.join(", ")}, and none exists`
                    : `no kubeconfig found: KUBECONFIG is unset and ${files[0]} does not exist (with a stack, verify uses the stack's own kubeconfig; without one, point KUBECONFIG at your cluster's)`,
            );
        }
        // Existing files only, so a missing entry of KUBECONFIG is not a parse error; the first
        // file's current-context wins, as with kubectl.
        readKubeconfig(() => kubeConfig.loadFromFile(existing[0]), existing[0]);
        for (const file of existing.slice(1)) {
            const more = new k8s.KubeConfig();
            readKubeconfig(() => more.loadFromFile(file), file);
            kubeConfig.mergeConfig(more, true);
        }
    }
    if (source.context) {
        if (!kubeConfig.getContextObject(source.context)) {
            throw new EnvironmentError(
                `context ${source.context} is not in ${source.origin} (contexts: ${
                    kubeConfig
                        .getContexts()
                        .map((c) => c.name)
                        .join(", ") || "none"
                })`,
            );
        }
        kubeConfig.setCurrentContext(source.context);
    }
    const contextName = kubeConfig.getCurrentContext();
    if (!contextName || !kubeConfig.getContextObject(contextName)) {
        throw new EnvironmentError(
            `${source.origin} has no current context: pass --context (contexts: ${
                kubeConfig
                    .getContexts()
                    .map((c) => c.name)
                    .join(", ") || "none"
            })`,
        );
    }
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new EnvironmentError(`context ${contextName} of ${source.origin} names a cluster the kubeconfig does not define`);
    checkServer(cluster, contextName);
    return kubeConfig;
}

function readKubeconfig(load: () => void, what: string): void {
    try {
        load();
    } catch (error) {
        // The parser's first line only: the lines after it quote the file, credentials included.
        throw new EnvironmentError(`cannot read the kubeconfig (${what}): ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
}

function checkServer(cluster: k8s.Cluster, context: string): void {
    const shown = urlRedactor().text(cluster.server);
    let url: URL;
    try {
        url = new URL(cluster.server);
    } catch {
        throw new EnvironmentError(`cluster ${cluster.name} (context ${context}): server ${JSON.stringify(shown)} is not a URL (https://<host>:<port>)`);
    }
    if (url.username || url.password) {
        throw new EnvironmentError(
            `cluster ${cluster.name} (context ${context}): the server URL ${shown} carries credentials; the Kubernetes client refuses such a URL. Put them in the user entry (username/password or token) and the server as ${url.protocol}//${url.host}`,
        );
    }
    if (url.protocol === "http:" && !cluster.skipTLSVerify) {
        throw new EnvironmentError(
            `cluster ${cluster.name} (context ${context}): server ${shown} is plain http, which the Kubernetes client only accepts with insecure-skip-tls-verify: true (is this the client's default http://localhost:8080? then no kubeconfig was found)`,
        );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new EnvironmentError(`cluster ${cluster.name} (context ${context}): server ${shown} is neither https:// nor http://`);
    }
}
