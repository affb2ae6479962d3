/**
 * A packet's way through a node's host endpoint, in the order Felix's chains meet it (felix
 * rules/static.go and rules/endpoints.go, v3.28.5; docs reference/host-endpoints/summary.mdx):
 *  - arriving from the fabric: failsafe inbound ports first, then untracked (doNotTrack) policy of a
 *    named interface's endpoint (raw table), then pre-DNAT policy (mangle), then normal policy for
 *    host-terminated traffic or applyOnForward policy for forwarded traffic (filter); an explicit
 *    allow skips the later tables, untracked and pre-DNAT policy have no default drop, and an
 *    untracked allow leaves no conntrack state, so the reply needs its own allow;
 *  - leaving to the fabric from the host: failsafe outbound ports, untracked egress, normal egress;
 *  - a local pod's packet to its node: the pod's egress, pre-DNAT of the `*` endpoint (the only one
 *    its cali interface meets), then DefaultEndpointToHostAction (filter cali-wl-to-host), never host
 *    endpoint ingress policy;
 *  - the host's packet to a pod on the same node: no policy (filter OUTPUT returns for workload
 *    interfaces); to a pod elsewhere it is forwarded there and meets the pod's ingress (query.ts).
 */
import { AnalysisInputError } from "../errors";
import { Decision, directionOf, hostDecision, Stage } from "./engine";
import { describeFailsafe, failsafeMatch } from "../model/felix-config";
import { allInterfacesHostEndpoint, isAllInterfaces } from "./host-interfaces";
import type { ClusterModel, HostEndpoint, Node } from "../model/model-types";
import { Party, partyName } from "./parties";
import type { Packet } from "./rules";

function hostEndpointName(hostEndpoint: HostEndpoint): string {
    return `hostendpoint:${hostEndpoint.name}`;
}

function addressOf(party: Party): number | undefined {
    return party.kind === "workload" ? party.workload.ips[0] : party.ip;
}

/** The failsafe rule a packet meets at this stage, as a decision, if one matches. */
function failsafe(model: ClusterModel, hostEndpoint: HostEndpoint, stage: Stage, packet: Packet): Decision | undefined {
    const inbound = directionOf(stage) === "ingress";
    const peer = addressOf(inbound ? packet.src : packet.dst);
    const ports = inbound ? model.felix.failsafeInbound : model.felix.failsafeOutbound;
    const entry = failsafeMatch(ports, packet.protocol, packet.port, peer ?? -1);
    if (!entry) return undefined;
    return {
        stage,
        endpoint: hostEndpointName(hostEndpoint),
        allowed: true,
        outcome: "allow",
        decidedBy: "failsafe",
        steps: [],
        policies: [],
        reason: `allowed by the ${describeFailsafe(entry, inbound ? "inbound" : "outbound", model.felix)}, before any host endpoint policy`,
    };
}

/** The reply of a connection: the ends swapped, the server's port as source port, the client's ephemeral port unknown (0). */
function replyOf(packet: Packet): Packet {
    return { src: packet.dst, dst: packet.src, port: 0, srcPort: packet.port, protocol: packet.protocol };
}

/**
 * The untracked stage, or none: Felix ignores doNotTrack policy on `*` endpoints (host-endpoint-warnings.ts),
 * and renders no raw chain for an endpoint without untracked policy (endpoint_mgr.go).
 */
function untracked(model: ClusterModel, hostEndpoint: HostEndpoint, stage: "hostUntracked" | "hostUntrackedEgress", packet: Packet): Decision | undefined {
    if (isAllInterfaces(hostEndpoint)) return undefined;
    const decision = hostDecision(model, hostEndpoint, stage, packet);
    return decision.policies.length ? decision : undefined;
}

/**
 * A packet arriving through a host endpoint. `terminated`: for the host itself; otherwise forwarded,
 * with `forwarded` the packet after DNAT (the NodePort rewritten to a backend) when it differs.
 */
export function arrivalDecisions(
    model: ClusterModel,
    hostEndpoint: HostEndpoint,
    packet: Packet,
    route: { terminated: true } | { terminated: false; forwarded?: Packet; dnat: boolean },
): Decision[] {
    const decisions: Decision[] = [];
    const safe = failsafe(model, hostEndpoint, "hostUntracked", packet);
    if (safe && route.terminated) return [safe];
    if (safe)
        decisions.push({
            ...safe,
            outcome: "continue",
            reason: `${safe.reason.replace(/, before any host endpoint policy$/, "")}: skips untracked and pre-DNAT policy`,
        });
    if (!safe) {
        const raw = untracked(model, hostEndpoint, "hostUntracked", packet);
        if (raw) {
            decisions.push(raw);
            if (raw.outcome === "deny") return decisions;
            if (raw.outcome === "allow") {
                if (!route.terminated) {
                    const policy = raw.steps.at(-1)?.policy.id ?? "a doNotTrack policy";
                    throw new AnalysisInputError(
                        `${policy} allows ${partyName(packet.src)} -> ${partyName(packet.dst)} ${packet.port}/${packet.protocol} untracked at ${hostEndpointName(hostEndpoint)}, ` +
                            `but the packet is forwarded${route.dnat ? " and needs DNAT, which untracked packets never get" : ""}: what happens next (no conntrack, the reply judged on its own) is not modelled; ` +
                            "Calico's summary of host endpoint policies says such an allow has no net positive effect (reference/host-endpoints/summary.mdx)",
                    );
                }
                decisions.push(...replyDecisions(model, hostEndpoint, replyOf(packet), "egress"));
                return decisions;
            }
        }
        const preDnat = hostDecision(model, hostEndpoint, "hostPreDnat", packet);
        decisions.push(preDnat);
        if (preDnat.outcome !== "continue") return decisions; // denied, or explicitly allowed: skips normal policy (pre-dnat.mdx)
    }
    if (route.terminated) decisions.push(hostDecision(model, hostEndpoint, "hostIngress", packet));
    else decisions.push(hostDecision(model, hostEndpoint, "hostForward", route.forwarded ?? packet));
    return decisions;
}

/** A packet the host sends out through a host endpoint. */
export function departureDecisions(model: ClusterModel, hostEndpoint: HostEndpoint, packet: Packet): Decision[] {
    const safe = failsafe(model, hostEndpoint, "hostEgress", packet);
    if (safe) return [safe];
    const decisions: Decision[] = [];
    const raw = untracked(model, hostEndpoint, "hostUntrackedEgress", packet);
    if (raw) {
        decisions.push(raw);
        if (raw.outcome === "deny") return decisions;
        if (raw.outcome === "allow") return [...decisions, ...replyDecisions(model, hostEndpoint, replyOf(packet), "ingress")];
    }
    decisions.push(hostDecision(model, hostEndpoint, "hostEgress", packet));
    return decisions;
}

/**
 * The reply of a connection allowed untracked: no conntrack entry lets it through, so it meets the
 * untracked policy of its direction and, unless that allows it explicitly, the tracked chains as a
 * new packet (endpoints.go: untracked chains have no default drop).
 */
function replyDecisions(model: ClusterModel, hostEndpoint: HostEndpoint, reply: Packet, direction: "ingress" | "egress"): Decision[] {
    const label = (d: Decision): Decision => ({ ...d, reason: `the reply (untracked, so not allowed by conntrack): ${d.reason}` });
    const raw = untracked(model, hostEndpoint, direction === "egress" ? "hostUntrackedEgress" : "hostUntracked", reply);
    if (raw && raw.outcome !== "continue") return [label(raw)];
    const decisions = raw ? [label(raw)] : [];
    if (direction === "ingress") {
        const preDnat = hostDecision(model, hostEndpoint, "hostPreDnat", reply);
        decisions.push(label(preDnat));
        if (preDnat.outcome !== "continue") return decisions;
    }
    const stage = direction === "egress" ? "hostEgress" : "hostIngress";
    if (reply.protocol === "TCP") {
        // The reply of an untracked SYN is a SYN-ACK conntrack has no entry for: INVALID, which the
        // endpoint's filter chain drops before any policy (felix rules/endpoints.go appendConntrackRules,
        // v3.28.5; FelixConfiguration disableConntrackInvalidCheck, default false). Observed by the
        // differential tier: seed 85, node -> 1.1.1.1:443 allowed untracked, the reply dropped although
        // no tracked policy selected the endpoint's ingress.
        const normal = hostDecision(model, hostEndpoint, stage, reply);
        decisions.push(
            label({
                ...normal,
                allowed: false,
                outcome: "deny",
                decidedBy: "rule",
                steps: [],
                policies: [],
                reason: `a TCP reply with no conntrack entry is INVALID, and ${hostEndpointName(hostEndpoint)}'s filter chain drops INVALID packets before any policy; only an untracked (doNotTrack) allow of the reply lets it through`,
            }),
        );
        return decisions;
    }
    decisions.push(label(hostDecision(model, hostEndpoint, stage, reply)));
    return decisions;
}

/** A local pod's packet to its node's own address: pre-DNAT of the `*` endpoint, then DefaultEndpointToHostAction. */
export function podToHostDecisions(model: ClusterModel, node: Node, packet: Packet): Decision[] {
    const decisions: Decision[] = [];
    const all = allInterfacesHostEndpoint(node);
    if (all) {
        const safe = failsafe(model, all, "hostPreDnat", packet);
        const preDnat = safe ? undefined : hostDecision(model, all, "hostPreDnat", packet);
        if (preDnat) {
            decisions.push(preDnat);
            if (preDnat.outcome === "deny") return decisions;
        }
    }
    const action = model.felix.endpointToHostAction;
    const allowed = action !== "Drop";
    decisions.push({
        stage: "hostIngress",
        endpoint: `node:${node.name}`,
        allowed,
        outcome: allowed ? "allow" : "deny",
        decidedBy: "endpoint-to-host",
        steps: [],
        policies: [],
        reason:
            `a local pod's packet to its node meets no host endpoint ingress policy (Felix sends it to cali-wl-to-host): ` +
            `DefaultEndpointToHostAction ${action} (${model.felix.source})${action === "Return" ? " returns it to the host's own INPUT rules, outside Calico" : ""}`,
    });
    return decisions;
}

/** The host's packet to a pod on the same node: Felix applies no policy to it. */
export function hostToLocalPodDecision(node: Node, dst: Party): Decision {
    return {
        stage: "ingress",
        endpoint: partyName(dst),
        allowed: true,
        outcome: "allow",
        decidedBy: "no-policy",
        steps: [],
        policies: [],
        reason: `node:${node.name} to a pod on the same node: Felix applies no policy (filter OUTPUT returns for workload interfaces; "we never apply wildcard HEP normal policy for traffic going to a local workload", rules/dispatch.go)`,
    };
}
