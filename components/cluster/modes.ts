// What each cluster mode is, as data: the tools it runs, its defaults, the node labels its
// host endpoints carry, and where the live tools find its kubeconfig. The program's config
// (config.ts), both prerequisite checks and the live tools read these records; the program
// builds a mode's cluster with the factory of the same name in index.ts. A new mode is a record
// here plus a factory there: both tables are keyed by ClusterMode, so the compiler asks for both.
// Data only, no Pulumi provider: the live tools and the CLI load it without the providers.

export const CLUSTER_MODES = ["kind", "iks", "existing", "render"] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** How Calico's projectcalico.org/v3 objects reach the cluster. */
export const CALICO_APPLY_MODES = ["api-server", "calicoctl"] as const;
export type CalicoApplyMode = (typeof CALICO_APPLY_MODES)[number];

/** A command-line tool the program or the live tools run. */
export type Tool = "pulumi" | "docker" | "kind" | "kubectl" | "calicoctl";

/**
 * Where the live tools (verify, lab, promote) find a stack's kubeconfig:
 * - `stack-output`: the stack's `kubeconfig` output (the program created the cluster);
 * - `context`: the user's kubeconfig, at the stack's kubeconfigContext or the current context;
 * - `none`: there is no cluster.
 */
export type KubeconfigOrigin = "stack-output" | "context" | "none";

export interface ClusterModeDescriptor {
    /** calicoApply when the stack leaves it empty. */
    defaultCalicoApply: CalicoApplyMode;
    /** Tools the program runs on this mode, with why (in the user's words). */
    tools: Partial<Record<Tool, string>>;
    /** Whether calicoApply=calicoctl runs calicoctl on this machine (false without a cluster). */
    calicoctlApplies: boolean;
    /** The Calico selector matching the nodes' host endpoints (the lockdown stage's default hostEndpointSelector). */
    hostEndpointSelector: string;
    kubeconfig: KubeconfigOrigin;
}

/** kind nodes get automatic host endpoints labelled as their nodes are. */
const NODE_HOSTNAME_SELECTOR = "has(kubernetes.io/hostname)";

export const CLUSTER_MODE_DESCRIPTORS: Record<ClusterMode, ClusterModeDescriptor> = {
    kind: {
        defaultCalicoApply: "api-server",
        tools: {
            docker: "kind runs the cluster's nodes as Docker containers",
            kind: "the program creates and deletes the kind cluster with it",
            kubectl: "the program installs Calico and waits for its API with it",
        },
        calicoctlApplies: true,
        hostEndpointSelector: NODE_HOSTNAME_SELECTOR,
        kubeconfig: "stack-output",
    },
    // IKS documents calicoctl and may serve no projectcalico.org/v3 API; its workers' host
    // endpoints carry ibm.role worker_public / worker_private. The API gate and calicoctl
    // documents of attached clusters are dynamic providers: no kubectl needed.
    iks: { defaultCalicoApply: "calicoctl", tools: {}, calicoctlApplies: true, hostEndpointSelector: "ibm.role == 'worker_public'", kubeconfig: "context" },
    existing: { defaultCalicoApply: "api-server", tools: {}, calicoctlApplies: true, hostEndpointSelector: NODE_HOSTNAME_SELECTOR, kubeconfig: "context" },
    render: { defaultCalicoApply: "api-server", tools: {}, calicoctlApplies: false, hostEndpointSelector: NODE_HOSTNAME_SELECTOR, kubeconfig: "none" },
};

/** False for a mode without a cluster (render): nothing to verify or probe. */
export function hasCluster(mode: ClusterMode): boolean {
    return CLUSTER_MODE_DESCRIPTORS[mode].kubeconfig !== "none";
}
