import type { ClusterSettings } from "../../config";
import { attachedCluster } from "./attached";
import type { ClusterNeeds, LabCluster } from "./contract";

/**
 * A cluster the user brings, with Calico already installed: the ambient kubeconfig, optionally a
 * named context. Calico documents go through its API server (calicoApply=api-server, the
 * default) or calicoctl. Host endpoints for the lockdown stage are the user's to provide
 * (docs/cluster.md).
 */
export function existingCluster(settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    return attachedCluster("existing", settings, needs);
}
