/**
 * Which host endpoint polices a packet, as Felix dispatches it (felix rules/dispatch.go and
 * dataplane/linux/endpoint_mgr.go, v3.28.5):
 *  - a host endpoint with a named interface (or with interfaceName empty and the interface's address
 *    in expectedIPs) polices that interface only; a packet that never crosses it (a local pod's
 *    packet to the node, which arrives on the pod's cali interface) is not its business;
 *  - the all-interfaces endpoint (`interfaceName: "*"`) is the default for every other interface,
 *    pods' cali interfaces included for pre-DNAT and forwarded traffic; if several exist the one with
 *    the smallest name wins (endpoint_mgr.go resolveHostEndpoints);
 *  - a named endpoint wins over `*` for its own interface.
 * The analyzer knows an interface by the addresses it holds: a packet to or from address A crosses
 * the interface whose host endpoint lists A in expectedIPs.
 */
import type { ClusterModel, HostEndpoint, Node } from "../model/model-types";
import { modelCache } from "../model/model-cache";

const ALL_INTERFACES = "*";

export function isAllInterfaces(hostEndpoint: HostEndpoint): boolean {
    return hostEndpoint.interfaceName === ALL_INTERFACES;
}

/** The node's all-interfaces host endpoint, if any. */
export function allInterfacesHostEndpoint(node: Node): HostEndpoint | undefined {
    const candidates = node.hostEndpoints.filter(isAllInterfaces);
    return candidates.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

/** The host endpoint of the node's fabric-facing interface that holds address `ip`: a named one, else `*`. */
export function fabricHostEndpoint(node: Node, ip: number): HostEndpoint | undefined {
    return node.hostEndpoints.find((h) => !isAllInterfaces(h) && h.expectedIPs.includes(ip)) ?? allInterfacesHostEndpoint(node);
}

const byAddress = modelCache<number, HostEndpoint[]>();

/** Host endpoints a rule selector can resolve to address `ip`: those listing it in expectedIPs. */
export function hostEndpointsWithAddress(model: ClusterModel, ip: number): HostEndpoint[] {
    const index = byAddress(model);
    if (index.size === 0) {
        for (const hostEndpoint of model.hostEndpoints) {
            for (const address of hostEndpoint.expectedIPs) {
                const list = index.get(address);
                if (list) list.push(hostEndpoint);
                else index.set(address, [hostEndpoint]);
            }
        }
        index.set(-1, []); // built, even when no endpoint lists an address
    }
    return index.get(ip) ?? [];
}
