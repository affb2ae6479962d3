// Calico documents through calicoctl on kind (calicoApply=calicoctl), where the program holds
// the kubeconfig and already runs local commands. Each document is one local command:
// `calicoctl apply` on create and update (create-or-replace), `calicoctl delete` on delete, the
// document on stdin, against the Kubernetes datastore (DATASTORE_TYPE=kubernetes). Attached
// clusters use the dynamic provider in calicoctl-document.ts instead.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { CalicoResourceFactory } from "../zero-trust-policy";
import { KubeAccess, kubeEnvironment, withKubeAccess } from "./kube-access";

export const CALICOCTL_APPLY_SCRIPT = withKubeAccess("calicoctl apply -f -");
export const CALICOCTL_DELETE_SCRIPT = withKubeAccess("calicoctl delete --skip-not-exists -f -");

export interface CalicoctlOptions {
    access: KubeAccess;
    /** Objects inside the cluster need no delete of their own when this resource is deleted. */
    deletedWith?: pulumi.Resource;
}

export function calicoctlResourceFactory(options: CalicoctlOptions): CalicoResourceFactory {
    return (resourceName, document, opts) => {
        // The document is not a Kubernetes object here: the Kubernetes provider does not apply.
        const { provider: _kubernetesProvider, ...commandOpts } = opts;
        return new command.local.Command(
            resourceName,
            {
                create: CALICOCTL_APPLY_SCRIPT,
                update: CALICOCTL_APPLY_SCRIPT,
                delete: CALICOCTL_DELETE_SCRIPT,
                stdin: stringify(document),
                environment: pulumi.output(kubeEnvironment(options.access)).apply((env) => ({ ...env, DATASTORE_TYPE: "kubernetes" })),
                logging: "stdoutAndStderr",
            },
            { ...commandOpts, deletedWith: commandOpts.deletedWith ?? options.deletedWith },
        );
    };
}
