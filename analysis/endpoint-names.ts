/**
 * The grammar of endpoint names (docs/glossary.md), parsed in one place for the analyzer's queries
 * (query.ts, which then finds what the name denotes in a model) and the live probe planner:
 *
 *   <namespace>/<workload>           a workload endpoint (a Pod or the controller of its pods)
 *   external:<address>               an address outside the cluster (or a Service's ClusterIP)
 *   node:<name>[/<interface>]        a node, at its InternalIP or at a host endpoint's interface address
 *   nodeport:<namespace>/<service>   a Service's NodePort on every node (destination only)
 *   service:<namespace>/<service>    a Service's ClusterIP (destination only)
 *
 * Syntax only: whether the address is an IPv4 address, and whether the named thing exists, is the caller's to check.
 */
export type EndpointName =
    | { kind: "workload"; namespace: string; name: string }
    | { kind: "external"; address: string }
    | { kind: "node"; node: string; interface?: string }
    | { kind: "nodeport"; namespace: string; service: string }
    | { kind: "service"; namespace: string; service: string };

const PREFIXED = ["external", "node", "nodeport", "service"] as const;

/** The name's parts, or undefined when it does not follow the grammar (a part empty, missing or one too many). */
export function parseEndpointName(text: string): EndpointName | undefined {
    const prefix = PREFIXED.find((kind) => text.startsWith(`${kind}:`));
    const parts = (prefix ? text.slice(prefix.length + 1) : text).split("/");
    const [first, second, ...extra] = parts;
    if (!first || extra.length > 0) return undefined;
    switch (prefix) {
        case "external":
            return parts.length === 1 ? { kind: "external", address: first } : undefined;
        case "node":
            return second === undefined ? { kind: "node", node: first } : second ? { kind: "node", node: first, interface: second } : undefined;
        case "nodeport":
        case "service":
            return second ? { kind: prefix, namespace: first, service: second } : undefined;
        case undefined:
            return second ? { kind: "workload", namespace: first, name: second } : undefined;
    }
}
