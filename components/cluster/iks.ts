import type { ClusterSettings } from "../../config";
import { attachedCluster } from "./attached";
import type { ClusterNeeds, LabCluster } from "./contract";

/**
 * An IBM Cloud Kubernetes Service cluster, attached through a kubeconfig context (run
 * `ibmcloud ks cluster config --cluster <name>` first). IBM installs and manages Calico; the
 * program never reinstalls or reconfigures it. Calico documents go through calicoctl by default
 * (IKS documents calicoctl and may serve no projectcalico.org/v3 API). IKS workers already have
 * host endpoints (ibm.role worker_public / worker_private), so the lockdown stage enables
 * nothing: its policy selects ibm.role == 'worker_public'.
 */
export function iksCluster(settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    return attachedCluster("iks", settings, needs);
}
