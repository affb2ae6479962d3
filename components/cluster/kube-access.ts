// How local commands (kubectl, calicoctl) reach the cluster. Every command script starts with
// KUBE_ACCESS_PRELUDE, which writes a private, single-context kubeconfig to a temporary file
// (mode 0600, removed on exit) and exports KUBECONFIG, so kubectl and calicoctl talk to the same
// cluster as the program's Kubernetes provider:
// - a kubeconfig the program holds (kind) arrives as the secret variable KUBECONFIG_DATA;
// - otherwise the ambient kubeconfig is minified to KUBE_CONTEXT (empty: the current context).
import * as pulumi from "@pulumi/pulumi";

export type KubeAccess = { kubeconfig: pulumi.Output<string> } | { context?: string };

export const KUBE_ACCESS_PRELUDE = [
    "set -eu",
    'lab_kubeconfig="$(mktemp)"',
    "trap 'rm -f \"$lab_kubeconfig\"' EXIT",
    'if [ -n "${KUBECONFIG_DATA:-}" ]; then',
    '  printf \'%s\\n\' "$KUBECONFIG_DATA" > "$lab_kubeconfig"',
    "else",
    '  kubectl config view --raw --minify ${KUBE_CONTEXT:+--context "$KUBE_CONTEXT"} > "$lab_kubeconfig"',
    "fi",
    'export KUBECONFIG="$lab_kubeconfig"',
].join("\n");

/** A shell script that runs `body` against the cluster. */
export function withKubeAccess(body: string): string {
    return `${KUBE_ACCESS_PRELUDE}\n${body}`;
}

/** The environment a command needs for KUBE_ACCESS_PRELUDE (secret when it holds a kubeconfig). */
export function kubeEnvironment(access: KubeAccess): pulumi.Input<Record<string, pulumi.Input<string>>> {
    if ("kubeconfig" in access) {
        return pulumi.secret(access.kubeconfig.apply((kubeconfig) => ({ KUBECONFIG_DATA: kubeconfig })));
    }
    return { KUBE_CONTEXT: access.context ?? "" };
}
