// edge-only-ingress: only the edge workloads (the lab's proxy) are reachable from outside the
// cluster. The analyzer is asked, for every other workload, whether an outside address (an
// unrelated one, and one inside every CIDR the policies name) can reach it: directly on each of
// its ports, and through every NodePort / LoadBalancer Service that fronts it. Traffic from outside
// then only reaches other workloads through an edge workload, which is what the policy intends.
import type { Service, Verdict, Workload } from "../../analysis";
import { serviceBackends } from "../../analysis";
import { ask, ClusterView, externalCandidates, mayReach } from "../lib/cluster";
import { schemaOf } from "../lib/config";
import { explainVerdict } from "../lib/explain";
import { clusterPolicy } from "../lib/policy";
import { refusesKnownProbe } from "./default-deny";

export function exposedServices(view: ClusterView): { service: Service; backends: Workload[] }[] {
    return view.model.services
        .filter((s) => (s.type === "NodePort" || s.type === "LoadBalancer") && !view.isSystemNamespace(s.namespace))
        .map((service) => ({ service, backends: serviceBackends(view.model, service) }));
}

/** Outside traffic to every nodePort of a Service (ports Kubernetes assigns are given one in the cluster view). */
export function nodePortVerdicts(view: ClusterView, service: Service, source: string): Verdict[] {
    return service.ports
        .filter((p) => p.nodePort !== undefined)
        .map((p) => ask(view, source, `nodeport:${service.namespace}/${service.name}`, p.nodePort!, p.protocol));
}

function directPorts(view: ClusterView, workload: Workload): { port: number; protocol: "TCP" | "UDP" | "SCTP" }[] {
    const ports = workload.ports.map((p) => ({ port: p.port, protocol: p.protocol }));
    return [...ports, { port: view.settings.probePort, protocol: "TCP" as const }];
}

const configSchema = schemaOf(["edgeWorkloads", "systemNamespaces", "unrelatedAddresses", "probePort", "hostEndpoints"]);

export const edgeOnlyIngress = clusterPolicy({
    name: "edge-only-ingress",
    description:
        "Only the edge workloads (default: the proxy, helloworld-proxy) can be reached from outside the cluster, directly or through a NodePort/LoadBalancer Service; " +
        "every path from outside to any other workload goes through an edge workload. Judged by asking the analyzer whether outside addresses reach each non-edge workload.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    judge(view, report) {
        const sources = externalCandidates(view).map((a) => `external:${a}`);
        const edges = view.settings.edgeWorkloads.join(", ") || "none configured";
        const fix = (w: Workload) =>
            `Fix: let outside traffic in only at an edge workload (${edges}) and allow ${w.id} only from it (ingress from: [{podSelector: <edge labels>}]), ` +
            `make its Service ClusterIP, or drop its NodePort at the node with a Calico preDNAT GlobalNetworkPolicy. If ${w.id} is meant to be an entry point, add it to edgeWorkloads.`;
        for (const workload of view.workloads.filter((w) => !view.isEdge(w))) {
            const reached: Verdict[] = [];
            for (const source of sources) {
                for (const { port, protocol } of directPorts(view, workload)) {
                    if (refusesKnownProbe(view, workload, "ingress", source, port, protocol) || !mayReach(view, source, workload.id, port, protocol)) continue;
                    const verdict = ask(view, source, workload.id, port, protocol);
                    if (verdict.allowed || verdict.partial) {
                        reached.push(verdict);
                        break;
                    }
                }
                if (reached.length) break;
            }
            if (reached.length) {
                report(
                    [
                        `${workload.id} is not an edge workload but is reachable from outside the cluster:`,
                        ...reached.map((v) => `  - ${explainVerdict(v, "      ")}`),
                        `Why it matters: zero trust admits outside traffic at one guarded entry point; every other workload reachable from outside is an unreviewed attack surface.`,
                        fix(workload),
                    ].join("\n"),
                    view.objectOf(workload),
                );
            }
        }
        for (const { service, backends } of exposedServices(view)) {
            const inner = backends.filter((b) => !view.isEdge(b) && view.workloads.includes(b));
            if (inner.length === 0) continue;
            const reached = sources.flatMap((source) => nodePortVerdicts(view, service, source)).filter((v) => v.allowed || v.partial);
            if (reached.length === 0) continue;
            const serviceObject = view.subjects.find(
                (o) => o.kind === "Service" && o.metadata.name === service.name && (o.metadata.namespace || "default") === service.namespace,
            );
            report(
                [
                    `Service ${service.namespace}/${service.name} (${service.type}) lets outside traffic reach ${inner.map((w) => w.id).join(", ")}, which ${inner.length > 1 ? "are not edge workloads" : "is not an edge workload"}:`,
                    `  - ${explainVerdict(reached[0]!, "      ")}`,
                    `Why it matters: a NodePort is open on every node of the cluster; whoever reaches a node reaches the workload without passing the edge.`,
                    fix(inner[0]!),
                ].join("\n"),
                serviceObject,
            );
        }
    },
});
