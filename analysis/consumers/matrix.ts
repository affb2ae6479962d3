/**
 * The connectivity matrix: every source (workloads, plus an external client, plus the nodes when asked)
 * against every target (each workload's declared ports, an internet destination, each Service port, each
 * NodePort, and the nodes at the ports asked for). Rows are bit sets over
 * the sources (index-set.ts: a list of the few allowed sources, or bits when many); identical rows
 * are stored once, so the matrix of a large cluster stays small.
 * Workload-to-workload cells come from the vectorized engine (fast-engine.ts); the few external and
 * NodePort cells from the per-connection engine.
 */
import { IndexSet, IndexSetInterner } from "../engine/index-set";
import { AnalysisInputError } from "../errors";
import { computeWorkloadReachability } from "../engine/fast-engine";
import type { ClusterModel, Service, ServicePort } from "../model/model-types";
import { serviceBackendsOf } from "../model/services";
import { parseIPv4 } from "../net";
import { Endpoint, evaluateConnection, parsePortSpec } from "../engine/query";
import type { Connection, Protocol } from "../types";

export interface MatrixTarget {
    dst: string;
    port: number;
    protocol: Protocol;
    portName?: string;
}

export interface Matrix {
    /** Endpoint names in row-bit order: workloads ("ns/name", sorted), then the external client. */
    sources: string[];
    targets: MatrixTarget[];
    /** Distinct rows: the indexes of the sources (into `sources`) that may connect. */
    rows: IndexSet[];
    /** For each target, the index of its row in `rows`. */
    targetRows: number[];
    /**
     * The workloads serving the cluster's DNS: pod template label k8s-app=kube-dns, which the
     * kube-dns Service selects (kubeadm's, kind's and IKS's CoreDNS). Pictures draw them apart.
     */
    kubeDns?: string[];
}

export interface MatrixCell extends Connection {
    allowed: boolean;
}

export interface MatrixOptions {
    /** The client outside the cluster. Default external:203.0.113.10 (TEST-NET-3). */
    externalSource?: string;
    /** Destinations outside the cluster, as "external:<ip>:<port>/<proto>". Default external:1.1.1.1:443/TCP. */
    externalDestinations?: string[];
    /** Targets `service:<ns>/<name>` for every Service port (default true). */
    services?: boolean;
    /**
     * The nodes as endpoints: each node becomes a source `node:<name>` and a target at each of these
     * ports ("22/TCP", "10250/TCP"), judged per connection (host-path.ts). Default none.
     */
    nodePorts?: string[];
    /** Skip the per-connection engine for workload pairs even on small clusters (tests compare both). */
    engine?: "fast" | "reference";
}

export const DEFAULT_EXTERNAL_SOURCE = "external:203.0.113.10";
export const DEFAULT_EXTERNAL_DESTINATIONS = ["external:1.1.1.1:443/TCP"];

export function connectivityMatrix(model: ClusterModel, options: MatrixOptions = {}): Matrix {
    const workloads = [...model.workloads].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const externalSource = parseExternal(options.externalSource ?? DEFAULT_EXTERNAL_SOURCE);
    const nodePorts = (options.nodePorts ?? []).map(parseNodePort);
    const nodeEndpoints: NodeEndpoint[] = nodePorts.length ? model.nodes.map((node) => ({ kind: "node", node, ip: node.ip })) : [];
    const sources = [...workloads.map((w) => w.id), `external:${externalSource.text}`, ...nodeEndpoints.map((n) => `node:${n.node.name}`)];
    const sourceEndpoints: Endpoint[] = [...workloads.map((workload) => ({ kind: "workload" as const, workload })), externalSource, ...nodeEndpoints];
    const size = sources.length;
    const externalIndex = workloads.length;
    // The sources the vectorized engine does not cover (the external client, the nodes), per connection.
    const extraSources = (dst: Endpoint, port: number, protocol: Protocol): number[] => {
        const allowed: number[] = [];
        for (let s = externalIndex; s < size; s++) if (evaluateConnection(model, sourceEndpoints[s]!, dst, port, protocol).allowed) allowed.push(s);
        return allowed;
    };

    const targets: MatrixTarget[] = [];
    // Identical rows are stored once, as they come (a row is dropped as soon as it is found to repeat one).
    const distinctRows = new IndexSetInterner();
    const targetRows: number[] = [];
    const addRow = (row: IndexSet) => {
        targetRows.push(distinctRows.indexOf(row));
    };
    const workloadTargets = workloads.flatMap((workload) => uniquePorts(workload.ports).map((p) => ({ workload, ...p })));
    const reachability = computeWorkloadReachability(model, workloads, workloadTargets, options.engine ?? "fast");
    // The engine returns each distinct row as one shared set: its matrix row (with or without the
    // external client) is looked up by identity instead of being rebuilt and hashed per target.
    const rowIndexes = new Map<IndexSet, Map<string, number>>();
    const workloadRows = new Map<string, IndexSet>();
    workloadTargets.forEach((target, t) => {
        workloadRows.set(targetKey({ dst: target.workload.id, port: target.port, protocol: target.protocol }), reachability[t]!);
        targets.push({ dst: target.workload.id, port: target.port, protocol: target.protocol, ...(target.name ? { portName: target.name } : {}) });
        const reach = reachability[t]!;
        const extra = extraSources({ kind: "workload", workload: target.workload }, target.port, target.protocol);
        const extraKey = extra.join(",");
        let indexes = rowIndexes.get(reach);
        if (!indexes) {
            indexes = new Map();
            rowIndexes.set(reach, indexes);
        }
        let row = indexes.get(extraKey);
        if (row === undefined) {
            row = distinctRows.indexOf(reach.widened(size, extra));
            indexes.set(extraKey, row);
        }
        targetRows.push(row);
    });

    for (const spec of options.externalDestinations ?? DEFAULT_EXTERNAL_DESTINATIONS) {
        const { endpoint, port, protocol } = parseExternalDestination(spec);
        targets.push({ dst: `external:${endpoint.text}`, port, protocol });
        addRow(rowFor(sourceEndpoints, (src) => src.kind !== "external" && evaluateConnection(model, src, endpoint, port, protocol).allowed));
    }

    const sortedServices = [...model.services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    if (options.services !== false) {
        // Through each Service port, judged after DNAT at every backend (headless Services have no DNAT: their pods are targets already).
        for (const service of sortedServices.filter((s) => !s.headless && s.type !== "ExternalName")) {
            for (const servicePort of service.ports) {
                const dst = { kind: "service" as const, service };
                targets.push({
                    dst: `service:${service.namespace}/${service.name}`,
                    port: servicePort.port,
                    protocol: servicePort.protocol,
                    ...(servicePort.name ? { portName: servicePort.name } : {}),
                });
                const viaBackends =
                    options.engine === "reference" ? undefined : serviceRowFromBackends(model, service, servicePort, workloadRows, workloads.length);
                if (viaBackends) {
                    addRow(viaBackends.widened(size, extraSources(dst, servicePort.port, servicePort.protocol)));
                } else {
                    addRow(rowFor(sourceEndpoints, (src) => evaluateConnection(model, src, dst, servicePort.port, servicePort.protocol).allowed));
                }
            }
        }
    }

    const services = sortedServices.filter((s) => s.type === "NodePort" || s.type === "LoadBalancer");
    for (const service of services) {
        for (const servicePort of service.ports) {
            if (servicePort.nodePort === undefined) continue;
            const dst = { kind: "nodeport" as const, service };
            targets.push({ dst: `nodeport:${service.namespace}/${service.name}`, port: servicePort.nodePort, protocol: servicePort.protocol });
            addRow(rowFor(sourceEndpoints, (src) => evaluateConnection(model, src, dst, servicePort.nodePort!, servicePort.protocol).allowed));
        }
    }

    for (const { name, endpoint } of nodeTargets(nodeEndpoints)) {
        for (const { port, protocol } of nodePorts) {
            targets.push({ dst: name, port, protocol });
            // A node to itself is loopback, which is not modelled: blocked in the matrix (query refuses it).
            addRow(
                rowFor(
                    sourceEndpoints,
                    (src) => !(src.kind === "node" && src.node === endpoint.node) && evaluateConnection(model, src, endpoint, port, protocol).allowed,
                ),
            );
        }
    }

    const kubeDns = workloads.filter((workload) => workload.labels["k8s-app"] === "kube-dns").map((workload) => workload.id);
    return { sources, targets, rows: distinctRows.distinct, targetRows, kubeDns };
}

type NodeEndpoint = Extract<Endpoint, { kind: "node" }>;

/** Each node at its InternalIP, and at the address of each of its named interfaces' host endpoints that differs (node:<name>/<interface>). */
function nodeTargets(nodes: NodeEndpoint[]): { name: string; endpoint: NodeEndpoint }[] {
    return nodes.flatMap((endpoint) => {
        const { node } = endpoint;
        const interfaces = node.hostEndpoints.filter((h) => h.interfaceName && h.interfaceName !== "*" && h.expectedIPs.length && h.expectedIPs[0] !== node.ip);
        return [
            { name: `node:${node.name}`, endpoint },
            ...interfaces.map((h) => ({ name: `node:${node.name}/${h.interfaceName}`, endpoint: { ...endpoint, ip: h.expectedIPs[0]! } })),
        ];
    });
}

function parseNodePort(text: string): { port: number; protocol: Protocol } {
    const { port, protocol } = parsePortSpec(text);
    if (typeof port !== "number" || port < 1 || port > 65535 || protocol === "ICMP") {
        throw new AnalysisInputError(`node port ${JSON.stringify(text)}: expected PORT/PROTOCOL, e.g. 22/TCP`);
    }
    return { port, protocol: protocol ?? "TCP" };
}

/**
 * A Service port's row for the workload sources, from its backends' rows: query.ts judges a
 * connection through a Service after DNAT at every backend and allows it only when every backend
 * allows it, so the row is the intersection of the backends' rows at their target ports (empty with
 * no backend, or when a backend lacks the target port). Undefined when a backend is not a workload
 * or its target port is not one of the matrix's workload targets: the caller then asks per connection.
 * Without this a cluster with a Service per Deployment cost sources x Services connections.
 */
function serviceRowFromBackends(
    model: ClusterModel,
    service: Service,
    servicePort: ServicePort,
    workloadRows: Map<string, IndexSet>,
    size: number,
): IndexSet | undefined {
    let row: IndexSet | undefined;
    for (const backend of serviceBackendsOf(model, service)) {
        if (backend.party.kind !== "workload") return undefined;
        const port = backend.targetPort(servicePort);
        if (port === undefined) return IndexSet.empty(size);
        const backendRow = workloadRows.get(targetKey({ dst: backend.party.workload.id, port, protocol: servicePort.protocol }));
        if (!backendRow) return undefined;
        row = row ? row.and(backendRow) : backendRow;
    }
    return row ?? IndexSet.empty(size);
}

function rowFor(sources: Endpoint[], allowed: (src: Endpoint) => boolean): IndexSet {
    const members: number[] = [];
    sources.forEach((src, i) => {
        if (allowed(src)) members.push(i);
    });
    return IndexSet.fromSorted(members, sources.length);
}

function uniquePorts(ports: { port: number; protocol: Protocol; name?: string }[]) {
    const seen = new Map<string, { port: number; protocol: Protocol; name?: string }>();
    for (const p of ports) {
        const key = `${p.port}/${p.protocol}`;
        if (!seen.has(key)) seen.set(key, { port: p.port, protocol: p.protocol, ...(p.name ? { name: p.name } : {}) });
    }
    return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

function parseExternal(text: string): Extract<Endpoint, { kind: "external" }> {
    const address = text.replace(/^external:/, "");
    const ip = parseIPv4(address);
    if (ip === undefined) throw new AnalysisInputError(`external endpoint ${JSON.stringify(text)}: expected external:<ipv4>`);
    return { kind: "external", ip, text: address };
}

function parseExternalDestination(text: string) {
    const match = /^(?:external:)?([\d.]+):(.+)$/.exec(text.trim());
    if (!match) throw new AnalysisInputError(`external destination ${JSON.stringify(text)}: expected external:<ipv4>:<port>[/<proto>]`);
    const endpoint = parseExternal(match[1]!);
    const { port, protocol } = parsePortSpec(match[2]!);
    if (typeof port !== "number") throw new AnalysisInputError(`external destination ${JSON.stringify(text)}: the port must be a number`);
    if (protocol === "ICMP")
        throw new AnalysisInputError(`external destination ${JSON.stringify(text)}: the matrix has TCP, UDP and SCTP ports only (ask ICMP with --query)`);
    return { endpoint, port, protocol: protocol ?? "TCP" };
}

// ---------------------------------------------------------------- reading a matrix

export function targetKey(target: Pick<MatrixTarget, "dst" | "port" | "protocol">): string {
    return `${target.dst}:${target.port}/${target.protocol}`;
}

/** Allowed sources of one target, as indexes into matrix.sources. */
export function allowedSources(matrix: Matrix, targetIndex: number): IndexSet {
    return matrix.rows[matrix.targetRows[targetIndex]!]!;
}

/** Whether the matrix allows one flow; undefined when the flow is not part of the matrix. */
export function matrixAllows(matrix: Matrix, flow: Connection): boolean | undefined {
    const s = matrix.sources.indexOf(flow.src);
    const t = matrix.targets.findIndex((target) => targetKey(target) === targetKey(flow));
    if (s < 0 || t < 0) return undefined;
    return allowedSources(matrix, t).has(s);
}

/** Every cell of the matrix (sources x targets), skipping external-to-external. */
export function* matrixCells(matrix: Matrix): Generator<MatrixCell> {
    for (const [t, target] of matrix.targets.entries()) {
        const row = allowedSources(matrix, t);
        for (const [s, src] of matrix.sources.entries()) {
            if (src.startsWith("external:") && target.dst.startsWith("external:")) continue;
            yield { src, dst: target.dst, port: target.port, protocol: target.protocol, allowed: row.has(s) };
        }
    }
}

/** The allowed flows only. */
export function* allowedFlows(matrix: Matrix): Generator<Connection> {
    for (const [t, target] of matrix.targets.entries()) {
        for (const s of allowedSources(matrix, t)) {
            yield { src: matrix.sources[s]!, dst: target.dst, port: target.port, protocol: target.protocol };
        }
    }
}
