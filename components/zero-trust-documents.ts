// The zero-trust policies of the lab as plain Kubernetes / Calico documents, for both flavors.
// Pure data in, documents out: the ZeroTrustPolicy component creates them, and the tests and
// the connectivity analyzer read them as they are.
import type { Flavor } from "../config";

export interface PolicyDocument {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: Record<string, unknown>;
}

export interface WorkloadRef {
    /** The workload's `app` label value. */
    app: string;
    port: number;
}

export interface ZeroTrustIntent {
    namespace: string;
    flavor: Flavor;
    defaultDeny: boolean;
    allowProxy: boolean;
    lockdown: boolean;
    app: WorkloadRef;
    proxy: WorkloadRef;
    /** The only NodePort the lockdown leaves open. */
    proxyNodePort: number;
    /** Calico selector of the host endpoints the lockdown protects. */
    hostEndpointSelector: string;
}

/** Where cluster DNS lives on kind and IKS alike (kubeadm's CoreDNS manifest and IBM's docs). */
export const KUBE_DNS = { namespace: "kube-system", labelKey: "k8s-app", labelValue: "kube-dns", port: 53 } as const;
export const NODE_PORT_RANGE = "30000:32767";

/** Explicit Calico policy orders: lower runs first; ties would be broken by name. */
export const CALICO_ORDER = { lockdown: 100, allow: 500, defaultDeny: 2000 } as const;

export const POLICY_NAMES = {
    defaultDeny: "default-deny",
    worldToProxy: "allow-world-to-proxy",
    proxyToApp: "allow-proxy-to-helloworld",
    appFromProxy: "allow-helloworld-from-proxy",
    lockdown: "nodeport-lockdown",
} as const;

export const MANAGED_BY_LABEL = { "app.kubernetes.io/managed-by": "calico-zero-trust-lab" } as const;

export function zeroTrustDocuments(intent: ZeroTrustIntent): PolicyDocument[] {
    const build = intent.flavor === "calico" ? calicoDocuments : kubernetesDocuments;
    return build(intent);
}

// ---------------------------------------------------------------------------------------
// kubernetes flavor: networking.k8s.io/v1 NetworkPolicy

function networkPolicy(intent: ZeroTrustIntent, name: string, spec: Record<string, unknown>): PolicyDocument {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: intent.namespace, labels: { ...MANAGED_BY_LABEL } },
        spec,
    };
}

const appSelector = (workload: WorkloadRef) => ({ matchLabels: { app: workload.app } });
const tcpPort = (port: number) => ({ protocol: "TCP", port });

function kubernetesDocuments(intent: ZeroTrustIntent): PolicyDocument[] {
    if (intent.lockdown) {
        throw new Error("The lockdown stage needs Calico host endpoint policy; the kubernetes flavor cannot express it (use flavor calico).");
    }
    const documents: PolicyDocument[] = [];
    if (intent.defaultDeny) {
        // podSelector {} with both policyTypes isolates every pod of the namespace in both
        // directions; the only egress left is DNS to kube-dns, on UDP and TCP (truncated answers
        // retry over TCP). kubernetes.io/metadata.name is set on every namespace since 1.22.
        documents.push(
            networkPolicy(intent, POLICY_NAMES.defaultDeny, {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": KUBE_DNS.namespace } },
                                podSelector: { matchLabels: { [KUBE_DNS.labelKey]: KUBE_DNS.labelValue } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: KUBE_DNS.port },
                            { protocol: "TCP", port: KUBE_DNS.port },
                        ],
                    },
                ],
            }),
        );
    }
    if (intent.allowProxy) {
        documents.push(
            networkPolicy(intent, POLICY_NAMES.worldToProxy, {
                podSelector: appSelector(intent.proxy),
                policyTypes: ["Ingress"],
                ingress: [{ ports: [tcpPort(intent.proxy.port)] }],
            }),
            networkPolicy(intent, POLICY_NAMES.proxyToApp, {
                podSelector: appSelector(intent.proxy),
                policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: appSelector(intent.app) }], ports: [tcpPort(intent.app.port)] }],
            }),
            networkPolicy(intent, POLICY_NAMES.appFromProxy, {
                podSelector: appSelector(intent.app),
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: appSelector(intent.proxy) }], ports: [tcpPort(intent.app.port)] }],
            }),
        );
    }
    return documents;
}

// ---------------------------------------------------------------------------------------
// calico flavor: projectcalico.org/v3 GlobalNetworkPolicy and NetworkPolicy

const calicoApp = (workload: WorkloadRef) => `app == '${workload.app}'`;

function calicoPolicy(
    kind: "GlobalNetworkPolicy" | "NetworkPolicy",
    name: string,
    namespace: string | undefined,
    spec: Record<string, unknown>,
): PolicyDocument {
    return {
        apiVersion: "projectcalico.org/v3",
        kind,
        metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: { ...MANAGED_BY_LABEL } },
        spec,
    };
}

function calicoDocuments(intent: ZeroTrustIntent): PolicyDocument[] {
    const documents: PolicyDocument[] = [];
    if (intent.defaultDeny) {
        // A global policy scoped to the lab namespace. Its rule selectors are global too, so the
        // DNS rule can name kube-system; in a namespaced Calico policy a rule selector without a
        // namespaceSelector only matches the policy's own namespace (Calico docs, selector scopes).
        // Ingress has no rule: endpoints selected by a policy of the tier and allowed by none are
        // dropped at the end of the tier.
        const dnsDestination = {
            namespaceSelector: `projectcalico.org/name == '${KUBE_DNS.namespace}'`,
            selector: `${KUBE_DNS.labelKey} == '${KUBE_DNS.labelValue}'`,
            ports: [KUBE_DNS.port],
        };
        documents.push(
            calicoPolicy("GlobalNetworkPolicy", `${intent.namespace}-${POLICY_NAMES.defaultDeny}`, undefined, {
                order: CALICO_ORDER.defaultDeny,
                namespaceSelector: `projectcalico.org/name == '${intent.namespace}'`,
                selector: "all()",
                types: ["Ingress", "Egress"],
                egress: [
                    { action: "Allow", protocol: "UDP", destination: dnsDestination },
                    { action: "Allow", protocol: "TCP", destination: dnsDestination },
                ],
            }),
        );
    }
    if (intent.allowProxy) {
        documents.push(
            calicoPolicy("NetworkPolicy", POLICY_NAMES.worldToProxy, intent.namespace, {
                order: CALICO_ORDER.allow,
                selector: calicoApp(intent.proxy),
                types: ["Ingress"],
                ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: [intent.proxy.port] } }],
            }),
            calicoPolicy("NetworkPolicy", POLICY_NAMES.proxyToApp, intent.namespace, {
                order: CALICO_ORDER.allow,
                selector: calicoApp(intent.proxy),
                types: ["Egress"],
                egress: [{ action: "Allow", protocol: "TCP", destination: { selector: calicoApp(intent.app), ports: [intent.app.port] } }],
            }),
            calicoPolicy("NetworkPolicy", POLICY_NAMES.appFromProxy, intent.namespace, {
                order: CALICO_ORDER.allow,
                selector: calicoApp(intent.app),
                types: ["Ingress"],
                ingress: [{ action: "Allow", protocol: "TCP", source: { selector: calicoApp(intent.proxy) }, destination: { ports: [intent.app.port] } }],
            }),
        );
    }
    if (intent.lockdown) {
        // preDNAT policy sees the NodePort before kube-proxy rewrites it, so it can tell one
        // NodePort from another; it must be applyOnForward and ingress-only, and has no default
        // drop: unmatched packets go on to normal policy (Calico docs, reference/host-endpoints/pre-dnat).
        documents.push(
            calicoPolicy("GlobalNetworkPolicy", `${intent.namespace}-${POLICY_NAMES.lockdown}`, undefined, {
                order: CALICO_ORDER.lockdown,
                selector: intent.hostEndpointSelector,
                preDNAT: true,
                applyOnForward: true,
                types: ["Ingress"],
                ingress: [
                    { action: "Deny", protocol: "TCP", destination: { ports: [NODE_PORT_RANGE], notPorts: [intent.proxyNodePort] } },
                    { action: "Deny", protocol: "UDP", destination: { ports: [NODE_PORT_RANGE] } },
                ],
            }),
        );
    }
    return documents;
}
