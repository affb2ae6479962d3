/**
 * The two ends of a connection as policy sees them: a workload endpoint, a host (a node's address,
 * carrying its host endpoint's labels) or an address outside the cluster; each also carries the
 * labels of any network set that contains its address. Selectors match identities; nets match addresses.
 */
import type { ClusterModel, Identity, Node, Party, Workload } from "../model/model-types";
import { fabricHostEndpoint, hostEndpointsWithAddress } from "./host-interfaces";
import { modelCache } from "../model/model-cache";
import { Cidr, cidrContains, cidrOverlaps, formatIPv4, singleAddress } from "../net";
import { networkSetIdentity, networkSetsHolding } from "./network-sets";

export type { Identity, Party } from "../model/model-types";

/**
 * A node as a party: one of its addresses (default its InternalIP) and the host endpoint that polices
 * the fabric interface holding that address (host-interfaces.ts).
 */
export function hostParty(node: Node, ip: number = node.ip): Party {
    const hostEndpoint = fabricHostEndpoint(node, ip);
    return { kind: "host", node, ip, ...(hostEndpoint ? { hostEndpoint } : {}) };
}

/** The named interface whose host endpoint lists the address (as query.ts's node:<name>/<interface> names it), else the address. */
function interfaceOf(node: Node, ip: number): string {
    return node.hostEndpoints.find((h) => h.interfaceName && h.interfaceName !== "*" && h.expectedIPs[0] === ip)?.interfaceName ?? formatIPv4(ip);
}

export function partyName(party: Party): string {
    switch (party.kind) {
        case "workload":
            return party.workload.id;
        case "host":
            return party.ip === party.node.ip ? `node:${party.node.name}` : `node:${party.node.name}/${interfaceOf(party.node, party.ip)}`;
        case "external":
            return `external:${party.text}`;
    }
}

const identityCache = modelCache<object | number, Identity[]>();

/**
 * Everything a rule selector can match the party through: its own endpoint first, then every network
 * set whose nets hold its address (network-sets.ts). A workload whose address is unknown is held by a
 * set only if the set covers the whole pod CIDR. An address outside the pod network is a host
 * endpoint's only through the endpoint's expectedIPs: Felix puts a selected host endpoint's
 * expectedIPs, and nothing else, into the rule's IP set (felix labelindex/named_port_index.go
 * extractCIDRsFromHostEndpoint, v3.28.5; hostendpoint.mdx: "If the expectedIPs field is omitted then
 * security rules that use labels will fail to match this endpoint"), whichever party sends from it.
 */
export function identitiesOf(model: ClusterModel, party: Party): Identity[] {
    const key = party.kind === "workload" ? party.workload : addressOf(party);
    const cache = identityCache(model);
    const cached = cache.get(key);
    if (cached) return cached;
    const own: Identity[] =
        party.kind === "workload"
            ? [workloadIdentity(model, party.workload)]
            : hostEndpointsWithAddress(model, addressOf(party)).map((hostEndpoint) => ({ labels: hostEndpoint.labels }));
    const ranges = party.kind === "workload" ? podRanges(model, party.workload) : [singleAddress(addressOf(party), "")];
    const identities = [...own, ...networkSetsHolding(model, ranges).map((set) => networkSetIdentity(model, set))];
    cache.set(key, identities);
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
    return party.ip;
}
