// A scenario as the Kubernetes and Calico objects that deploy it: namespaces, service accounts,
// one pod per scenario pod (running `listen` on its ports), Services, then the policies and
// network sets. The same objects go to the API server and, in the unit tests, to the analyzer.
import type { PlainObject } from "../../live/cluster";
import { PROBE_CONTAINER } from "../../live/probe-pods";
import { POD_NAME_LABEL, Scenario, ScenarioPod, SCENARIO_LABEL, SCOPE_LABEL } from "./scenario";

/** The cluster's busybox stand-in (scripts/cluster/images.sh), which has `listen` and `nc -u`. */
export const DEFAULT_IMAGE = "docker.io/library/busybox:1.36";

export function podLabels(pod: ScenarioPod): Record<string, string> {
    return { ...pod.labels, [POD_NAME_LABEL]: pod.name, [SCOPE_LABEL]: "true" };
}

export function podManifest(pod: ScenarioPod, image: string, labels: Record<string, string> = podLabels(pod)): PlainObject {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod.name, namespace: pod.namespace, labels },
        spec: {
            serviceAccountName: pod.serviceAccount,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            containers: [
                {
                    // The pods probe from themselves (live/probes.ts execs in PROBE_CONTAINER): the
                    // source of a cell is the real workload, with its own address and identity.
                    name: PROBE_CONTAINER,
                    image,
                    imagePullPolicy: "IfNotPresent",
                    command: ["listen", `${pod.namespace}/${pod.name}`, ...pod.ports.map((port) => `${port.protocol.toLowerCase()}:${port.port}`)],
                    ports: pod.ports.map((port) => ({ containerPort: port.port, protocol: port.protocol, ...(port.name ? { name: port.name } : {}) })),
                    resources: { requests: { cpu: "5m", memory: "8Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
                },
            ],
        },
    };
}

/** Everything but the pods' own objects: namespaces first, then accounts, Services, policies. */
export function renderScenario(scenario: Scenario, image = DEFAULT_IMAGE): PlainObject[] {
    const objects: PlainObject[] = [];
    for (const namespace of scenario.namespaces) {
        objects.push({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespace.name, labels: { ...namespace.labels, [SCENARIO_LABEL]: scenario.name } },
        });
    }
    const accounts = new Set(scenario.pods.filter((pod) => pod.serviceAccount !== "default").map((pod) => `${pod.namespace}/${pod.serviceAccount}`));
    for (const account of [...accounts].sort()) {
        const [namespace, name] = account.split("/");
        objects.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
    }
    for (const pod of scenario.pods) objects.push(podManifest(pod, image));
    for (const service of scenario.services) {
        objects.push({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: service.name, namespace: service.namespace },
            spec: {
                type: service.type,
                selector: { [POD_NAME_LABEL]: service.pod },
                ports: service.ports.map((port, i) => ({ name: `p${i}`, port: port.port, protocol: port.protocol, targetPort: port.targetPort })),
            },
        });
    }
    objects.push(...scenario.objects);
    return objects;
}
