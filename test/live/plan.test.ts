// The probe plan and the comparison, without a cluster: which probe observes each leg, and why a
// leg nobody can probe fails the flow instead of vanishing from it.
import { describe, expect, it } from "vitest";
import { flowChecksAt } from "../../scenarios/helloworld/flows";
import { findStage } from "../../scenarios/helloworld/stages";
import { compare } from "../../live/compare";
import { buildProbePlan, ClusterFacts } from "../../live/plan";
import { helloworld } from "../../scenarios/helloworld";
import { classifyExec } from "../../live/probes";
import { legKey, Observation } from "../../live/types";

const checks = flowChecksAt(findStage("allow-proxy")!, { namespace: "zero-trust-lab", nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } });
const facts: ClusterFacts = {
    workloads: {
        "zero-trust-lab/helloworld": { labels: { app: "helloworld" }, podIPs: ["192.168.1.10", "192.168.1.11"] },
        "zero-trust-lab/helloworld-proxy": { labels: { app: "helloworld-proxy" }, podIPs: ["192.168.1.20"] },
        "lab-neighbour/probe": { labels: { app: "probe" }, podIPs: [] },
    },
    nodeAddress: "172.18.0.2",
    dnsServer: "10.96.0.10",
    dnsName: "kubernetes.default.svc.cluster.local",
};

describe("the probe plan", () => {
    it("probes pod IPs for L4, kube-dns over UDP and TCP separately, NodePorts from outside with the lab's bodies", () => {
        const plan = buildProbePlan(checks, facts, helloworld.edge);
        const byId = new Map(plan.probes.map((p) => [p.id, p]));
        expect(plan.unprobeable).toEqual([]);
        expect(byId.get("zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP")!.command).toBe(
            "kubectl exec -n zero-trust-lab <probe pod as helloworld-proxy> -- nc -z -w 2 192.168.1.10 8080 && kubectl exec -n zero-trust-lab <probe pod as helloworld-proxy> -- nc -z -w 2 192.168.1.11 8080",
        );
        expect(byId.get("zero-trust-lab/helloworld -> kube-system/coredns:53/UDP")!.actions).toEqual([
            { kind: "dns-udp", server: "10.96.0.10", name: "kubernetes.default.svc.cluster.local" },
        ]);
        expect(byId.get("zero-trust-lab/helloworld -> kube-system/coredns:53/TCP")!.actions).toEqual([{ kind: "dns-tcp", server: "10.96.0.10" }]);
        expect(byId.get("e2e:world-via-proxy-to-helloworld")!.actions).toEqual([
            {
                kind: "http",
                url: "http://172.18.0.2:30081/proxy/api/messages",
                body: { sender: "verify", host: "helloworld:8080" },
                expectBodyIncludes: "Hello verify (proxy)",
            },
        ]);
        expect(byId.get("external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld:30080/TCP")!.command).toBe(
            `curl -s --connect-timeout 2 -X POST http://172.18.0.2:30080/api/messages -H 'Content-Type: application/json' -d '{"sender":"verify"}'`,
        );
        expect(byId.get("lab-neighbour/probe -> zero-trust-lab/helloworld:8080/TCP")!.origin).toEqual({
            kind: "pod",
            namespace: "lab-neighbour",
            workload: "probe",
            labels: { app: "probe" },
        });
    });

    it("a leg that cannot be probed makes its flow NOT OBSERVED, never a pass", () => {
        const plan = buildProbePlan(
            checks,
            { ...facts, workloads: { ...facts.workloads, "zero-trust-lab/helloworld": { labels: { app: "helloworld" }, podIPs: [] } } },
            helloworld.edge,
        );
        expect(plan.unprobeable.map((u) => u.reason)).toContain("no running pod of zero-trust-lab/helloworld to connect to");
        const predictions = new Map(checks.flatMap((c) => c.legs).map((leg) => [legKey(leg), { verdict: "allowed" as const, explanation: "" }]));
        const observations = new Map<string, Observation>(
            plan.probes.map((p) => [p.id, { probeId: p.id, outcome: "allowed", verdict: "allowed", detail: "", attempts: [], stable: true }]),
        );
        const result = compare(checks, plan, predictions, observations);
        const flow = result.flows.find((f) => f.id === "proxy-to-helloworld")!;
        expect(flow.status).toBe("not-observed");
        expect(flow.problem).toContain("no running pod of zero-trust-lab/helloworld");
        expect(result.passed).toBe(false);
    });

    it("probes a leg through a Service at its ClusterIP from the source's identity; the analyzer predicts it after DNAT", () => {
        const leg = { src: "zero-trust-lab/helloworld-proxy", dst: "service:zero-trust-lab/helloworld", port: 8080, protocol: "TCP" as const };
        const check = { id: "proxy-via-service", description: "proxy -> helloworld Service", expected: "allowed" as const, legs: [leg] };
        const plan = buildProbePlan([check], { ...facts, serviceIPs: { "zero-trust-lab/helloworld": "10.96.20.30" } }, helloworld.edge);
        expect(plan.unprobeable).toEqual([]);
        expect(plan.probes[0]!.command).toBe("kubectl exec -n zero-trust-lab <probe pod as helloworld-proxy> -- nc -z -w 2 10.96.20.30 8080");
        expect(buildProbePlan([check], facts, helloworld.edge).unprobeable.map((u) => u.reason)).toEqual([
            "no ClusterIP known for service zero-trust-lab/helloworld",
        ]);
    });

    it("a DNS failure is told apart from a TCP failure in what busybox prints", () => {
        expect(classifyExec({ kind: "dns-udp", server: "10.96.0.10", name: "x" }, 1, ";; connection timed out; no servers could be reached").outcome).toBe(
            "dns-timeout",
        );
        expect(classifyExec({ kind: "dns-udp", server: "10.96.0.10", name: "x" }, 1, "** server can't find x: NXDOMAIN").outcome).toBe("allowed");
        // TCP probes are given IPs: a name that does not resolve there is the probe's failure, not the network's.
        expect(classifyExec({ kind: "tcp", address: "helloworld", port: 8080 }, 1, "nc: bad address 'helloworld'").outcome).toBe("error");
        expect(classifyExec({ kind: "tcp", address: "192.168.1.10", port: 8080 }, 1, "").outcome).toBe("tcp-timeout");
        expect(classifyExec({ kind: "dns-tcp", server: "10.96.0.10" }, 1, "").outcome).toBe("dns-timeout");
    });
});
