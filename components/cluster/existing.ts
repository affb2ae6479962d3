import * as k8s from "@pulumi/kubernetes";
import type { ClusterSettings } from "../../config";
import type { LabCluster } from "./index";

/**
 * A cluster the user brings, with Calico already installed (and the Calico API server for the
 * calico flavor): the ambient kubeconfig, optionally a named context.
 */
export function existingCluster(settings: ClusterSettings): LabCluster {
    const provider = new k8s.Provider("existing", settings.kubeconfigContext ? { context: settings.kubeconfigContext } : {});
    return { provider, calicoReady: [] };
}
