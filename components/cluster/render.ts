import * as k8s from "@pulumi/kubernetes";
import type { ClusterSettings } from "../../config";
import type { LabCluster } from "./contract";

/**
 * No cluster: the Kubernetes provider writes every manifest to `renderDirectory`
 * (renderYamlToDirectory), kept in sync with the program on every `pulumi up`. The provider
 * still reads a kubeconfig if it finds one (to learn whether custom resources are namespaced),
 * so runs that must not touch a cluster hide it: KUBECONFIG unset and a HOME without ~/.kube.
 * (KUBECONFIG=/dev/null does not work: the provider then takes it as an explicit kubeconfig,
 * which it refuses together with renderYamlToDirectory.)
 */
export function renderTarget(settings: ClusterSettings): LabCluster {
    const provider = new k8s.Provider("render", {
        renderYamlToDirectory: settings.renderDirectory,
    });
    return { provider, calicoReady: [] };
}
