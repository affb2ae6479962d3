/** A Kubernetes or Calico object as read from YAML: plain data, nothing else. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
    spec?: any;
    [k: string]: unknown;
}

export type Labels = Readonly<Record<string, string>>;

/** A label's value, own properties only (a label named "constructor" is not Object's). */
export const ownLabel = (labels: Labels | undefined, key: string): string | undefined => (labels && Object.hasOwn(labels, key) ? labels[key] : undefined);
/** Protocols with ports (container ports, Service ports, failsafe ports, the matrix). */
export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
/** What a query may ask about: ICMP stands for an echo request (ping, type 8 code 0), which has no port. */
export type QueryProtocol = Protocol | "ICMP";
export const QUERY_PROTOCOLS: readonly QueryProtocol[] = [...PROTOCOLS, "ICMP"];
export type Direction = "ingress" | "egress";
export type Action = "Allow" | "Deny" | "Log" | "Pass";
/** The cluster-scoped policy kinds of the Kubernetes network-policy API (admin-policies.ts). */
export type AdminPolicyKind = "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" | "ClusterNetworkPolicy";
/** A Calico tier: policies are evaluated tier by tier, lowest order first. */
export interface Tier {
    name: string;
    order: number;
    defaultAction: "Deny" | "Pass";
}
/**
 * A connection: a source opening a connection to a destination port (docs/glossary.md). `src` and
 * `dst` are endpoint names (endpoint-names.ts: `<namespace>/<workload>`, `external:<ipv4>`,
 * `nodeport:<namespace>/<service>`, ...). The one type for it: matrix cells, diffs, a lab flow's
 * legs, the intent ConfigMap's legs.
 */
export interface Connection {
    src: string;
    dst: string;
    port: number;
    protocol: Protocol;
}
