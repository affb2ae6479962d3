// The probe plan: which probe observes each leg of the stage's flows, from where, against which
// addresses. Built from the intent (the flows the stack declares) and facts read from the
// cluster (workload labels and pod IPs, node addresses, kube-dns). Pure: no I/O.
//
// Pitfalls designed around (the Kubernetes e2e netpol suite's reachability model; Calico issues #1683, #2632):
// - L4 probes go to pod IPs, never names, so a DNS verdict cannot hide in a TCP one; DNS is
//   probed on its own (UDP with an application reply, TCP with a handshake on 53).
// - Every pod of a destination workload is probed (pods on several nodes, SNAT differences).
// - The world is the machine running verify: it calls the NodePorts the way the lab's curl does.
import type { Connection } from "../analysis";
import { EndpointName, parseEndpointName } from "../analysis/endpoint-names";
import type { FlowCheck } from "../scenarios/common/flows";
import { KUBE_DNS_WORKLOAD } from "../scenarios/common/flows";
import type { EdgeCalls, EdgeRequest } from "../scenarios/scenario";
import { legKey, Probe, ProbeAction, ProbeOrigin } from "./types";

export interface WorkloadFacts {
    /** Pod template labels: the identity a probe pod takes to speak for this workload. */
    labels: Record<string, string>;
    /** IPs of the workload's running pods (destinations of pod-to-pod probes). */
    podIPs: string[];
    /**
     * The service account the workload's pods run under, when the cluster has it: the probe pod
     * runs under it too, so Calico's service-account selectors see the workload's identity.
     */
    serviceAccount?: string;
}

export interface ClusterFacts {
    /** `<namespace>/<workload>` -> facts. */
    workloads: Record<string, WorkloadFacts>;
    /** Address of a node, for NodePort probes from outside (and from pods). */
    nodeAddress?: string;
    /** kube-dns ClusterIP (or a CoreDNS pod IP). */
    dnsServer?: string;
    /** A name every cluster DNS answers for. */
    dnsName: string;
    /** `<namespace>/<service>` -> ClusterIP, for legs to `service:<namespace>/<service>`. */
    serviceIPs?: Record<string, string>;
}

export interface UnprobeableLeg {
    leg: Connection;
    reason: string;
    /**
     * No vantage point exists for this leg wherever verify runs (traffic from outside the cluster
     * straight to a pod): the flow is reported as predicted only, not as a failure to observe.
     */
    predictedOnly?: boolean;
}

export interface FlowPlan {
    check: FlowCheck;
    /** Probe ids of its legs, in leg order, plus the end-to-end probe if any. */
    probeIds: string[];
}

export interface ProbePlan {
    probes: Probe[];
    flows: FlowPlan[];
    /** Legs no probe can observe: reported as failures, never skipped silently. */
    unprobeable: UnprobeableLeg[];
}

export const PROBE_SENDER = "verify";
/** How many pods of a destination workload are probed. */
export const MAX_TARGET_PODS = 3;

type Endpoint = Exclude<EndpointName, { kind: "node" | "workload" }> | (Extract<EndpointName, { kind: "workload" }> & { id: string });

export function parseEndpoint(text: string): Endpoint | undefined {
    const name = parseEndpointName(text);
    switch (name?.kind) {
        case "external":
        case "nodeport":
        case "service":
            return name;
        case "workload":
            return { ...name, id: text };
        default:
            return undefined; // a node is no probe endpoint of a lab flow
    }
}

/**
 * The probe action of a scenario's HTTP request to a NodePort from outside (its EdgeCalls): a
 * POST with its JSON body, or a plain GET (method GET, no body).
 */
export function edgeAction(nodeAddress: string, nodePort: number, request: EdgeRequest): ProbeAction {
    const url = `http://${nodeAddress}:${nodePort}${request.path}`;
    return request.method === "GET"
        ? { kind: "http", method: "GET", url, expectBodyIncludes: request.expectBodyIncludes }
        : { kind: "http", url, body: request.body, expectBodyIncludes: request.expectBodyIncludes };
}

export function commandOf(origin: ProbeOrigin, actions: ProbeAction[], timeoutSeconds = 2): string {
    const where =
        origin.kind === "outside"
            ? ""
            : origin.kind === "node"
              ? `on node ${origin.node}: `
              : `kubectl exec -n ${origin.namespace} <probe pod as ${origin.workload}> -- `;
    return actions.map((action) => where + shellCommand(action, timeoutSeconds).join(" ")).join(" && ");
}

/** The command a probe action runs (in the probe pod), or its curl equivalent from outside. */
export function shellCommand(action: ProbeAction, timeoutSeconds: number): string[] {
    switch (action.kind) {
        case "http":
            if (action.method === "GET") return ["curl", "-s", "--connect-timeout", String(timeoutSeconds), action.url];
            return [
                "curl",
                "-s",
                "--connect-timeout",
                String(timeoutSeconds),
                "-X",
                "POST",
                action.url,
                "-H",
                "'Content-Type: application/json'",
                "-d",
                `'${JSON.stringify(action.body)}'`,
            ];
        case "tcp":
            return ["nc", "-z", "-w", String(timeoutSeconds), action.address, String(action.port)];
        case "udp":
            return ["nc", "-u", "-w", String(timeoutSeconds), action.address, String(action.port)];
        case "dns-udp":
            // busybox nslookup queries over UDP; `timeout` bounds its own retries.
            return ["timeout", String(timeoutSeconds + 1), "nslookup", action.name, action.server];
        case "dns-tcp":
            return ["nc", "-z", "-w", String(timeoutSeconds), action.server, "53"];
    }
}

function originOf(endpoint: Endpoint, facts: ClusterFacts): ProbeOrigin | string {
    if (endpoint.kind === "external") return { kind: "outside" };
    if (endpoint.kind === "nodeport" || endpoint.kind === "service")
        return `a ${endpoint.kind === "nodeport" ? "NodePort" : "Service"} (${endpoint.namespace}/${endpoint.service}) is not a traffic source`;
    const workload = facts.workloads[endpoint.id];
    if (!workload) return `no workload ${endpoint.id} in the cluster to take the identity of`;
    return {
        kind: "pod",
        namespace: endpoint.namespace,
        workload: endpoint.name,
        labels: workload.labels,
        ...(workload.serviceAccount ? { serviceAccount: workload.serviceAccount } : {}),
    };
}

function actionsFor(origin: ProbeOrigin, dst: Endpoint, leg: Connection, facts: ClusterFacts, edge: EdgeCalls): ProbeAction[] | string {
    if (dst.kind === "nodeport") {
        if (!facts.nodeAddress) return "no node address known for NodePort probes (pass --node-address)";
        if (origin.kind === "outside") return [edgeAction(facts.nodeAddress, leg.port, edge.nodePort(PROBE_SENDER))];
        return [{ kind: "tcp", address: facts.nodeAddress, port: leg.port }];
    }
    if (origin.kind === "outside") return `probes from outside only reach NodePorts, not ${leg.dst}`;
    if (dst.kind === "service") {
        // Through the ClusterIP: kube-proxy picks a backend, so one connection observes one backend only.
        const clusterIP = facts.serviceIPs?.[`${dst.namespace}/${dst.service}`];
        if (!clusterIP) return `no ClusterIP known for service ${dst.namespace}/${dst.service}`;
        if (leg.protocol !== "TCP") return `UDP to ${leg.dst} needs a responder; only DNS is probed over UDP`;
        return [{ kind: "tcp", address: clusterIP, port: leg.port }];
    }
    if (dst.kind === "external") {
        // An upstream DNS server on the internet answers a query over UDP.
        if (leg.protocol === "UDP" && leg.port === 53) return [{ kind: "dns-udp", server: dst.address, name: facts.dnsName }];
        if (leg.protocol !== "TCP") return `only TCP probes reach external addresses (${leg.protocol} asked)`;
        return [{ kind: "tcp", address: dst.address, port: leg.port }];
    }
    if (dst.id === KUBE_DNS_WORKLOAD || (leg.port === 53 && dst.namespace === "kube-system")) {
        if (!facts.dnsServer) return "kube-dns not found (no Service kube-system/kube-dns and no CoreDNS pod)";
        return leg.protocol === "UDP" ? [{ kind: "dns-udp", server: facts.dnsServer, name: facts.dnsName }] : [{ kind: "dns-tcp", server: facts.dnsServer }];
    }
    if (leg.protocol !== "TCP") return `UDP to ${leg.dst} needs a responder; only DNS is probed over UDP`;
    const target = facts.workloads[dst.id];
    if (!target || target.podIPs.length === 0) return `no running pod of ${dst.id} to connect to`;
    return target.podIPs.slice(0, MAX_TARGET_PODS).map((address) => ({ kind: "tcp" as const, address, port: leg.port }));
}

function legProbe(leg: Connection, facts: ClusterFacts, edge: EdgeCalls): Probe | string | UnprobeableLeg {
    const src = parseEndpoint(leg.src);
    const dst = parseEndpoint(leg.dst);
    if (!src) return `cannot read source endpoint ${leg.src}`;
    if (!dst) return `cannot read destination endpoint ${leg.dst}`;
    const origin = originOf(src, facts);
    if (typeof origin === "string") return origin;
    if (origin.kind === "outside" && dst.kind === "workload") {
        return {
            leg,
            reason: `from outside the cluster only NodePorts are reachable, not ${leg.dst} directly: the analyzer's prediction is the only verdict`,
            predictedOnly: true,
        };
    }
    const actions = actionsFor(origin, dst, leg, facts, edge);
    if (typeof actions === "string") return actions;
    return { id: legKey(leg), origin, actions, leg, command: commandOf(origin, actions) };
}

/**
 * A flow that enters through a NodePort and continues inside the cluster (world -> proxy ->
 * helloworld) also gets the scenario's end-to-end call (its EdgeCalls.endToEnd), naming the last
 * leg's destination by its Service name (the workload's name) and port.
 */
function endToEndProbe(check: FlowCheck, facts: ClusterFacts, edge: EdgeCalls): Probe | undefined {
    const [first, ...rest] = check.legs;
    const last = rest[rest.length - 1];
    const entry = first && parseEndpoint(first.dst);
    const target = last && parseEndpoint(last.dst);
    if (!first || !last || entry?.kind !== "nodeport" || target?.kind !== "workload" || !first.src.startsWith("external:")) return undefined;
    if (!facts.nodeAddress) return undefined;
    const actions = [edgeAction(facts.nodeAddress, first.port, edge.endToEnd(PROBE_SENDER, { service: target.name, port: last.port }))];
    const origin: ProbeOrigin = { kind: "outside" };
    return { id: `e2e:${check.id}`, origin, actions, command: commandOf(origin, actions) };
}

/**
 * The probes of a stage's flows. `edge` is the scenario's (the intent's stage.yaml names it):
 * how its NodePorts are called from outside.
 */
export function buildProbePlan(checks: FlowCheck[], facts: ClusterFacts, edge: EdgeCalls): ProbePlan {
    const probes = new Map<string, Probe>();
    const unprobeable = new Map<string, UnprobeableLeg>();
    const flows: FlowPlan[] = checks.map((check) => {
        const probeIds: string[] = [];
        for (const leg of check.legs) {
            const key = legKey(leg);
            const probe = probes.get(key) ?? legProbe(leg, facts, edge);
            if (typeof probe === "string") {
                unprobeable.set(key, { leg, reason: probe });
                continue;
            }
            if (!("id" in probe)) {
                unprobeable.set(key, probe);
                continue;
            }
            probes.set(key, probe);
            probeIds.push(key);
        }
        const e2e = endToEndProbe(check, facts, edge);
        if (e2e) {
            probes.set(e2e.id, e2e);
            probeIds.push(e2e.id);
        }
        return { check, probeIds };
    });
    return { probes: [...probes.values()], flows, unprobeable: [...unprobeable.values()] };
}
