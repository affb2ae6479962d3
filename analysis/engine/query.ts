/**
 * Answers one question: is a connection from SRC to DST on PORT/PROTOCOL allowed, and why?
 * Paths modelled:
 *  - pod -> pod: the source's egress policy and the destination's ingress policy must both allow;
 *  - pod -> external address: the pod's egress, then applyOnForward egress policy on its node's host endpoint;
 *  - external address -> pod: pre-DNAT and applyOnForward ingress policy on the node's host endpoint, then the pod's ingress;
 *  - anything -> nodeport:<ns>/<service>: the source's egress towards the node, the host endpoint the
 *    packet crosses (untracked, pre-DNAT: it sees the nodePort), DNAT to every backend's targetPort,
 *    applyOnForward ingress policy, then the backend's ingress with the source seen as the client or,
 *    for externalTrafficPolicy Cluster, as the receiving node (SNAT);
 *  - anything -> node:<name>[/<interface>] (host-terminated) and node:<name> -> anything (host egress):
 *    host-path.ts. The host endpoint crossed is the one of the interface holding the node address
 *    the world talks to (host-interfaces.ts); a local pod's packets cross only the `*` endpoint.
 */
import { parseEndpointName } from "../endpoint-names";
import { AnalysisInputError } from "../errors";
import { Decision, hostDecision, notEnforced, workloadAllows, workloadDecision } from "./engine";
import type { ClusterModel, Node, Service, ServicePort, Workload } from "../model/model-types";
import { modelCache } from "../model/model-cache";
import { serviceNamed, serviceWithClusterIP, workloadsIn } from "../model/model-index";
import { findServicePort, resolveTargetPort, serviceBackends, serviceBackendsOf } from "../model/services";
import { formatIPv4, parseIPv4 } from "../net";
import type { Party } from "./parties";
import { hostParty, partyName } from "./parties";
import { allInterfacesHostEndpoint, fabricHostEndpoint } from "./host-interfaces";
import { arrivalDecisions, departureDecisions, hostToLocalPodDecision, podToHostDecisions } from "./host-path";
import type { Packet } from "./rules";
import type { Protocol } from "../types";
import type { QueryProtocol } from "../types";
import { QUERY_PROTOCOLS } from "../types";

export interface Query {
    src: string;
    dst: string;
    port: number | string;
    protocol?: QueryProtocol;
}

export interface NodePortPath {
    node: string;
    backend: string;
    targetPort?: number;
    /** How the backend sees the source: the client itself or the receiving node after SNAT. */
    sourceSeenAs: string;
    allowed: boolean;
    ingress: Decision;
}

export interface Explanation {
    egress: Decision;
    ingress: Decision;
    /** Every host endpoint decision on the way, in the order the packet meets them (untracked, failsafe, pre-DNAT, host or forward policy). */
    host?: Decision[];
    hostPreDnat?: Decision;
    hostForward?: Decision;
    hostForwardEgress?: Decision;
    service?: {
        namespace: string;
        name: string;
        port: number;
        nodePort?: number;
        clusterIP?: string;
        targetPort: number | string;
        externalTrafficPolicy: string;
        backends: string[];
    };
    /** Through a Service: the verdict for each backend after DNAT (all must allow). */
    backends?: BackendVerdict[];
    /** NodePort traffic: one entry per node, backend and source address seen. */
    paths?: NodePortPath[];
}

export interface BackendVerdict {
    backend: string;
    /** The port after DNAT; undefined when the backend has no port for the Service port. */
    targetPort?: number;
    allowed: boolean;
    reason: string;
}

export interface Verdict {
    allowed: boolean;
    /** Allowed on some paths only (some backends, or only without SNAT): it depends on where the pod runs. */
    partial?: boolean;
    src: string;
    dst: string;
    port: number;
    protocol: QueryProtocol;
    explanation: Explanation;
    /** One line for humans. */
    reason: string;
}

export type Endpoint =
    | { kind: "workload"; workload: Workload }
    | { kind: "external"; ip: number; text: string }
    | { kind: "node"; node: Node; ip: number }
    | { kind: "nodeport"; service: Service }
    | { kind: "service"; service: Service };

/**
 * Parses `<namespace>/<workload>`, `external:<ipv4>`, `nodeport:<namespace>/<service>` or
 * `service:<namespace>/<service>`; an external address that is a Service's ClusterIP is that Service.
 */
export function parseEndpoint(model: ClusterModel, text: string, role: "source" | "destination"): Endpoint {
    // Callers such as the policy pack name the same few endpoints thousands of times: each text is
    // read once per model and role. Only endpoints are kept; a text that is refused is refused anew.
    const byRole = endpointCache(model);
    let endpoints = byRole.get(role);
    if (!endpoints) {
        endpoints = new Map();
        byRole.set(role, endpoints);
    }
    let endpoint = endpoints.get(text);
    if (!endpoint) {
        endpoint = readEndpoint(model, text, role);
        endpoints.set(text, endpoint);
    }
    return endpoint;
}

const endpointCache = modelCache<"source" | "destination", Map<string, Endpoint>>();

function readEndpoint(model: ClusterModel, text: string, role: "source" | "destination"): Endpoint {
    const value = text.trim();
    if (value.startsWith("service:")) {
        if (role === "source") throw new AnalysisInputError(`${JSON.stringify(text)}: a service can only be a destination`);
        const name = parseEndpointName(value);
        const service = name?.kind === "service" ? serviceNamed(model, name.namespace, name.service) : undefined;
        if (!service) {
            const namespace = value.slice("service:".length).split("/")[0];
            const known = model.services.filter((s) => s.namespace === namespace).map((s) => `service:${s.namespace}/${s.name}`);
            throw new AnalysisInputError(`${role} ${JSON.stringify(text)}: no such service; known in ${namespace}: ${known.join(", ") || "none"}`);
        }
        return { kind: "service", service };
    }
    if (value.startsWith("external:")) {
        const address = value.slice("external:".length);
        const ip = parseIPv4(address);
        if (ip === undefined) throw new AnalysisInputError(`${role} ${JSON.stringify(text)}: ${JSON.stringify(address)} is not an IPv4 address`);
        const service = serviceWithClusterIP(model, ip);
        if (service) {
            if (role === "source")
                throw new AnalysisInputError(
                    `source ${JSON.stringify(text)} is the ClusterIP of service ${service.namespace}/${service.name}: a ClusterIP never opens connections`,
                );
            return { kind: "service", service };
        }
        const pods = model.options.podCIDR;
        if (pods.first <= ip && ip <= pods.last) {
            throw new AnalysisInputError(
                `${role} ${JSON.stringify(text)} is inside the pod CIDR ${pods.text}: name the workload as <namespace>/<workload> instead`,
            );
        }
        return { kind: "external", ip, text: formatIPv4(ip) };
    }
    if (value.startsWith("node:")) return parseNode(model, text, role);
    if (value.startsWith("nodeport:")) {
        if (role === "source") throw new AnalysisInputError(`${JSON.stringify(text)}: a nodeport can only be a destination`);
        const name = parseEndpointName(value);
        const service = name?.kind === "nodeport" ? serviceNamed(model, name.namespace, name.service) : undefined;
        if (!service) {
            const known = model.services.filter((s) => s.type === "NodePort" || s.type === "LoadBalancer").map((s) => `nodeport:${s.namespace}/${s.name}`);
            throw new AnalysisInputError(`${role} ${JSON.stringify(text)}: no such service; known NodePort services: ${known.join(", ") || "none"}`);
        }
        if (service.type !== "NodePort" && service.type !== "LoadBalancer") {
            throw new AnalysisInputError(`${role} ${JSON.stringify(text)}: service type ${service.type} has no nodePort`);
        }
        return { kind: "nodeport", service };
    }
    const workload = model.workloadsById.get(value);
    if (!workload) {
        const [namespace] = value.split("/");
        const inNamespace = workloadsIn(model, namespace).map((w) => w.id);
        const hint = value.includes("/")
            ? `known in ${namespace}: ${inNamespace.join(", ") || "none"}`
            : "expected <namespace>/<workload>, external:<ipv4> or nodeport:<namespace>/<service>";
        throw new AnalysisInputError(`unknown ${role} ${JSON.stringify(text)}; ${hint}`);
    }
    return { kind: "workload", workload };
}

/** `node:<name>` (its InternalIP) or `node:<name>/<interface>` (the address of that interface's host endpoint). */
function parseNode(model: ClusterModel, text: string, role: "source" | "destination"): Endpoint {
    const name = parseEndpointName(text.trim());
    const node = name?.kind === "node" ? model.nodes.find((n) => n.name === name.node) : undefined;
    if (!node)
        throw new AnalysisInputError(
            `${role} ${JSON.stringify(text)}: no such node; expected node:<name> or node:<name>/<interface>, nodes: ${model.nodes.map((n) => n.name).join(", ")}`,
        );
    const iface = name?.kind === "node" ? name.interface : undefined;
    if (iface === undefined) return { kind: "node", node, ip: node.ip };
    const hostEndpoint = node.hostEndpoints.find((h) => h.interfaceName === iface && h.expectedIPs.length);
    if (!hostEndpoint) {
        const known = node.hostEndpoints
            .filter((h) => h.interfaceName && h.interfaceName !== "*" && h.expectedIPs.length)
            .map((h) => `node:${node.name}/${h.interfaceName}`);
        throw new AnalysisInputError(
            `${role} ${JSON.stringify(text)}: no host endpoint of node ${node.name} names interface ${iface} with expectedIPs; known: ${known.join(", ") || "none"}`,
        );
    }
    return { kind: "node", node, ip: hostEndpoint.expectedIPs[0]! };
}

/** Parses "8080", "53/UDP", "http-server" (a named port of the destination), or "ICMP" (a ping) into a port and protocol. */
export function parsePortSpec(text: string): { port: number | string; protocol?: QueryProtocol } {
    if (text.trim().toUpperCase() === "ICMP") return { port: 0, protocol: "ICMP" };
    const [portText, protocolText, ...rest] = text.trim().split("/");
    if (rest.length || !portText) throw new AnalysisInputError(`port ${JSON.stringify(text)}: expected PORT or PORT/PROTOCOL, e.g. 8080/TCP`);
    const protocol = protocolText === undefined ? undefined : checkProtocol(protocolText);
    if (protocol === "ICMP") throw new AnalysisInputError(`port ${JSON.stringify(text)}: ICMP has no port; write ICMP alone (an echo request)`);
    return { port: /^\d+$/.test(portText) ? Number(portText) : portText, ...(protocol ? { protocol } : {}) };
}

function checkProtocol(text: string): QueryProtocol {
    const upper = text.toUpperCase();
    if (!(QUERY_PROTOCOLS as readonly string[]).includes(upper))
        throw new AnalysisInputError(`protocol ${JSON.stringify(text)} is not one of ${QUERY_PROTOCOLS.join(", ")}`);
    return upper as QueryProtocol;
}

export function query(model: ClusterModel, q: Query): Verdict {
    const src = parseEndpoint(model, q.src, "source");
    const dst = parseEndpoint(model, q.dst, "destination");
    const icmpPort = typeof q.port === "string" && q.port.trim().toUpperCase() === "ICMP";
    const protocol = q.protocol ? checkProtocol(q.protocol) : icmpPort ? "ICMP" : "TCP";
    if (src.kind === "external" && dst.kind === "external") throw new AnalysisInputError("both ends are outside the cluster: no cluster policy applies");
    if (src.kind === "node" && dst.kind === "node" && src.node === dst.node)
        throw new AnalysisInputError(`both ends are node ${src.node.name}: traffic inside a node (loopback) is not modelled`);
    if (protocol === "ICMP") {
        if (src.kind === "nodeport" || src.kind === "service" || dst.kind === "nodeport" || dst.kind === "service") {
            throw new AnalysisInputError(`an ICMP echo request goes to an address, not to a ${dst.kind}: ask for a workload, node or external destination`);
        }
        const { allowed, ...rest } = directFlow(model, toParty(model, src), toParty(model, dst), 0, protocol);
        return { allowed, src: q.src.trim(), dst: q.dst.trim(), port: 0, protocol, ...rest };
    }
    const port = resolvePort(q.port, dst, protocol);
    const { allowed, ...rest } = evaluateConnection(model, src, dst, port, protocol);
    return { allowed, src: q.src.trim(), dst: q.dst.trim(), port, protocol, ...rest };
}

/**
 * The own decision of one end of a direct connection: the source pod's egress or the destination
 * pod's ingress, as `query(model, q).explanation[direction]` holds it, without evaluating the other
 * end, the host endpoints on the way or the verdict's reason (a few times cheaper). The connection is
 * direct when each end is a pod (not on the host network) or an address outside the cluster; for
 * any other (a Service, a NodePort, a node) it returns undefined: ask `query`, whose verdict may then
 * depend on more than the two ends. Throws AnalysisInputError as query does for unknown endpoints,
 * ports or protocols.
 */
export function endpointDecision(model: ClusterModel, q: Query, direction: "egress" | "ingress"): Decision | undefined {
    const packet = directPacket(model, q);
    if (!packet) return undefined;
    return direction === "egress" ? egressOf(model, packet.src, packet) : ingressOf(model, packet.dst, packet);
}

/** `endpointDecision(...)?.allowed`, without making the Decision: for callers that explain few of many answers. */
export function endpointAllows(model: ClusterModel, q: Query, direction: "egress" | "ingress"): boolean | undefined {
    const packet = directPacket(model, q);
    if (!packet) return undefined;
    const end = direction === "egress" ? packet.src : packet.dst;
    // Outside the cluster no policy applies (egressOf, ingressOf).
    return end.kind !== "workload" || workloadAllows(model, end.workload, direction, packet);
}

/**
 * `query(model, q).allowed` for a direct connection between two pods, from their own decisions (no
 * host endpoint lies between two pods: both ends must allow); undefined for any other connection.
 */
export function podToPodAllows(model: ClusterModel, q: Query): boolean | undefined {
    const packet = directPacket(model, q);
    if (packet?.src.kind !== "workload" || packet.dst.kind !== "workload") return undefined;
    return workloadAllows(model, packet.src.workload, "egress", packet) && workloadAllows(model, packet.dst.workload, "ingress", packet);
}

/** The packet of a direct connection (see endpointDecision), as query's directFlow makes it; undefined for any other. */
function directPacket(model: ClusterModel, q: Query): Packet | undefined {
    const src = parseEndpoint(model, q.src, "source");
    const dst = parseEndpoint(model, q.dst, "destination");
    if (!isDirectEnd(src) || !isDirectEnd(dst) || (src.kind === "external" && dst.kind === "external")) return undefined;
    const protocol = q.protocol ? checkProtocol(q.protocol) : "TCP";
    if (protocol === "ICMP" || (typeof q.port === "string" && q.port.trim().toUpperCase() === "ICMP")) return undefined;
    return { src, dst, port: resolvePort(q.port, dst, protocol), protocol };
}

/** An end that query's directFlow takes as it is (toParty returns it unchanged). */
function isDirectEnd(endpoint: Endpoint): endpoint is Extract<Endpoint, { kind: "workload" | "external" }> {
    return endpoint.kind === "external" || (endpoint.kind === "workload" && !endpoint.workload.hostNetwork);
}

/** The verdict for already-parsed endpoints (the matrix calls this for every cell it cannot vectorize). */
export function evaluateConnection(model: ClusterModel, src: Endpoint, dst: Endpoint, port: number, protocol: Protocol): Outcome {
    if (src.kind === "nodeport" || src.kind === "service") throw new AnalysisInputError(`a ${src.kind} can only be a destination`);
    const srcParty = toParty(model, src);
    if (dst.kind === "nodeport") return nodePortFlow(model, srcParty, dst.service, port, protocol);
    if (dst.kind === "service") return serviceFlow(model, srcParty, dst.service, port, protocol);
    return directFlow(model, srcParty, toParty(model, dst), port, protocol);
}

function resolvePort(port: number | string, dst: Endpoint, protocol: Protocol): number {
    if (typeof port === "number" || /^\d+$/.test(port)) {
        const n = Number(port);
        if (!Number.isInteger(n) || n < 1 || n > 65535) throw new AnalysisInputError(`port ${port} is not 1-65535`);
        return n;
    }
    if (dst.kind === "service") return findServicePort(dst.service, port, protocol).port;
    if (dst.kind !== "workload") throw new AnalysisInputError(`named port ${JSON.stringify(port)} needs a workload or service destination`);
    const found = dst.workload.ports.find((p) => p.name === port && p.protocol === protocol);
    if (!found)
        throw new AnalysisInputError(
            `${dst.workload.id} has no ${protocol} port named ${JSON.stringify(port)}; its ports: ${dst.workload.ports.map((p) => `${p.name ?? "-"}=${p.port}/${p.protocol}`).join(", ") || "none"}`,
        );
    return found.port;
}

type PartyEndpoint = Exclude<Endpoint, { kind: "nodeport" | "service" }>;

function toParty(model: ClusterModel, endpoint: PartyEndpoint): Party {
    if (endpoint.kind === "external") return endpoint;
    if (endpoint.kind === "node") return hostParty(endpoint.node, endpoint.ip);
    if (endpoint.workload.hostNetwork) return hostParty(model.nodes[0]!);
    return endpoint;
}

export type Outcome = Pick<Verdict, "allowed" | "partial" | "explanation" | "reason">;

/** The source's own egress policy: a pod's; a node's is its host endpoint's (host-path.ts); the world has none. */
function egressOf(model: ClusterModel, party: Party, packet: Packet): Decision {
    if (party.kind === "workload") return workloadDecision(model, party.workload, "egress", packet);
    return notEnforced(
        "egress",
        party,
        party.kind === "external"
            ? `${partyName(party)} is outside the cluster: no egress policy applies`
            : `${partyName(party)} is a node: its host endpoint's policy applies where the packet leaves it`,
    );
}

function ingressOf(model: ClusterModel, party: Party, packet: Packet): Decision {
    if (party.kind === "workload") return workloadDecision(model, party.workload, "ingress", packet);
    return notEnforced(
        "ingress",
        party,
        party.kind === "host"
            ? `${partyName(party)} is a node: its host endpoint's policy applies where the packet enters it`
            : `${partyName(party)} is outside the cluster: no ingress policy applies`,
    );
}

/** The node address the world reaches: its ExternalIP when it has one, else its InternalIP. */
function worldFacingAddress(node: Node): number {
    return node.externalIp ?? node.ip;
}

function notPoliced(party: Party, stage: "hostIngress" | "hostEgress", ip: number): Decision {
    return notEnforced(stage, party, `no host endpoint polices the interface holding ${formatIPv4(ip)}: Felix leaves its traffic alone`);
}

/** The host endpoint decisions of a packet between two parties without DNAT (host-path.ts). */
function hostDecisions(model: ClusterModel, packet: Packet): Decision[] {
    const { src, dst } = packet;
    const node = model.nodes[0]!;
    if (src.kind === "host" && dst.kind === "workload") return [hostToLocalPodDecision(src.node, dst)];
    const out: Decision[] = [];
    if (src.kind === "host") out.push(...(src.hostEndpoint ? departureDecisions(model, src.hostEndpoint, packet) : [notPoliced(src, "hostEgress", src.ip)]));
    if (dst.kind === "host")
        out.push(...(dst.hostEndpoint ? arrivalDecisions(model, dst.hostEndpoint, packet, { terminated: true }) : [notPoliced(dst, "hostIngress", dst.ip)]));
    if (src.kind === "workload" && dst.kind === "external") {
        const hostEndpoint = fabricHostEndpoint(node, worldFacingAddress(node));
        if (hostEndpoint) out.push(hostDecision(model, hostEndpoint, "hostForwardEgress", packet));
    }
    if (src.kind === "external" && dst.kind === "workload") {
        const hostEndpoint = fabricHostEndpoint(node, worldFacingAddress(node));
        if (hostEndpoint) out.push(...arrivalDecisions(model, hostEndpoint, packet, { terminated: false, dnat: false }));
    }
    return out;
}

/** Names the host decisions the older explanation fields show (hostPreDnat, hostForward, hostForwardEgress). */
function withHost(explanation: Explanation, host: Decision[]): Explanation {
    if (!host.length) return explanation;
    explanation.host = host;
    delete explanation.hostPreDnat;
    delete explanation.hostForward;
    delete explanation.hostForwardEgress;
    for (const decision of host) {
        if (decision.stage === "hostPreDnat") explanation.hostPreDnat = decision;
        if (decision.stage === "hostForward") explanation.hostForward = decision;
        if (decision.stage === "hostForwardEgress") explanation.hostForwardEgress = decision;
    }
    return explanation;
}

function directFlow(model: ClusterModel, src: Party, dst: Party, port: number, protocol: QueryProtocol): Outcome {
    const packet: Packet = { src, dst, port, protocol };
    if (src.kind === "host" && dst.kind === "workload") return hostToPodFlow(model, src, dst, packet);
    if (src.kind === "workload" && dst.kind === "host") return podToHostFlow(model, dst, packet);
    const host = hostDecisions(model, packet);
    const egress = egressOf(model, src, packet);
    const ingress = ingressOf(model, dst, packet);
    const explanation = withHost({ egress, ingress }, host);
    return summarize([egress, ...host, ingress], explanation);
}

/**
 * A pod to a node: from a pod on that node the packet meets the `*` endpoint's pre-DNAT policy and
 * DefaultEndpointToHostAction; from a pod on another node it arrives from the fabric through the
 * interface holding the address (without encapsulation; a tunnel interface meets only a `*`
 * endpoint) and meets that host endpoint's policy. A Pod bound to a node (spec.nodeName) takes its
 * own way; otherwise both must allow, `partial` when one does.
 */
function podToHostFlow(model: ClusterModel, dst: Extract<Party, { kind: "host" }>, packet: Packet): Outcome {
    const egress = egressOf(model, packet.src, packet);
    const placed = placement(model, packet.src);
    const local = placed === undefined || placed === dst.node.name ? podToHostDecisions(model, dst.node, packet) : [];
    const remote =
        placed === dst.node.name
            ? []
            : dst.hostEndpoint
              ? arrivalDecisions(model, dst.hostEndpoint, packet, { terminated: true })
              : [notPoliced(dst, "hostIngress", dst.ip)];
    const ingress = notEnforced("ingress", dst, "");
    if (placed !== undefined) {
        const host = [...local, ...remote];
        const outcome = summarize([egress, ...host], withHost({ egress, ingress }, host));
        return { ...outcome, reason: `${outcome.reason} (${placedReason(packet.src, dst.node)})` };
    }
    const localAllowed = local.every((d) => d.allowed),
        remoteAllowed = remote.every((d) => d.allowed);
    if (!egress.allowed || localAllowed === remoteAllowed) {
        const host = localAllowed ? [...local, ...remote] : local;
        return summarize([egress, ...host], withHost({ egress, ingress }, host));
    }
    const [failing, passing, where] = localAllowed ? [remote, local, "from a pod on another node"] : [local, remote, `from a pod on ${dst.node.name}`];
    const outcome = summarize([egress, ...failing], withHost({ egress, ingress }, failing), true);
    const passingReason =
        passing
            .filter((d) => d.decidedBy !== "not-enforced" || d.reason)
            .map((d) => d.reason)
            .at(-1) ?? "";
    return { ...outcome, reason: `${outcome.reason} (${where}); the other way: ${passingReason}, so it depends on where the pod runs` };
}

/**
 * The host (or a hostNetwork pod) to a pod: from the pod's own node Felix applies no policy; from
 * another node the packet is forwarded there and meets the pod's ingress policy. A Pod bound to a
 * node (spec.nodeName) takes its own way; otherwise both must allow (`partial` when only the own
 * node's path does).
 */
function hostToPodFlow(model: ClusterModel, src: Extract<Party, { kind: "host" }>, dst: Extract<Party, { kind: "workload" }>, packet: Packet): Outcome {
    const egress = egressOf(model, src, packet);
    const placed = placement(model, dst);
    if (placed === src.node.name) {
        const local = hostToLocalPodDecision(src.node, dst);
        return summarize([egress, local], { egress, ingress: local });
    }
    const remote = workloadDecision(model, dst.workload, "ingress", packet);
    if (placed !== undefined || remote.allowed) {
        const outcome = summarize([egress, remote], { egress, ingress: remote });
        return placed === undefined ? outcome : { ...outcome, reason: `${outcome.reason} (${placedReason(dst, src.node)})` };
    }
    const local = hostToLocalPodDecision(src.node, dst);
    const outcome = summarize([egress, remote], { egress, ingress: remote }, true);
    return { ...outcome, reason: `${outcome.reason} (from another node); ${local.reason}, so it depends on where the pod runs` };
}

/**
 * Where a pod party runs: its node's name when the Pod is bound to a node the model knows
 * (spec.nodeName), "elsewhere" when bound to a node the model does not know, undefined when unknown.
 */
function placement(model: ClusterModel, party: Party): string | undefined {
    if (party.kind !== "workload" || party.workload.node === undefined) return undefined;
    return model.nodes.some((n) => n.name === party.workload.node) ? party.workload.node : "elsewhere";
}

function placedReason(pod: Party, node: Node): string {
    const bound = pod.kind === "workload" ? pod.workload.node : undefined;
    return bound === node.name
        ? `${partyName(pod)} runs on ${node.name} (spec.nodeName)`
        : `${partyName(pod)} runs on ${bound}, not on ${node.name} (spec.nodeName)`;
}

function summarize(chain: Decision[], explanation: Explanation, partial?: boolean): Outcome {
    const blocking = chain.find((d) => !d.allowed);
    const allowed = !blocking;
    const reason = blocking
        ? blocking.reason
        : [...new Set(chain.filter((d) => d.decidedBy !== "not-enforced").map((d) => d.reason))].join("; ") || "no policy applies";
    return { allowed, ...(partial ? { partial } : {}), explanation, reason: `${allowed ? "allowed" : "blocked"}: ${reason}` };
}

function findNodePort(service: Service, nodePort: number, protocol: Protocol): ServicePort {
    const declared = service.ports.find((p) => p.nodePort === nodePort && p.protocol === protocol);
    if (declared) return declared;
    const undeclared = service.ports.filter((p) => p.nodePort === undefined && p.protocol === protocol);
    if (undeclared.length === 1 && nodePort >= 30000 && nodePort <= 32767) return undeclared[0]!; // auto-assigned nodePort
    const known = service.ports.filter((p) => p.nodePort !== undefined).map((p) => `${p.nodePort}/${p.protocol}`);
    throw new AnalysisInputError(
        `service ${service.namespace}/${service.name} has no nodePort ${nodePort}/${protocol}; its nodePorts: ${known.join(", ") || "none declared"}`,
    );
}

function nodePortFlow(model: ClusterModel, src: Party, service: Service, nodePort: number, protocol: Protocol): Outcome {
    const servicePort = findNodePort(service, nodePort, protocol);
    const backends = serviceBackends(model, service);
    const explanation: Explanation = {
        egress: notEnforced("egress", src, ""),
        ingress: {
            ...notEnforced("ingress", src, "not evaluated: the packet was dropped before it reached a backend"),
            endpoint: `service:${service.namespace}/${service.name}`,
        },
        service: {
            namespace: service.namespace,
            name: service.name,
            port: servicePort.port,
            nodePort,
            targetPort: servicePort.targetPort,
            externalTrafficPolicy: service.externalTrafficPolicy,
            backends: backends.map((b) => b.id),
        },
        paths: [],
    };
    const chain: Decision[] = [];
    const paths = explanation.paths!;
    for (const node of model.nodes) {
        const host = hostParty(node);
        const toNode: Packet = { src, dst: host, port: nodePort, protocol };
        const egress = egressOf(model, src, toNode);
        explanation.egress = egress;
        chain.push(egress);
        // The world's packet crosses the interface holding the address it is sent to; a local pod's only the `*` endpoint.
        const hostEndpoint =
            src.kind === "external"
                ? fabricHostEndpoint(node, worldFacingAddress(node))
                : src.kind === "workload"
                  ? allInterfacesHostEndpoint(node)
                  : undefined;
        let arrival: Decision[] = [];
        if (hostEndpoint) {
            const firstBackend = backends.find((b) => resolveTargetPort(servicePort, b) !== undefined);
            const forwarded = firstBackend
                ? { src, dst: { kind: "workload" as const, workload: firstBackend }, port: resolveTargetPort(servicePort, firstBackend)!, protocol }
                : undefined;
            arrival = arrivalDecisions(model, hostEndpoint, toNode, { terminated: false, dnat: true, ...(forwarded ? { forwarded } : {}) });
            // The explanation shows the first node whose host endpoint stops the packet, else the first node's.
            if (!explanation.host || (explanation.host.every((d) => d.allowed) && arrival.some((d) => !d.allowed))) withHost(explanation, arrival);
            chain.push(...arrival.filter((d) => d.stage !== "hostForward"));
        }
        if (arrival.some((d) => d.outcome === "deny" && d.stage !== "hostForward")) continue;
        const preDnat = arrival.find((d) => d.stage === "hostPreDnat");
        const forward = arrival.find((d) => d.stage === "hostForward");
        for (const backend of backends) {
            const targetPort = resolveTargetPort(servicePort, backend);
            const seen: Party[] =
                service.externalTrafficPolicy === "Local" || model.options.nodePortSource === "client"
                    ? [src]
                    : model.options.nodePortSource === "node"
                      ? [host]
                      : [src, host];
            for (const sourceSeen of dedupe(seen)) {
                const backendParty: Party = { kind: "workload", workload: backend };
                if (targetPort === undefined) {
                    const missing: Decision = {
                        ...notEnforced("ingress", backendParty, ""),
                        allowed: false,
                        outcome: "deny",
                        reason: `targetPort ${JSON.stringify(servicePort.targetPort)} is not a ${protocol} container port of ${backend.id}`,
                    };
                    paths.push({ node: node.name, backend: backend.id, sourceSeenAs: partyName(sourceSeen), allowed: false, ingress: missing });
                    continue;
                }
                const packet: Packet = { src: sourceSeen, dst: backendParty, port: targetPort, protocol };
                if (forward && preDnat?.outcome !== "allow" && !chain.includes(forward)) chain.push(forward);
                const ingress = workloadDecision(model, backend, "ingress", packet);
                paths.push({ node: node.name, backend: backend.id, targetPort, sourceSeenAs: partyName(sourceSeen), allowed: ingress.allowed, ingress });
                // The host's own packet, DNATed to a pod on the same node, meets no policy (as node -> pod).
                if (src.kind === "host")
                    paths.push({
                        node: node.name,
                        backend: backend.id,
                        targetPort,
                        sourceSeenAs: partyName(sourceSeen),
                        allowed: true,
                        ingress: hostToLocalPodDecision(src.node, backendParty),
                    });
            }
        }
    }
    const failing = paths.find((p) => !p.allowed);
    explanation.ingress = (failing ?? paths[0])?.ingress ?? explanation.ingress;
    const upstreamBlocked = chain.some((d) => !d.allowed);
    if (!upstreamBlocked && backends.length === 0) {
        return { allowed: false, explanation, reason: `blocked: service ${service.namespace}/${service.name} selects no workload` };
    }
    if (upstreamBlocked || !failing) return summarize([...chain, ...(failing ? [failing.ingress] : paths.map((p) => p.ingress))], explanation);
    const partial = paths.some((p) => p.allowed);
    const outcome = summarize([...chain, failing.ingress], explanation, partial);
    const seenAs = failing.sourceSeenAs.startsWith("node:")
        ? ` (source seen as ${failing.sourceSeenAs} after SNAT, externalTrafficPolicy ${service.externalTrafficPolicy})`
        : "";
    return { ...outcome, reason: `${outcome.reason}${seenAs}${partial ? "; allowed on other paths, so it depends on where the pod runs" : ""}` };
}

/**
 * Through a Service's ClusterIP (or its name): judged after DNAT at every backend (services.ts).
 * Allowed only when every backend allows; `partial` when some do.
 */
function serviceFlow(model: ClusterModel, src: Party, service: Service, port: number, protocol: Protocol): Outcome {
    const servicePort = service.headless ? undefined : findServicePort(service, port, protocol);
    const backends = serviceBackendsOf(model, service);
    const what = `service ${service.namespace}/${service.name}`;
    const summary = {
        namespace: service.namespace,
        name: service.name,
        port,
        targetPort: servicePort?.targetPort ?? port,
        externalTrafficPolicy: service.externalTrafficPolicy,
        backends: backends.map((b) => partyName(b.party)),
        ...(service.clusterIPs[0] !== undefined ? { clusterIP: formatIPv4(service.clusterIPs[0]) } : {}),
    };
    if (backends.length === 0) {
        const none = notEnforced("ingress", src, "");
        const why = service.selector ? "its selector matches no workload" : "it has no selector and no ready Endpoints/EndpointSlice address";
        return {
            allowed: false,
            explanation: {
                egress: notEnforced("egress", src, ""),
                ingress: {
                    ...none,
                    endpoint: `service:${service.namespace}/${service.name}`,
                    allowed: false,
                    outcome: "deny",
                    reason: `${what} has no backend`,
                },
                service: summary,
                backends: [],
            },
            reason: `blocked: ${what} has no backend: ${why}`,
        };
    }
    const verdicts = backends.map((backend) => {
        const target = servicePort ? backend.targetPort(servicePort) : port;
        const name = partyName(backend.party);
        if (target === undefined) {
            const reason = `blocked: targetPort ${JSON.stringify(servicePort!.targetPort)} is not a ${protocol} port of ${name}`;
            return { name, target, outcome: undefined, allowed: false, reason };
        }
        const outcome = directFlow(model, src, backend.party, target, protocol);
        return { name, target, outcome, allowed: outcome.allowed, reason: outcome.reason };
    });
    const allowedCount = verdicts.filter((v) => v.allowed).length;
    const shown = verdicts.find((v) => !v.allowed && v.outcome) ?? verdicts.find((v) => v.outcome);
    const explanation: Explanation = {
        ...(shown?.outcome?.explanation ?? { egress: notEnforced("egress", src, ""), ingress: notEnforced("ingress", src, "") }),
        service: summary,
        backends: verdicts.map((v) => ({ backend: v.name, ...(v.target !== undefined ? { targetPort: v.target } : {}), allowed: v.allowed, reason: v.reason })),
    };
    const count = `${allowedCount} of ${verdicts.length} backend${verdicts.length === 1 ? "" : "s"} of ${what}`;
    if (allowedCount === verdicts.length) {
        return { allowed: true, explanation, reason: `allowed by ${count} (judged after DNAT): ${verdicts[0]!.reason.replace(/^allowed: /, "")}` };
    }
    const failing = verdicts.find((v) => !v.allowed)!;
    return {
        allowed: false,
        ...(allowedCount > 0 ? { partial: true } : {}),
        explanation,
        reason: `blocked: ${count} allow it (judged after DNAT); ${failing.name}${failing.target !== undefined ? `:${failing.target}` : ""}: ${failing.reason.replace(/^blocked: /, "")}`,
    };
}

function dedupe(parties: Party[]): Party[] {
    const seen = new Set<string>();
    return parties.filter((p) => {
        const name = partyName(p);
        if (seen.has(name)) return false;
        seen.add(name);
        return true;
    });
}
