// no-broad-allow: no rule re-opens a non-edge workload to everyone. A rule is broad when the
// analyzer says it lets an unrelated party through: a pod of a namespace no policy names, on the
// workload's own ports or on an arbitrary one (`ingress: [{}]`, `from: [{namespaceSelector: {}}]`),
// an internet address on an arbitrary port, or egress to anything on an arbitrary port
// (`egress: [{}]`, `to: [{ipBlock: {cidr: 0.0.0.0/0}}]` without ports). Only allows decided by a
// rule count: a workload no policy selects is default-deny's finding, not this one's.
import type { Decision, Workload } from "../../analysis";
import { askOwn, ClusterView, ownAllows } from "../lib/cluster";
import { schemaOf } from "../lib/config";
import { decidingRule, describeDecision } from "../lib/explain";
import { clusterPolicy } from "../lib/policy";
import { refusesKnownProbe } from "./default-deny";

interface Finding {
    rule: string;
    decision: Decision;
    what: string;
}

type Probe = { src: string; dst: string; port: number; protocol: "TCP" | "UDP"; direction: "ingress" | "egress"; what: string };

function probes(view: ClusterView, workload: Workload): Probe[] {
    const { probePort, unrelatedAddresses } = view.settings;
    const external = `external:${unrelatedAddresses[0]}`;
    const own = workload.ports.filter((p) => p.protocol !== "SCTP").map((p) => ({ port: p.port, protocol: p.protocol as "TCP" | "UDP" }));
    return [
        ...[...own, { port: probePort, protocol: "TCP" as const }].map(({ port, protocol }) => ({
            src: view.neighbour,
            dst: workload.id,
            port,
            protocol,
            direction: "ingress" as const,
            what: `a pod of any namespace may connect to ${workload.id} on ${protocol} ${port}`,
        })),
        {
            src: external,
            dst: workload.id,
            port: probePort,
            protocol: "TCP",
            direction: "ingress",
            what: `any address may connect to ${workload.id} on any port`,
        },
        {
            src: workload.id,
            dst: external,
            port: probePort,
            protocol: "TCP",
            direction: "egress",
            what: `${workload.id} may connect to any address on any port`,
        },
        {
            src: workload.id,
            dst: view.neighbour,
            port: probePort,
            protocol: "TCP",
            direction: "egress",
            what: `${workload.id} may connect to pods of any namespace on any port`,
        },
    ];
}

export function broadAllows(view: ClusterView, workload: Workload): Finding[] {
    const findings = new Map<string, Finding>();
    for (const probe of probes(view, workload)) {
        if (refusesKnownProbe(view, workload, probe.direction, probe.direction === "ingress" ? probe.src : probe.dst, probe.port, probe.protocol)) continue;
        if (!ownAllows(view, probe.src, probe.dst, probe.port, probe.protocol, probe.direction)) continue;
        const decision = askOwn(view, probe.src, probe.dst, probe.port, probe.protocol, probe.direction);
        const rule = decision.allowed ? decidingRule(decision) : undefined;
        if (!rule || findings.has(rule)) continue;
        findings.set(rule, { rule, decision, what: probe.what });
    }
    return [...findings.values()];
}

const configSchema = schemaOf(["edgeWorkloads", "systemNamespaces", "unrelatedAddresses", "probePort", "hostEndpoints"]);

export const noBroadAllow = clusterPolicy({
    name: "no-broad-allow",
    description:
        "No allow rule re-opens a non-edge workload to everyone: no ingress from every pod or every address (ingress: [{}], from: [{namespaceSelector: {}}]), " +
        "no egress to every address on every port (egress to 0.0.0.0/0 without ports). Judged by asking the analyzer whether unrelated parties get through, and naming the rule that lets them.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    judge(view, report) {
        for (const workload of view.workloads.filter((w) => !view.isEdge(w))) {
            for (const finding of broadAllows(view, workload)) {
                const step = finding.decision.steps[finding.decision.steps.length - 1]!;
                const policyObject = findPolicyObject(view, step.policy.id);
                report(
                    [
                        `Rule ${finding.rule} is a broad allow: ${finding.what} (${describeDecision(finding.decision)}).`,
                        `Why it matters: a broad allow on a workload that is not an entry point undoes the default deny for it; the lab's flows need named peers and ports only.`,
                        `Fix: name the peer (podSelector / namespaceSelector with labels, or a Calico selector) and the ports in that rule; ` +
                            `if ${workload.id} really is an entry point, add it to edgeWorkloads.`,
                    ].join("\n"),
                    policyObject ?? view.objectOf(workload),
                );
            }
        }
    },
});

function findPolicyObject(view: ClusterView, id: string) {
    return view.model.policies.find((p) => p.ref.id === id)?.object;
}
