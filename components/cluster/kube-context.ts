// The user's kubeconfig, narrowed to one context, as the dynamic providers of attached clusters
// (existing, iks) see it. They run in Pulumi's dynamic-provider process, which inherits the CLI's
// environment (KUBECONFIG, HOME); only the context name is an input, so no kubeconfig contents
// ever reach the stack's state.
import type { KubeConfig } from "@kubernetes/client-node";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A context of the ambient kubeconfig, with a description naming it for messages. */
export interface KubeContext {
    config: KubeConfig;
    /** `context "<name>" (server <url>)`, for messages. */
    description: string;
}

/**
 * Loads the ambient kubeconfig (KUBECONFIG, else ~/.kube/config) at `context` (empty: its
 * current context). Throws an Error naming the context when the kubeconfig has no such context.
 */
export async function loadKubeContext(context: string): Promise<KubeContext> {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    config.loadFromDefault();
    const name = context || config.getCurrentContext();
    const contextObject = name ? config.getContextObject(name) : null;
    if (!contextObject) {
        const known =
            config
                .getContexts()
                .map((c) => c.name)
                .join(", ") || "none";
        throw new Error(
            `kubeconfig ${process.env.KUBECONFIG ?? "~/.kube/config"} has no context ${JSON.stringify(name ?? "")} (contexts: ${known}); set kubeconfigContext to one of them.`,
        );
    }
    config.setCurrentContext(name);
    const server = config.getCluster(contextObject.cluster)?.server ?? "unknown server";
    return { config, description: `context "${name}" (server ${server})` };
}

/**
 * Runs `use` with KUBECONFIG-ready path of a private (mode 0600) kubeconfig holding only the
 * context, removed afterwards: for command-line tools such as calicoctl.
 */
export async function withContextKubeconfigFile<T>(context: KubeContext, use: (kubeconfigPath: string) => Promise<T>): Promise<T> {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const source = context.config;
    const current = source.getContextObject(source.getCurrentContext());
    const cluster = current ? source.getCluster(current.cluster) : null;
    const user = current ? source.getUser(current.user) : null;
    if (!current || !cluster) {
        throw new Error(`kubeconfig ${context.description} names no cluster`);
    }
    const minified = new KubeConfig();
    minified.loadFromOptions({ clusters: [cluster], users: user ? [user] : [], contexts: [current], currentContext: current.name });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-kubeconfig-"));
    const file = path.join(dir, "config");
    try {
        fs.writeFileSync(file, minified.exportConfig(), { mode: 0o600 });
        return await use(file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
