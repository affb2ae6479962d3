import * as k8s from "@pulumi/kubernetes";
import type { ClusterSettings } from "../../config";
import type { LabCluster } from "./index";

/**
 * No cluster: the Kubernetes provider writes every manifest to `renderDirectory`
 * (renderYamlToDirectory), kept in sync with the program on every `pulumi up`. The provider
 * still reads a kubeconfig if it finds one (to learn whether custom resources are namespaced),
 * so tests that must not touch a cluster hide it (KUBECONFIG=/dev/null).
 */
export function renderTarget(settings: ClusterSettings): LabCluster {
    const provider = new k8s.Provider("render", {
        renderYamlToDirectory: settings.renderDirectory,
    });
    return { provider, calicoReady: [] };
}
