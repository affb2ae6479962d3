import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Where a component's Kubernetes objects go: the cluster's provider, and the resource they are
 * deleted with when the program owns the cluster (kind): `pulumi destroy` then deletes the
 * cluster instead of each object inside it.
 */
export interface Placement {
    provider: k8s.Provider;
    deletedWith?: pulumi.Resource;
}

/** The resource options that put a child into the cluster. */
export function placedIn(placement: Placement, parent?: pulumi.Resource): pulumi.CustomResourceOptions {
    return { parent, provider: placement.provider, deletedWith: placement.deletedWith };
}
