// Where the lab runs. Each cluster mode gives the program the same thing: a Kubernetes provider
// every lab resource uses, and what Calico policies must wait for.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterMode, ClusterSettings } from "../../config";
import type { CalicoResourceFactory } from "../zero-trust-policy";
import { existingCluster } from "./existing";
import { renderTarget } from "./render";

export interface LabCluster {
    provider: k8s.Provider;
    /** Calico policy resources depend on these (e.g. the projectcalico.org/v3 API being served). */
    calicoReady: pulumi.Resource[];
    /** How Calico documents are created on this cluster; the Kubernetes API when undefined. */
    calicoResourceFactory?: CalicoResourceFactory;
    /** The kubeconfig, as a secret, when the program knows it. */
    kubeconfig?: pulumi.Output<string>;
}

export interface ClusterNeeds {
    /** The stage needs host endpoints (Calico automatic host endpoints on kind). */
    hostEndpoints: boolean;
}

type ClusterFactory = (settings: ClusterSettings, needs: ClusterNeeds) => LabCluster;

const CLUSTER_FACTORIES: Record<ClusterMode, ClusterFactory> = {
    render: renderTarget,
    existing: existingCluster,
    kind: () => {
        throw new Error("cluster=kind is not available in this build yet; use cluster=existing or cluster=render");
    },
    iks: () => {
        throw new Error("cluster=iks is not available in this build yet; use cluster=existing or cluster=render");
    },
};

export function createCluster(settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    return CLUSTER_FACTORIES[settings.mode](settings, needs);
}
