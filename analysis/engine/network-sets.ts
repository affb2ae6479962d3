/**
 * Which network sets hold an address. Felix puts the nets of every NetworkSet and GlobalNetworkSet a
 * rule's selector matches into that selector's IP set, beside the addresses of the workload and host
 * endpoints it matches (felix labelindex/named_port_index.go OnUpdate for model.NetworkSetKey,
 * CalculateEndpointContribution, v3.28.5). So anything whose address lies in a set's nets carries the
 * set's labels for rule selectors, pods and nodes included, whatever their own labels.
 */
import type { ClusterModel, NetworkSet } from "../model/model-types";
import { modelCache } from "../model/model-cache";
import { Cidr, cidrContains, cidrOverlaps } from "../net";
import type { Identity } from "../model/model-types";

/** How far a set's nets cover some address ranges: every range, part of them, or none. */
export type Coverage = "all" | "some" | "none";

export function coverage(nets: readonly Cidr[], ranges: readonly Cidr[]): Coverage {
    if (ranges.length === 0) return "none";
    if (ranges.every((range) => nets.some((net) => cidrContains(net, range)))) return "all";
    return ranges.some((range) => nets.some((net) => cidrOverlaps(net, range))) ? "some" : "none";
}

/** The network sets whose nets certainly hold every one of the ranges. */
export function networkSetsHolding(model: ClusterModel, ranges: readonly Cidr[]): NetworkSet[] {
    return model.networkSets.filter((set) => coverage(set.nets, ranges) === "all");
}

const identityCache = modelCache<NetworkSet, Identity>();

/**
 * A network set as selectors see it: its labels, and for a namespaced NetworkSet
 * projectcalico.org/namespace plus its namespace's labels through the kns.<namespace> profile
 * (libcalico-go updateprocessors/networksetprocessor.go, v3.28.5). No service account: a
 * serviceAccounts selector matches a set only when negated.
 */
export function networkSetIdentity(model: ClusterModel, set: NetworkSet): Identity {
    const cache = identityCache(model);
    let identity = cache.get(set);
    if (!identity) {
        identity = set.namespace
            ? {
                  labels: { ...set.labels, "projectcalico.org/namespace": set.namespace },
                  namespace: set.namespace,
                  namespaceLabels: model.namespaces.get(set.namespace)?.labels ?? {},
              }
            : { labels: set.labels };
        cache.set(set, identity);
    }
    return identity;
}

/** "NetworkSet ns/name" or "GlobalNetworkSet name". */
export function describeNetworkSet(set: NetworkSet): string {
    return set.namespace ? `NetworkSet ${set.namespace}/${set.name}` : `GlobalNetworkSet ${set.name}`;
}
