// Clusters the program attaches to instead of creating: IKS and any kubeconfig context with
// Calico. Calico is already there and is never (re)installed; the program only decides how
// Calico documents reach the cluster (calicoApply) and, for the API server, waits for it.
import * as k8s from "@pulumi/kubernetes";
import type { ClusterSettings } from "../../config";
import { calicoApiReady } from "./calico-api";
import { calicoctlResourceFactory } from "./calicoctl";
import type { ClusterNeeds, LabCluster } from "./index";
import type { KubeAccess } from "./kube-access";

export function attachedCluster(name: "iks" | "existing", settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    const context = settings.kubeconfigContext;
    const provider = new k8s.Provider(name, context ? { context } : {});
    const access: KubeAccess = { context };
    if (!(needs.calicoPolicies ?? true)) {
        return { provider, calicoReady: [] };
    }
    if (settings.calicoApply === "calicoctl") {
        return { provider, calicoReady: [], calicoResourceFactory: calicoctlResourceFactory({ access }) };
    }
    // api-server: fail early, with a message, when the cluster serves no projectcalico.org/v3.
    return { provider, calicoReady: [calicoApiReady(`${name}-calico-api-ready`, access, {})] };
}
