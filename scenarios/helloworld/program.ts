// The helloworld lab (IBM's "Kubernetes Network Policy and Calico"), top to bottom:
// config -> cluster -> namespace -> app -> proxy -> policies -> intent -> outputs.
// What exists at a stage is decided by the stage table (stages.ts), read through config.features.
import * as k8s from "@pulumi/kubernetes";
import { createCluster } from "../../components/cluster";
import { HELLOWORLD_NAME, HELLOWORLD_PORT, HelloWorldApp } from "../../components/hello-world-app";
import { Proxy, PROXY_NAME, PROXY_PORT } from "../../components/proxy";
import { placedIn } from "../../components/placement";
import { MANAGED_BY_LABEL } from "../../components/zero-trust-documents";
import { ZeroTrustPolicy } from "../../components/zero-trust-policy";
import { createIntentConfigMap } from "../../components/intent-config-map";
import type { LabConfig } from "./config";
import { baselineYaml, flowChecksAt } from "./flows";
import { intentTable } from "../common/outputs";
import { tryCommands } from "./outputs";
import { expectationsAt } from "./stages";

/** Creates the stage's resources and returns the stack outputs. */
export function helloworldProgram(config: LabConfig) {
    const { features } = config;

    const cluster = createCluster(config.cluster, { hostEndpoints: features.lockdown, calicoPolicies: config.flavor === "calico" });
    const provider = cluster.provider;
    const placement = { provider, deletedWith: cluster.deletedWith };

    const namespace = new k8s.core.v1.Namespace(
        "lab",
        {
            metadata: {
                name: config.namespace,
                labels: {
                    ...MANAGED_BY_LABEL,
                    // The lab's pods meet the "restricted" Pod Security Standard; enforce it.
                    "pod-security.kubernetes.io/enforce": "restricted",
                },
            },
        },
        placedIn(placement),
    );
    const namespaceName = namespace.metadata.name;

    const app = features.helloworld
        ? new HelloWorldApp("helloworld", { ...placement, namespace: namespaceName, ...config.app }, { dependsOn: [namespace] })
        : undefined;

    // The proxy reaches the app by its Service name, resolved by cluster DNS in the lab namespace.
    const appServiceHost = `${HELLOWORLD_NAME}:${HELLOWORLD_PORT}`;
    const proxy = features.proxy
        ? new Proxy("helloworld-proxy", { ...placement, namespace: namespaceName, upstreamHost: appServiceHost, ...config.proxy }, { dependsOn: [namespace] })
        : undefined;

    const policy = new ZeroTrustPolicy(
        "zero-trust",
        {
            ...placement,
            calicoReady: cluster.calicoReady,
            calicoResourceFactory: cluster.calicoResourceFactory,
            namespace: config.namespace,
            flavor: config.flavor,
            defaultDeny: features.defaultDeny,
            allowProxy: features.allowProxy,
            lockdown: features.lockdown,
            app: { app: HELLOWORLD_NAME, port: HELLOWORLD_PORT },
            proxy: { app: PROXY_NAME, port: PROXY_PORT },
            proxyNodePort: config.proxy.nodePort,
            hostEndpointSelector: config.hostEndpointSelector,
        },
        { dependsOn: [namespace] },
    );

    // The stage's expected flows, declared in the cluster for the policy pack and live verification.
    const flowChecks = flowChecksAt(config.stage, {
        namespace: config.namespace,
        nodePorts: { helloworld: config.app.nodePort, "helloworld-proxy": config.proxy.nodePort },
    });
    if (flowChecks.length > 0) {
        const baseline = baselineYaml(config.stage, config.cluster.mode);
        createIntentConfigMap(
            {
                provider,
                namespace: namespaceName,
                checks: flowChecks,
                baseline,
                calicoVersion: config.cluster.calicoVersion,
                stage: { scenario: "helloworld", number: config.stage.number, name: config.stage.name },
            },
            { ...placedIn(placement), dependsOn: [namespace] },
        );
    }

    return {
        stage: { number: config.stage.number, name: config.stage.name, adds: config.stage.adds },
        flavor: config.flavor,
        labNamespace: namespaceName,
        workloads: [app?.deployment.metadata.name, proxy?.deployment.metadata.name].filter((name) => name !== undefined),
        tryIt: tryCommands(config, appServiceHost),
        zeroTrustIntent: intentTable(expectationsAt(config.stage)),
        flowQueries: flowChecks,
        policyDocuments: policy.documents,
        kubeconfig: cluster.kubeconfig,
    };
}
