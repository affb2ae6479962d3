// What a cluster mode gives the program, apart from the modes that implement it (index.ts
// chooses one by the stack's cluster mode).
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterSettings } from "../../config";
import type { CalicoResourceFactory } from "../zero-trust-policy";

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

/** Builds a mode's cluster; registers Pulumi resources. */
export type ClusterFactory = (settings: ClusterSettings, needs: ClusterNeeds) => LabCluster;
