// Which kubeconfig a stack's cluster is reached with (verify, lab, promote), from the stack's
// cluster mode (components/cluster/modes.ts). Apart from kubeconfig.ts so that the analyzer's
// `--kubeconfig` loads kubeconfigs without the program's modules.
import { CLUSTER_MODE_DESCRIPTORS, type ClusterMode } from "../components/cluster/modes";
import { EnvironmentError, type KubeconfigSource } from "./kubeconfig";

/** What a stack says about its cluster: its `cluster` and `kubeconfigContext` config and its `kubeconfig` output. */
export interface StackCluster {
    name: string;
    /** The stack's cluster mode (config `cluster`, default kind). */
    mode: string;
    kubeconfigContext?: string;
    /** The stack's kubeconfig output (kind), if any. */
    kubeconfig?: string;
}

/**
 * The kubeconfig a stack's cluster is reached with: --context when the user names one; else the
 * stack's kubeconfig output; else (iks, existing) the context the stack's config names, or the
 * current one, as the program itself used.
 * @throws EnvironmentError for a render-mode stack (no cluster) and a kind stack without a kubeconfig output (never deployed).
 */
export function stackKubeconfigSource(stack: StackCluster, contextOption?: string): KubeconfigSource {
    // A mode the tools do not know is taken as an attached cluster, as before (the program refuses it anyway).
    const origin = Object.hasOwn(CLUSTER_MODE_DESCRIPTORS, stack.mode) ? CLUSTER_MODE_DESCRIPTORS[stack.mode as ClusterMode].kubeconfig : "context";
    if (origin === "none") {
        throw new EnvironmentError(
            `stack ${stack.name} renders manifests (cluster: ${stack.mode}): there is no cluster to verify. Its predicted flows without a cluster: npm run lab -- --render --stack ${stack.name}`,
        );
    }
    if (contextOption) return { context: contextOption, origin: "your kubeconfig" };
    if (stack.kubeconfig) return { text: stack.kubeconfig, origin: `stack ${stack.name}'s kubeconfig output` };
    if (origin === "stack-output") {
        throw new EnvironmentError(
            `stack ${stack.name} (cluster: ${stack.mode}) has no kubeconfig output: its cluster was not created yet (npm run lab -- --stack ${stack.name}); verify does not fall back to another cluster`,
        );
    }
    return {
        context: stack.kubeconfigContext || undefined,
        origin: `your kubeconfig (stack ${stack.name}, cluster: ${stack.mode}${stack.kubeconfigContext ? `, context ${stack.kubeconfigContext}` : ", the current context"})`,
    };
}
