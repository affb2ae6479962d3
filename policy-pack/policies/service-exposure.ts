// service-exposure (advisory): NodePort and LoadBalancer Services only in front of edge workloads,
// unless a Calico preDNAT policy on the nodes' host endpoints drops the port before it reaches the
// pod. A NodePort that pod policy blocks today is still open on every node: one allow rule later
// and it is reachable. The analyzer says where outside traffic to the port is stopped.
import { externalCandidates } from "../lib/cluster";
import { schemaOf } from "../lib/config";
import { clusterPolicy } from "../lib/policy";
import { exposedServices, nodePortVerdicts } from "./edge-only-ingress";

function stoppedAtHost(verdict: ReturnType<typeof nodePortVerdicts>[number]): boolean {
    // Dropped before DNAT: by pre-DNAT policy, or by untracked (doNotTrack) policy before conntrack.
    const host = verdict.explanation.host ?? [verdict.explanation.hostPreDnat];
    return !verdict.allowed && !verdict.partial && host.some((d) => (d?.stage === "hostPreDnat" || d?.stage === "hostUntracked") && d.outcome === "deny");
}

export const serviceExposure = clusterPolicy({
    name: "service-exposure",
    description:
        "NodePort and LoadBalancer Services front only edge workloads, unless a Calico preDNAT host endpoint policy drops their port at the node (as the lab's lockdown stage does). " +
        "Pod policy that blocks the port today still leaves it open on every node.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: schemaOf(["edgeWorkloads", "systemNamespaces", "unrelatedAddresses", "hostEndpoints"]),
    judge(view, report) {
        const sources = externalCandidates(view).map((a) => `external:${a}`);
        for (const { service, backends } of exposedServices(view)) {
            const inner = backends.filter((b) => !view.isEdge(b));
            if (inner.length === 0) continue;
            const verdicts = sources.flatMap((source) => nodePortVerdicts(view, service, source));
            if (verdicts.length > 0 && verdicts.every(stoppedAtHost)) continue;
            const open = verdicts.find((v) => v.allowed || v.partial);
            const serviceObject = view.subjects.find(
                (o) => o.kind === "Service" && o.metadata.name === service.name && (o.metadata.namespace || "default") === service.namespace,
            );
            const declared: any[] = Array.isArray(serviceObject?.spec?.ports) ? serviceObject!.spec.ports : [];
            const nodePorts = service.ports
                .map((p, i) => (declared[i]?.nodePort === undefined ? `assigned by Kubernetes (probed as ${p.nodePort})` : p.nodePort))
                .join(", ");
            report(
                [
                    `Service ${service.namespace}/${service.name} is ${service.type} (nodePort ${nodePorts}) in front of ${inner.map((w) => w.id).join(", ")}, not an edge workload, ` +
                        `and no preDNAT host policy drops the port at the node. ${open ? `Outside traffic gets through today: ${open.reason}.` : `Pod policy blocks it today (${verdicts[0]?.reason}).`}`,
                    `Why it matters: the port is open on every node; whether it reaches the pod depends on pod policy alone, and one broad allow later it is reachable.`,
                    `Fix: make the Service ClusterIP, or add a Calico GlobalNetworkPolicy with preDNAT: true, applyOnForward: true on the host endpoints that denies the NodePort range except the edge's port (the lab's lockdown stage).`,
                ].join("\n"),
                serviceObject,
            );
        }
    },
});
