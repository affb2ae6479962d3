/**
 * The two ends of a connection as policy sees them: a workload endpoint, a host (a node's address,
 * carrying its host endpoint's labels) or an address outside the cluster; each also carries the
 * labels of any network set that contains its address. Selectors match identities; nets match addresses.
 */
import type { ClusterModel, HostEndpoint, Node, Workload } from "./model";
import { modelCache } from "./model-cache";
import { Cidr, cidrContains, cidrOverlaps, singleAddress } from "./net";
import { networkSetIdentity, networkSetsHolding } from "./network-sets";
import type { Labels } from "./types";

export type Party =
    | { kind: "workload"; workload: Workload }
    | { kind: "host"; node: Node; hostEndpoint?: HostEndpoint }
    | { kind: "external"; ip: number; text: string };

/** What a Calico selector can see of an endpoint or network set. */
export interface Identity {
    labels: Labels;
    namespace?: string;
    /** Namespace labels (Calico's pcns.* profile labels). */
    namespaceLabels?: Labels;
    /** Service account labels plus projectcalico.org/name (Calico's pcsa.* labels). */
    serviceAccountLabels?: Labels;
}

/** A node as a party: its address, seen through the host endpoint that faces external traffic. */
export function hostParty(node: Node): Party {
    const hostEndpoint = nodeHostEndpoint(node);
    return { kind: "host", node, ...(hostEndpoint ? { hostEndpoint } : {}) };
}

/** The host endpoint that sees external traffic on a node: its "*" endpoint if any, else the first. */
export function nodeHostEndpoint(node: Node): HostEndpoint | undefined {
    return node.hostEndpoints.find((h) => h.interfaceName === "*") ?? node.hostEndpoints[0];
}

export function partyName(party: Party): string {
    switch (party.kind) {
        case "workload": return party.workload.id;
        case "host": return `node:${party.node.name}`;
        case "external": return `external:${party.text}`;
    }
}

const identityCache = modelCache<object, Identity[]>();

/**
 * Everything a rule selector can match the party through: its own endpoint (workload or host
 * endpoint) first, then every network set whose nets hold its address (network-sets.ts). A workload
 * whose address is unknown is held by a set only if the set covers the whole pod CIDR.
 */
export function identitiesOf(model: ClusterModel, party: Party): Identity[] {
    const key = party.kind === "workload" ? party.workload : party.kind === "host" ? party.hostEndpoint ?? party.node : undefined;
    const cache = identityCache(model);
    const cached = key && cache.get(key);
    if (cached) return cached;
    const own: Identity[] = party.kind === "workload" ? [workloadIdentity(model, party.workload)]
        : party.kind === "host" && party.hostEndpoint ? [{ labels: party.hostEndpoint.labels }] : [];
    const ranges = party.kind === "workload" ? podRanges(model, party.workload) : [singleAddress(addressOf(party), "")];
    const identities = [...own, ...networkSetsHolding(model, ranges).map((set) => networkSetIdentity(model, set))];
    if (key) cache.set(key, identities);
    return identities;
}

export function workloadIdentity(model: ClusterModel, workload: Workload): Identity {
    const serviceAccount = model.serviceAccounts.get(`${workload.namespace}/${workload.serviceAccount}`);
    return {
        labels: workload.calicoLabels,
        namespace: workload.namespace,
        namespaceLabels: model.namespaces.get(workload.namespace)?.labels ?? {},
        serviceAccountLabels: { ...(serviceAccount?.labels ?? {}), "projectcalico.org/name": workload.serviceAccount },
    };
}

/** Whether the party's address is certainly inside one of the nets ("unknown" pod addresses: the whole pod CIDR must be). */
export function addressIn(model: ClusterModel, party: Party, nets: readonly Cidr[], netsMatchPods: boolean): boolean {
    if (party.kind === "workload") {
        if (!netsMatchPods) return false;
        const ranges = podRanges(model, party.workload);
        return ranges.every((range) => nets.some((net) => cidrContains(net, range)));
    }
    const ip = addressOf(party);
    return nets.some((net) => net.first <= ip && ip <= net.last);
}

/** Whether the party's address is certainly outside all of the nets. */
export function addressOutside(model: ClusterModel, party: Party, nets: readonly Cidr[], netsMatchPods: boolean): boolean {
    if (party.kind === "workload") {
        if (!netsMatchPods) return true;
        return podRanges(model, party.workload).every((range) => !nets.some((net) => cidrOverlaps(net, range)));
    }
    const ip = addressOf(party);
    return !nets.some((net) => net.first <= ip && ip <= net.last);
}

/** A workload's addresses: its known pod addresses, else the pod CIDR (it has one address there, which is unknown). */
export function podRanges(model: ClusterModel, workload: Workload): Cidr[] {
    if (workload.ips.length) return workload.ips.map((ip) => ({ first: ip, last: ip, text: "" }));
    return [model.options.podCIDR];
}

function addressOf(party: Exclude<Party, { kind: "workload" }>): number {
    return party.kind === "host" ? party.node.ip : party.ip;
}
