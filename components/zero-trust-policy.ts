import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Placement, placedIn } from "./placement";
import { PolicyDocument, zeroTrustDocuments, ZeroTrustIntent } from "./zero-trust-documents";

/**
 * Creates one Calico document as a Pulumi resource. The default goes through the Kubernetes
 * API (projectcalico.org/v3, served by the Calico API server); a cluster without that API
 * (IKS) supplies one that runs calicoctl instead.
 */
export type CalicoResourceFactory = (resourceName: string, document: PolicyDocument, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

export const calicoThroughKubernetesApi: CalicoResourceFactory = (resourceName, document, opts) =>
    new k8s.apiextensions.CustomResource(resourceName, document, opts);

/** How policy documents reach the cluster: its provider, and how Calico documents are created there. */
export interface PolicyTarget extends Placement {
    /** Resources that must exist before Calico policies can be created (the projectcalico.org/v3 API). */
    calicoReady?: pulumi.Input<pulumi.Resource>[];
    calicoResourceFactory?: CalicoResourceFactory;
}

export interface ZeroTrustPolicyArgs extends ZeroTrustIntent, PolicyTarget {}

/**
 * Creates each document as a resource, children of `parent`: Kubernetes NetworkPolicies through
 * the provider, Calico documents through the target's factory. Resource names are
 * `<kind>-<namespace>-<name>`, stable from one stage to the next.
 */
export function createPolicyResources(documents: PolicyDocument[], target: PolicyTarget, parent: pulumi.Resource): pulumi.Resource[] {
    const createCalico = target.calicoResourceFactory ?? calicoThroughKubernetesApi;
    return documents.map((document) => {
        const resourceName = [document.kind.toLowerCase(), document.metadata.namespace, document.metadata.name].filter(Boolean).join("-");
        if (document.apiVersion === "networking.k8s.io/v1") {
            const spec = document.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec;
            return new k8s.networking.v1.NetworkPolicy(resourceName, { metadata: document.metadata, spec }, placedIn(target, parent));
        }
        return createCalico(resourceName, document, { ...placedIn(target, parent), dependsOn: target.calicoReady });
    });
}

/**
 * Default deny with a DNS allowance, the lab's allowed flows and the NodePort lockdown, in the
 * flavor asked for. `documents` are the plain objects it created, for tests and the analyzer.
 */
export class ZeroTrustPolicy extends pulumi.ComponentResource {
    public readonly documents: pulumi.Output<PolicyDocument[]>;
    public readonly resources: pulumi.Resource[];

    constructor(name: string, args: ZeroTrustPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:components:ZeroTrustPolicy", name, {}, opts);
        const documents = zeroTrustDocuments(args);
        this.resources = createPolicyResources(documents, args, this);
        this.documents = pulumi.output(documents);
        this.registerOutputs({ documents: this.documents });
    }
}
