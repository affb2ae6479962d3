// A local kind cluster with Calico, created and deleted by the program:
//   kind cluster (local command) -> Kubernetes provider (kubeconfig, secret)
//   -> Calico operator manifests -> Installation + APIServer -> projectcalico.org/v3 API ready
//   [-> automatic host endpoints, only while a stage needs them]
// Everything inside the cluster is deletedWith the cluster: `pulumi destroy` deletes the kind
// cluster last and does not delete objects one by one inside a cluster that is going away.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CalicoApplyMode, ClusterSettings } from "../../config";
import { calicoThroughKubernetesApi, CalicoResourceFactory } from "../zero-trust-policy";
import { automaticHostEndpoints, calicoApiReady } from "./calico-api";
import { calicoctlResourceFactory } from "./calicoctl";
import { CALICO_CUSTOM_RESOURCES_SCRIPT, calicoOperatorScript, parseCalicoVersion, renderCustomResources } from "./calico-install";
import type { ClusterNeeds, LabCluster } from "./contract";
import { KubeAccess, kubeEnvironment, withKubeAccess } from "./kube-access";
import { KindClusterConfig, kindClusterConfig, renderKindConfig } from "./kind-config";

/** Creates the cluster from the config on stdin and prints its kubeconfig (the only stdout). */
export const KIND_CREATE_SCRIPT = [
    "set -eu",
    'if kind get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER_NAME"; then',
    '  echo "A kind cluster named $KIND_CLUSTER_NAME already exists and is not in this stack. Delete it (kind delete cluster --name $KIND_CLUSTER_NAME) or choose another name (pulumi config set kindClusterName <name>)." >&2',
    "  exit 1",
    "fi",
    'kind create cluster --name "$KIND_CLUSTER_NAME" --config - >&2',
    'kind get kubeconfig --name "$KIND_CLUSTER_NAME"',
].join("\n");
/** Runs when only the scripts changed (a config change replaces the cluster instead). */
export const KIND_REFRESH_SCRIPT = 'set -eu\nkind get kubeconfig --name "$KIND_CLUSTER_NAME"';
export const KIND_DELETE_SCRIPT = 'set -eu\nkind delete cluster --name "$KIND_CLUSTER_NAME"';

export interface KindClusterArgs {
    kind: ClusterSettings["kind"];
    calicoApply: CalicoApplyMode;
    needs: ClusterNeeds;
}

export class KindCluster extends pulumi.ComponentResource implements LabCluster {
    /** The kind configuration passed to `kind create cluster`. */
    public readonly config: KindClusterConfig;
    /** The kubectl context kind writes to the user's kubeconfig. */
    public readonly contextName: string;
    public readonly cluster: command.local.Command;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;
    public readonly calicoOperator: command.local.Command;
    public readonly calicoInstallation: command.local.Command;
    public readonly calicoApiReady: command.local.Command;
    public readonly hostEndpoints?: command.local.Command;
    public readonly calicoReady: pulumi.Resource[];
    public readonly calicoResourceFactory: CalicoResourceFactory;
    public readonly deletedWith: pulumi.Resource;

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:cluster:KindCluster", name, {}, opts);
        const calicoVersion = parseCalicoVersion(args.kind.calicoVersion);
        this.config = kindClusterConfig(args.kind);
        this.contextName = `kind-${args.kind.name}`;
        const configYaml = renderKindConfig(this.config);

        this.cluster = new command.local.Command(
            `${name}-cluster`,
            {
                create: KIND_CREATE_SCRIPT,
                update: KIND_REFRESH_SCRIPT,
                delete: KIND_DELETE_SCRIPT,
                stdin: configYaml,
                environment: { KIND_CLUSTER_NAME: args.kind.name },
                // A kind cluster cannot be changed in place: a new config means a new cluster.
                triggers: [configYaml],
                // stdout is the kubeconfig: never in the console, secret in the state.
                logging: "stderr",
            },
            { parent: this, additionalSecretOutputs: ["stdout"], deleteBeforeReplace: true },
        );
        this.kubeconfig = pulumi.secret(this.cluster.stdout);
        this.deletedWith = this.cluster;

        const access: KubeAccess = { kubeconfig: this.kubeconfig };
        const inCluster = { parent: this, deletedWith: this.cluster };

        this.calicoOperator = new command.local.Command(
            `${name}-calico-operator`,
            {
                create: withKubeAccess(calicoOperatorScript(calicoVersion)),
                environment: kubeEnvironment(access),
                logging: "stdoutAndStderr",
            },
            { ...inCluster, dependsOn: [this.cluster] },
        );

        this.calicoInstallation = new command.local.Command(
            `${name}-calico-installation`,
            {
                create: withKubeAccess(CALICO_CUSTOM_RESOURCES_SCRIPT),
                stdin: renderCustomResources(args.kind.podSubnet),
                environment: kubeEnvironment(access),
                logging: "stdoutAndStderr",
            },
            { ...inCluster, dependsOn: [this.calicoOperator] },
        );

        // Every lab resource uses this provider; it exists once Calico has been asked to network
        // the cluster, so the lab's pods are not scheduled on a cluster without a CNI.
        this.provider = new k8s.Provider(
            `${name}`,
            {
                kubeconfig: this.kubeconfig,
                // A kind cluster deleted outside Pulumi (kind delete, Docker reset) is gone with
                // everything in it: let refresh/destroy drop its objects from the state.
                deleteUnreachable: true,
            },
            { parent: this, dependsOn: [this.calicoInstallation] },
        );

        this.calicoApiReady = calicoApiReady(`${name}-calico-api-ready`, access, { ...inCluster, dependsOn: [this.calicoInstallation] });
        this.calicoReady = [this.calicoApiReady];
        if (args.needs.hostEndpoints) {
            this.hostEndpoints = automaticHostEndpoints(`${name}-host-endpoints`, access, { ...inCluster, dependsOn: [this.calicoApiReady] });
            this.calicoReady.push(this.hostEndpoints);
        }

        const cluster = this.cluster;
        this.calicoResourceFactory =
            args.calicoApply === "calicoctl"
                ? calicoctlResourceFactory({ access, deletedWith: cluster })
                : (resourceName, document, resourceOpts) => calicoThroughKubernetesApi(resourceName, document, { ...resourceOpts, deletedWith: cluster });

        this.registerOutputs({ kubeconfig: this.kubeconfig, contextName: this.contextName });
    }
}

export function kindCluster(settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    // Configuration mistakes surface before anything is registered.
    parseCalicoVersion(settings.kind.calicoVersion);
    kindClusterConfig(settings.kind);
    return new KindCluster(settings.kind.name, { kind: settings.kind, calicoApply: settings.calicoApply, needs });
}
