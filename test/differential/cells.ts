// The cells of a deployed scenario: every connection the tier both probes and asks the analyzer
// about. A cell names its connection in the analyzer's words (live/types.ts ConnectionQuery) and
// carries the live probe that observes it. Pure: facts in, cells out.
import { legKey, Probe, ProbeAction, ProbeOrigin } from "../../live/types";
import type { ConnectionQuery } from "../../live/types";
import { commandOf } from "../../live/plan";
import { podLabels } from "./render";
import { ADDRESSES, NODE_PORTS, Protocol, Scenario, ScenarioPod } from "./scenario";

export type CellKind = "pod-pod" | "pod-service" | "world-nodeport" | "pod-world" | "world-node" | "pod-node" | "node-pod" | "node-world";

export interface Cell {
    /** The connection's key, `<src> -> <dst>:<port>/<protocol>` (live/types.ts legKey). */
    id: string;
    kind: CellKind;
    query: ConnectionQuery;
    probe: Probe;
}

/** What the cluster assigned: pod addresses, Service addresses and node ports. */
export interface DeployedFacts {
    /** `<namespace>/<pod>` -> IP, running pods only. */
    podIPs: Record<string, string>;
    /** `<namespace>/<service>` -> its ClusterIP and ports as read back (nodePort set for NodePort Services). */
    services: Record<string, { clusterIP: string; ports: { port: number; protocol: Protocol; nodePort?: number }[] }>;
    nodeAddress: string;
    /** The node the scenario's pods run on and the tier runs on (its node cells' `node:<name>`). */
    nodeName: string;
}

/** The world's ports a pod may call: the internet host's HTTPS listener and its resolver (scripts/cluster/up.sh). */
export const WORLD_PORTS: readonly { port: number; protocol: Protocol }[] = [
    { port: 443, protocol: "TCP" },
    { port: 53, protocol: "UDP" },
];

const id = (namespace: string, name: string) => `${namespace}/${name}`;

function origin(pod: ScenarioPod): ProbeOrigin {
    return { kind: "pod", namespace: pod.namespace, workload: pod.name, labels: podLabels(pod), serviceAccount: pod.serviceAccount };
}

function cell(kind: CellKind, query: ConnectionQuery, from: ProbeOrigin, actions: ProbeAction[]): Cell {
    const key = legKey(query);
    return { id: key, kind, query, probe: { id: key, origin: from, actions, leg: query, command: commandOf(from, actions) } };
}

function transport(protocol: Protocol, address: string, port: number): ProbeAction {
    return protocol === "TCP" ? { kind: "tcp", address, port } : { kind: "udp", address, port };
}

export function scenarioCells(scenario: Scenario, facts: DeployedFacts): Cell[] {
    const cells: Cell[] = [];
    const running = scenario.pods.filter((pod) => facts.podIPs[id(pod.namespace, pod.name)] !== undefined);
    for (const src of running) {
        const from = origin(src);
        const srcName = id(src.namespace, src.name);
        for (const dst of running) {
            if (dst === src) continue; // a pod's own address never leaves it (loopback): no policy applies
            for (const port of dst.ports) {
                const query: ConnectionQuery = { src: srcName, dst: id(dst.namespace, dst.name), port: port.port, protocol: port.protocol };
                cells.push(cell("pod-pod", query, from, [transport(port.protocol, facts.podIPs[query.dst], port.port)]));
            }
        }
        for (const service of scenario.services) {
            const known = facts.services[id(service.namespace, service.name)];
            if (!known || (service.pod === src.name && service.namespace === src.namespace)) continue; // hairpin: left out
            for (const port of known.ports) {
                const query: ConnectionQuery = { src: srcName, dst: `service:${service.namespace}/${service.name}`, port: port.port, protocol: port.protocol };
                cells.push(cell("pod-service", query, from, [transport(port.protocol, known.clusterIP, port.port)]));
            }
        }
        for (const port of WORLD_PORTS) {
            const query: ConnectionQuery = { src: srcName, dst: `external:${ADDRESSES.internet}`, port: port.port, protocol: port.protocol };
            const action: ProbeAction =
                port.protocol === "UDP"
                    ? { kind: "dns-udp", server: ADDRESSES.internet, name: "example.org" }
                    : transport(port.protocol, ADDRESSES.internet, port.port);
            cells.push(cell("pod-world", query, from, [action]));
        }
    }
    cells.push(...nodeCells(scenario, facts, running));
    // A NodePort from the world crosses the host endpoint's interface too (forwarded after DNAT).
    if (!crossesHostInterface(scenario)) return cells;
    for (const service of scenario.services) {
        const known = facts.services[id(service.namespace, service.name)];
        if (!known || facts.podIPs[id(service.namespace, service.pod)] === undefined) continue;
        for (const port of known.ports) {
            // The world speaks HTTP only (live/outside-http.ts): UDP NodePorts are not probed from outside.
            if (port.nodePort === undefined || port.protocol !== "TCP") continue;
            const query: ConnectionQuery = {
                src: `external:${ADDRESSES.outside}`,
                dst: `nodeport:${service.namespace}/${service.name}`,
                port: port.nodePort,
                protocol: "TCP",
            };
            const action: ProbeAction = {
                kind: "http",
                method: "GET",
                url: `http://${facts.nodeAddress}:${port.nodePort}/`,
                expectBodyIncludes: `listen ${service.namespace}/${service.pod}`,
            };
            cells.push(cell("world-nodeport", query, { kind: "outside" }, [action]));
        }
    }
    return cells;
}

/**
 * Whether cells crossing the host endpoint's interface (world -> node, node -> world, world -> NodePort)
 * are judged: not while the scenario has removed the endpoint's expectedIPs, since the analyzer then
 * says at run time that it cannot tell which addresses the interface holds and judges no packet as
 * crossing it (analysis/model/host-endpoint-warnings.ts), where Felix polices the interface by name
 * (seed 123: an applyOnForward policy dropped a NodePort the analyzer, so warned, judged allowed).
 */
function crossesHostInterface(scenario: Scenario): boolean {
    return scenario.host?.expectedIPs !== false;
}

/**
 * The node's cells (README, "The node's side"): the world and every pod to the node's listener,
 * the node to every pod's first TCP port, the node to the world's HTTPS and DNS. Cells that cross
 * the host endpoint's interface are left out unless crossesHostInterface.
 */
function nodeCells(scenario: Scenario, facts: DeployedFacts, running: readonly ScenarioPod[]): Cell[] {
    const cells: Cell[] = [];
    const node = `node:${facts.nodeName}`;
    const fromNode: ProbeOrigin = { kind: "node", node: facts.nodeName };
    const crossesInterface = crossesHostInterface(scenario);
    if (crossesInterface) {
        for (const port of [NODE_PORTS.open, NODE_PORTS.failsafe]) {
            const query: ConnectionQuery = { src: `external:${ADDRESSES.outside}`, dst: node, port, protocol: "TCP" };
            cells.push(
                cell("world-node", query, { kind: "outside" }, [
                    { kind: "http", method: "GET", url: `http://${facts.nodeAddress}:${port}/`, expectBodyIncludes: `listen ${node.replace(":", "/")}` },
                ]),
            );
        }
    }
    for (const pod of running) {
        const query: ConnectionQuery = { src: id(pod.namespace, pod.name), dst: node, port: NODE_PORTS.open, protocol: "TCP" };
        cells.push(cell("pod-node", query, origin(pod), [transport("TCP", facts.nodeAddress, NODE_PORTS.open)]));
        const port = pod.ports.find((p) => p.protocol === "TCP");
        if (port) {
            const back: ConnectionQuery = { src: node, dst: id(pod.namespace, pod.name), port: port.port, protocol: "TCP" };
            cells.push(cell("node-pod", back, fromNode, [transport("TCP", facts.podIPs[id(pod.namespace, pod.name)], port.port)]));
        }
    }
    if (crossesInterface) {
        for (const port of WORLD_PORTS) {
            const query: ConnectionQuery = { src: node, dst: `external:${ADDRESSES.internet}`, port: port.port, protocol: port.protocol };
            const action: ProbeAction =
                port.protocol === "UDP"
                    ? { kind: "dns-udp", server: ADDRESSES.internet, name: "example.org" }
                    : transport("TCP", ADDRESSES.internet, port.port);
            cells.push(cell("node-world", query, fromNode, [action]));
        }
    }
    return cells;
}
