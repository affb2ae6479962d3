// Clusters the program attaches to instead of creating: IKS and any kubeconfig context with
// Calico. Calico is already there and is never (re)installed; the program only decides how
// Calico documents reach the cluster (calicoApply) and, for the API server, waits for it.
// Both are Pulumi dynamic resources (calico-api-gate.ts, calicoctl-document.ts): attaching needs
// no provider plugin beyond Kubernetes, and only the context name is kept in state.
import * as k8s from "@pulumi/kubernetes";
import type { ClusterSettings } from "../../config";
import { CalicoApiGate } from "./calico-api-gate";
import { calicoctlDocumentFactory } from "./calicoctl-document";
import type { ClusterNeeds, LabCluster } from "./contract";

export function attachedCluster(name: "iks" | "existing", settings: ClusterSettings, needs: ClusterNeeds): LabCluster {
    const context = settings.kubeconfigContext;
    const provider = new k8s.Provider(name, context ? { context } : {});
    if (!(needs.calicoPolicies ?? true)) {
        return { provider, calicoReady: [] };
    }
    if (settings.calicoApply === "calicoctl") {
        return { provider, calicoReady: [], calicoResourceFactory: calicoctlDocumentFactory(context) };
    }
    // api-server: fail early, with a message, when the cluster serves no projectcalico.org/v3.
    return { provider, calicoReady: [new CalicoApiGate(`${name}-calico-api-ready`, { context })] };
}
