// The echo scenario's program: cluster -> namespace -> echo -> its NetworkPolicy -> intent -> outputs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../../components/cluster";
import { createHttpWorkload } from "../../../components/http-workload";
import { createIntentConfigMap } from "../../../components/intent-config-map";
import { placedIn } from "../../../components/placement";
import type { PolicyDocument } from "../../../components/zero-trust-documents";
import { intentTable, NODE_IP_COMMAND } from "../../../scenarios/common/outputs";
import type { ScenarioOutputs } from "../../../scenarios/scenario";
import type { EchoConfig } from "./config";
import { echoFlowChecksAt } from "./flows";
import { ECHO_EXPECTED_FLOWS, ECHO_NAMESPACE, ECHO_NODE_PORT, ECHO_PORT, echoFeaturesOf } from "./stages";

export function echoProgram(config: EchoConfig): ScenarioOutputs {
    const features = echoFeaturesOf(config.stage);
    const cluster = createCluster(config.cluster, { hostEndpoints: false, calicoPolicies: false });
    const placement = { provider: cluster.provider, deletedWith: cluster.deletedWith };
    const namespace = new k8s.core.v1.Namespace(ECHO_NAMESPACE, { metadata: { name: ECHO_NAMESPACE } }, placedIn(placement));
    const echo = features.echo
        ? createHttpWorkload(
              {
                  name: "echo",
                  namespace: ECHO_NAMESPACE,
                  image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
                  replicas: 1,
                  containerPort: ECHO_PORT,
                  nodePort: ECHO_NODE_PORT,
              },
              { ...placedIn(placement), dependsOn: [namespace] },
          )
        : undefined;
    if (features.isolated) {
        new k8s.networking.v1.NetworkPolicy(
            "echo-isolated",
            {
                metadata: { name: "echo-isolated", namespace: ECHO_NAMESPACE },
                spec: {
                    podSelector: { matchLabels: { app: "echo" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ ports: [{ port: ECHO_PORT, protocol: "TCP" }] }],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                            ],
                            ports: [
                                { port: 53, protocol: "UDP" },
                                { port: 53, protocol: "TCP" },
                            ],
                        },
                    ],
                },
            },
            { ...placedIn(placement), dependsOn: [namespace] },
        );
    }
    const flowChecks = echoFlowChecksAt(config.stage);
    createIntentConfigMap(
        {
            provider: cluster.provider,
            namespace: ECHO_NAMESPACE,
            checks: flowChecks,
            stage: { scenario: "echo", number: config.stage.number, name: config.stage.name },
            calicoVersion: config.cluster.calicoVersion,
        },
        { ...placedIn(placement), dependsOn: [namespace] },
    );
    return {
        stage: { number: config.stage.number, name: config.stage.name, adds: config.stage.adds, scenario: "echo" },
        flavor: config.flavor,
        labNamespace: namespace.metadata.name,
        workloads: echo ? [echo.deployment.metadata.name] : [],
        tryIt: { nodeIp: NODE_IP_COMMAND, echo: features.echo ? `curl -s "http://$NODE_IP:${ECHO_NODE_PORT}/"` : undefined },
        zeroTrustIntent: intentTable(ECHO_EXPECTED_FLOWS.map((flow) => ({ flow, expected: flow.expected[config.stage.number]! }))),
        flowQueries: flowChecks,
        policyDocuments: pulumi.output<PolicyDocument[]>([]),
        kubeconfig: cluster.kubeconfig,
    };
}
