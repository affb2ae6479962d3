// Where the lab runs. Each cluster mode gives the program the same thing: a Kubernetes provider
// every lab resource uses, and what Calico policies must wait for.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterMode, ClusterSettings } from "../../config";
import type { CalicoResourceFactory } from "../zero-trust-policy";
import { existingCluster } from "./existing";
import { iksCluster } from "./iks";
import { kindCluster } from "./kind";
import { checkPrerequisites, onPath, runCheck, ToolEnvironment } from "./prerequisites";
import { renderTarget } from "./render";

export interface LabCluster {
    provider: k8s.Provider;
    /** Calico policy resources depend on these (e.g. the projectcalico.org/v3 API being served). */
    calicoReady: pulumi.Resource[];
    /** How Calico documents are created on this cluster; the Kubernetes API when undefined. */
    calicoResourceFactory?: CalicoResourceFactory;
    /** The kubeconfig, as a secret, when the program knows it. */
    kubeconfig?: pulumi.Output<string>;
    /**
     * Set when the program created the cluster (kind): objects inside it can use it as their
     * `deletedWith`, so `pulumi destroy` deletes the cluster instead of each object in it.
     */
    deletedWith?: pulumi.Resource;
}

export interface ClusterNeeds {
    /** The stage needs host endpoints (Calico automatic host endpoints on kind). */
    hostEndpoints: boolean;
    /** Calico policy documents will be created (flavor calico). Default true. */
    calicoPolicies?: boolean;
}

/** What the cluster factories take from the machine; tests inject their own. */
export type ClusterEnvironment = ToolEnvironment;

type ClusterFactory = (settings: ClusterSettings, needs: ClusterNeeds) => LabCluster;

const CLUSTER_FACTORIES: Record<ClusterMode, ClusterFactory> = {
    render: renderTarget,
    existing: existingCluster,
    kind: kindCluster,
    iks: iksCluster,
};

/**
 * The cluster of the stack's cluster mode. The tools the mode runs are checked first,
 * synchronously: a missing tool throws PrerequisiteError before any resource is registered.
 */
export function createCluster(settings: ClusterSettings, needs: ClusterNeeds, environment: ClusterEnvironment = { findCommand: onPath(), runCheck }): LabCluster {
    checkPrerequisites(settings, { calicoPolicies: needs.calicoPolicies ?? true }, environment);
    return CLUSTER_FACTORIES[settings.mode](settings, needs);
}
