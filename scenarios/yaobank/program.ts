// The yaobank scenario, top to bottom like the track: cluster -> the three namespaces ->
// customer, summary, database -> the track's policies in order -> the intent -> outputs.
// What exists at a stage is decided by the stage table (stages.ts), read through config.features.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../components/cluster";
import { createHttpWorkload } from "../../components/http-workload";
import { createIntentConfigMap } from "../../components/intent-config-map";
import { Placement, placedIn } from "../../components/placement";
import { MANAGED_BY_LABEL, PolicyDocument } from "../../components/zero-trust-documents";
import { createPolicyResources, PolicyTarget } from "../../components/zero-trust-policy";
import type { YaobankConfig } from "./config";
import { yaobankBaselineText, yaobankFlowChecksAt } from "./flows";
import { intentTable } from "../common/outputs";
import { serviceHost, yaobankTryCommands } from "./outputs";
import { yaobankPolicyDocuments } from "./policies";
import { YAOBANK_APPS, YAOBANK_SCENARIO_LABEL, YAOBANK_WORKLOADS, YaobankWorkload, yaobankExpectationsAt } from "./stages";

/** The track's pod label besides `app`. */
const VERSION_LABEL = { version: "v1" };

/** The Flask apps are small; etcd holds a handful of keys. */
const RESOURCES = {
    flask: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
    etcd: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
};
const PROBE_TIMINGS = { readinessDelaySeconds: 5, livenessDelaySeconds: 30 };

function envOf(workload: YaobankWorkload): Record<string, string> | undefined {
    if (!workload.calls) return undefined;
    const callee = YAOBANK_WORKLOADS[workload.calls.app];
    return {
        [workload.calls.hostEnv]: serviceHost(callee),
        ...(workload.calls.portEnv === undefined ? {} : { [workload.calls.portEnv]: String(callee.port) }),
    };
}

export interface YaobankTierArgs extends Placement {
    workload: YaobankWorkload;
    image: string;
}

/**
 * One tier of yaobank in its own namespace: Deployment, Service and ServiceAccount, all named
 * after the app (customer, summary, database), pods labelled app and version: v1.
 */
export class YaobankTier extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;

    constructor(name: string, args: YaobankTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:yaobank:Tier", name, {}, opts);
        const { workload } = args;
        const isDatabase = workload.app === "database";
        const created = createHttpWorkload(
            {
                name: workload.app,
                namespace: workload.namespace,
                image: args.image,
                replicas: workload.replicas,
                containerPort: workload.port,
                nodePort: workload.nodePort,
                extraLabels: VERSION_LABEL,
                serviceAccount: { name: workload.app, labels: workload.serviceAccountLabels },
                env: envOf(workload),
                command: workload.command,
                args: workload.args,
                portName: isDatabase ? "etcd-client" : "http",
                // The track's images run as root and etcd writes its data directory beside itself.
                hardening: "image-user",
                resources: isDatabase ? RESOURCES.etcd : RESOURCES.flask,
                probeTimings: PROBE_TIMINGS,
            },
            placedIn(args, this),
        );
        this.deployment = created.deployment;
        this.service = created.service;
        this.serviceAccount = created.serviceAccount!;
        this.registerOutputs({});
    }
}

export interface YaobankPoliciesArgs extends PolicyTarget {
    documents: PolicyDocument[];
}

/** The track's policies of the stage, created in the track's order. */
export class YaobankPolicies extends pulumi.ComponentResource {
    public readonly documents: pulumi.Output<PolicyDocument[]>;
    public readonly resources: pulumi.Resource[];

    constructor(name: string, args: YaobankPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:yaobank:Policies", name, {}, opts);
        this.resources = createPolicyResources(args.documents, args, this);
        this.documents = pulumi.output(args.documents);
        this.registerOutputs({ documents: this.documents });
    }
}

/** Creates the stage's resources and returns the stack outputs (the same names as the helloworld lab's). */
export function yaobankProgram(config: YaobankConfig) {
    const { features } = config;
    const needs = { hostEndpoints: false, calicoPolicies: config.flavor === "calico" };
    const cluster = createCluster(config.cluster, needs);
    const provider = cluster.provider;
    const placement = { provider, deletedWith: cluster.deletedWith };

    const namespaces = Object.fromEntries(
        YAOBANK_APPS.map((app) => {
            const workload = YAOBANK_WORKLOADS[app];
            return [
                app,
                new k8s.core.v1.Namespace(
                    workload.namespace,
                    {
                        metadata: {
                            name: workload.namespace,
                            labels: {
                                ...MANAGED_BY_LABEL,
                                ...YAOBANK_SCENARIO_LABEL,
                                // The track's policies select namespaces by this label.
                                ns: app,
                                // The track's images run as root: enforce "baseline", warn about "restricted".
                                "pod-security.kubernetes.io/enforce": "baseline",
                                "pod-security.kubernetes.io/warn": "restricted",
                            },
                        },
                    },
                    placedIn(placement),
                ),
            ];
        }),
    ) as Record<(typeof YAOBANK_APPS)[number], k8s.core.v1.Namespace>;
    const allNamespaces = Object.values(namespaces);

    const tiers = features.app
        ? YAOBANK_APPS.map(
              (app) => new YaobankTier(app, { ...placement, workload: YAOBANK_WORKLOADS[app], image: config.images[app] }, { dependsOn: [namespaces[app]] }),
          )
        : [];

    const policies = new YaobankPolicies(
        "yaobank",
        {
            ...placement,
            calicoReady: cluster.calicoReady,
            calicoResourceFactory: cluster.calicoResourceFactory,
            documents: yaobankPolicyDocuments(features),
        },
        { dependsOn: allNamespaces },
    );

    // The stage's expected flows, declared once, in the namespace the world enters by.
    const flowChecks = yaobankFlowChecksAt(config.stage);
    createIntentConfigMap(
        {
            provider,
            namespace: namespaces.customer.metadata.name,
            checks: flowChecks,
            stage: { scenario: "yaobank", number: config.stage.number, name: config.stage.name },
            baseline: yaobankBaselineText(),
            calicoVersion: config.cluster.calicoVersion,
        },
        { ...placedIn(placement), dependsOn: [namespaces.customer] },
    );

    return {
        stage: { number: config.stage.number, name: config.stage.name, adds: config.stage.adds, scenario: config.scenario },
        flavor: config.flavor,
        labNamespace: pulumi.all(allNamespaces.map((namespace) => namespace.metadata.name)),
        workloads: tiers.map((tier) => pulumi.interpolate`${tier.deployment.metadata.namespace}/${tier.deployment.metadata.name}`),
        tryIt: yaobankTryCommands(config),
        zeroTrustIntent: intentTable(yaobankExpectationsAt(config.stage)),
        flowQueries: flowChecks,
        policyDocuments: policies.documents,
        kubeconfig: cluster.kubeconfig,
    };
}
