/** Does one rule match one packet? Calico's EntityRule semantics (docs _entityrule.mdx, libcalico-go updateprocessors/rules.go). */
import type { ClusterModel, Workload } from "../model/model-types";
import { serviceNamed } from "../model/model-index";
import { resolveTargetPort, serviceBackends } from "../model/services";
import { addressIn, addressOutside, identitiesOf, Identity, Party } from "./parties";
import type { EntityMatch, IcmpMatch, PortMatch, Rule, Subject } from "../model/policies";
import { protocolNumber } from "../model/policies";
import { entityConstraint, matchesEndpointSelector, matchesNamespaceSelector, matchesServiceAccountSelector, selectorsMatch } from "./entity-selectors";
import type { QueryProtocol } from "../types";

export { matchesEndpointSelector, matchesNamespaceSelector, matchesServiceAccountSelector };

/** A packet: its destination port (0: an unknown ephemeral port), and its source port when known (a reply's). */
export interface Packet {
    src: Party;
    dst: Party;
    port: number;
    protocol: QueryProtocol;
    srcPort?: number;
}

/** Whether a policy applies to an endpoint (its top-level selector and scope). */
export function subjectSelects(subject: Subject, identity: Identity): boolean {
    if (subject.namespace !== undefined && identity.namespace !== subject.namespace) return false;
    if (!matchesEndpointSelector(subject.selector, identity)) return false;
    // GNP namespaceSelector: rewritten by Calico to pcns.* and ANDed with the selector
    // (globalnetworkpolicyprocessor.go), so e.g. `!has(x)` also selects host endpoints.
    if (subject.namespaceSelector && !matchesNamespaceSelector(subject.namespaceSelector, identity)) return false;
    if (subject.serviceAccountSelector && !matchesServiceAccountSelector(subject.serviceAccountSelector, identity)) return false;
    return true;
}

/** An ICMP query is an echo request: type 8, code 0. */
const ECHO_REQUEST = { type: 8, code: 0 };
const icmpMatches = (match: IcmpMatch) =>
    (match.type === undefined || match.type === ECHO_REQUEST.type) && (match.code === undefined || match.code === ECHO_REQUEST.code);

export function ruleProtocolMatches(rule: Rule, protocol: QueryProtocol): boolean {
    const number = protocolNumber(protocol)!;
    if (rule.protocol !== undefined && rule.protocol !== number) return false;
    if (rule.notProtocol !== undefined && rule.notProtocol === number) return false;
    if (protocol === "ICMP" && ((rule.icmp && !icmpMatches(rule.icmp)) || (rule.notICMP && icmpMatches(rule.notICMP)))) return false;
    return rule.ipVersion !== 6;
}

export function ruleMatches(model: ClusterModel, rule: Rule, packet: Packet): boolean {
    if (!ruleProtocolMatches(rule, packet.protocol)) return false;
    return entityMatches(model, rule.source, packet.src, packet, "source") && entityMatches(model, rule.destination, packet.dst, packet, "destination");
}

export function entityMatches(model: ClusterModel, entity: EntityMatch, party: Party, packet: Packet, side: "source" | "destination"): boolean {
    return entityIdentityMatches(model, entity, party) && entityPortMatches(model, entity, party, packet, side);
}

/** The address and identity part of an entity match: nets, selectors, service accounts, service membership. */
export function entityIdentityMatches(model: ClusterModel, entity: EntityMatch, party: Party): boolean {
    if (entity.nets && !(entity.nets.length > 0 && addressIn(model, party, entity.nets, entity.netsMatchPods))) return false;
    if (entity.notNets && !addressOutside(model, party, entity.notNets, entity.netsMatchPods)) return false;
    const constraint = entityConstraint(model, entity);
    const identities = constraint.length || entity.notSelector ? identitiesOf(model, party) : [];
    if (!selectorsMatch(constraint, entity.notSelector, identities)) return false;
    if (entity.service && !serviceSelects(model, entity, party)) return false;
    return true;
}

/** The port part of an entity match (depends on the packet's port and, for named ports, on the destination). */
export function entityPortMatches(model: ClusterModel, entity: EntityMatch, party: Party, packet: Packet, side: "source" | "destination"): boolean {
    if (side === "source") {
        // Source ports are ephemeral and unknown offline: a source port list never matches, notPorts always does.
        // A reply's source port is the server's, known.
        const srcPort = packet.srcPort;
        if (srcPort === undefined) return entity.ports === undefined;
        const numeric = (list?: PortMatch[]) => !!list?.some((p) => !("name" in p) && p.first <= srcPort && srcPort <= p.last);
        return (entity.ports === undefined || numeric(entity.ports)) && !numeric(entity.notPorts);
    }
    if (entity.service && !entity.ports && !servicePortMatches(model, entity, party, packet)) return false;
    if (entity.ports && !entity.ports.some((p) => endpointPortMatches(model, entity, party, p, packet))) return false;
    if (entity.notPorts?.some((p) => endpointPortMatches(model, entity, party, p, packet))) return false;
    return true;
}

/**
 * A named port matches through Felix's named-port IP set, whose members are the endpoints the entity's
 * positive selector picks by their own labels: a network set has no ports, so a pod that the selector
 * reaches only through a set's nets is not in it (felix calc/rule_scanner.go namedPortsToIPSets,
 * labelindex/named_port_index.go CalculateEndpointContribution, v3.28.5).
 */
function endpointPortMatches(model: ClusterModel, entity: EntityMatch, party: Party, match: PortMatch, packet: Packet): boolean {
    if (!portMatches(match, packet)) return false;
    if (!("name" in match)) return true;
    const identities = identitiesOf(model, party);
    const constraint = entityConstraint(model, entity);
    return identities.length === 1 || constraint.length === 0 || selectorsMatch(constraint, entity.notSelector, [identities[0]!]);
}

/** Whether the entity's port criteria depend on the destination endpoint (named ports, service ports). */
export function portsDependOnDestination(entity: EntityMatch): boolean {
    const named = (list?: PortMatch[]) => !!list?.some((p) => "name" in p);
    return named(entity.ports) || named(entity.notPorts) || (!!entity.service && !entity.ports);
}

function serviceSelects(model: ClusterModel, entity: EntityMatch, party: Party): boolean {
    if (party.kind !== "workload") return false;
    const service = serviceNamed(model, entity.service!.namespace, entity.service!.name);
    return !!service && serviceBackends(model, service).includes(party.workload);
}

/** Without explicit ports, a destination service rule matches the service's ports (Calico docs _entityrule.mdx, services). */
function servicePortMatches(model: ClusterModel, entity: EntityMatch, party: Party, packet: Packet): boolean {
    if (party.kind !== "workload") return false;
    const service = serviceNamed(model, entity.service!.namespace, entity.service!.name);
    return !!service?.ports.some((sp) => sp.protocol === packet.protocol && resolveTargetPort(sp, party.workload) === packet.port);
}

/** A named port matches when the destination endpoint has a port of that name, protocol and number. */
export function portMatches(match: PortMatch, packet: Packet): boolean {
    if ("name" in match) {
        const workload: Workload | undefined = packet.dst.kind === "workload" ? packet.dst.workload : undefined;
        return !!workload?.ports.some((p) => p.name === match.name && p.protocol === packet.protocol && p.port === packet.port);
    }
    return match.first <= packet.port && packet.port <= match.last;
}
