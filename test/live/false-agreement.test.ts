// A probe that could not run observes nothing: it is an `error`, its flow is NOT OBSERVED, and a
// run with such a cell cannot pass (exit 2: could not verify), whatever the flow was expected
// to do. And a stage is verified only against the stage the cluster declares.
import { afterEach, describe, expect, it } from "vitest";
import { KubeClusterApi } from "../../live/cluster";
import { compare } from "../../live/compare";
import type { ProbePlan } from "../../live/plan";
import { classifyExec } from "../../live/probes";
import { formatTable } from "../../live/report";
import { legKey, Observation, Probe } from "../../live/types";
import { StageMismatchError, verificationExitCode, verifyStage } from "../../live/verify";
import { FAST, labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

let cluster: LabCluster | undefined;
afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
});

describe("a probe failure is never a verdict", () => {
    it("a node address that does not resolve: the NodePort flows are NOT OBSERVED (never 'blocked', so never ok), and the run does not pass", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, nodeAddress: "not-an-ip.invalid", ...FAST });
        const nodePort = result.comparison.flows.find((f) => f.id === "world-to-helloworld-nodeport")!;
        // Expected and predicted blocked: a DNS failure taken as "blocked" would have been a false ok.
        expect(nodePort).toMatchObject({ expected: "blocked", predicted: "blocked", observed: "unknown", status: "not-observed" });
        expect(nodePort.legs[0]).toMatchObject({
            outcome: "error",
            observed: "unknown",
            detail: expect.stringMatching(/the node address not-an-ip.invalid did not resolve .*nothing was probed/),
        });
        for (const id of ["world-to-proxy-nodeport", "world-via-proxy-to-helloworld"])
            expect(result.comparison.flows.find((f) => f.id === id)!.status).toBe("not-observed");
        expect(result.passed).toBe(false);
        expect(verificationExitCode(result)).toBe(2);
        expect(formatTable(result)).toMatch(/FAILED: 6\/9 flows agree, 0 differ, 3 not observed/);
    });

    it("a probe tool that is missing or did not run (exit 127, 126, no exit status) is an error, not a blocked connection", () => {
        const tcp = { kind: "tcp" as const, address: "192.168.1.10", port: 8080 };
        expect(classifyExec(tcp, 127, "sh: nc: not found").outcome).toBe("error");
        expect(classifyExec(tcp, 126, "sh: nc: Permission denied").outcome).toBe("error");
        expect(classifyExec({ kind: "dns-udp", server: "10.96.0.10", name: "x" }, -1, "").outcome).toBe("error");
        expect(classifyExec(tcp, 1, "").outcome).toBe("tcp-timeout");
    });

    it("a flow with one leg seen blocked and one whose probe failed is NOT OBSERVED, and fails the run", () => {
        const legs = [
            { src: "lab/a", dst: "lab/b", port: 8080, protocol: "TCP" as const },
            { src: "lab/b", dst: "lab/c", port: 8080, protocol: "TCP" as const },
        ];
        const probe = (leg: (typeof legs)[number]): Probe => ({
            id: legKey(leg),
            origin: { kind: "pod", namespace: "lab", workload: leg.src.split("/")[1], labels: {} },
            actions: [{ kind: "tcp", address: "192.168.1.10", port: 8080 }],
            leg,
            command: "nc",
        });
        const plan: ProbePlan = {
            probes: legs.map(probe),
            flows: [{ check: { id: "a-to-c", description: "a -> b -> c", expected: "blocked", legs }, probeIds: legs.map(legKey) }],
            unprobeable: [],
        };
        const predictions = new Map(legs.map((leg) => [legKey(leg), { verdict: "blocked" as const, explanation: "default deny" }]));
        const observation = (probeId: string, outcome: Observation["outcome"]): Observation => ({
            probeId,
            outcome,
            verdict: outcome === "error" ? undefined : "blocked",
            detail: outcome === "error" ? "exec failed" : "timed out",
            attempts: [],
            stable: true,
        });
        const observations = new Map([
            [legKey(legs[0]), observation(legKey(legs[0]), "tcp-timeout")],
            [legKey(legs[1]), observation(legKey(legs[1]), "error")],
        ]);
        const comparison = compare([plan.flows[0].check], plan, predictions, observations);
        expect(comparison.flows[0]).toMatchObject({ observed: "unknown", status: "not-observed", problem: "probe failed: exec failed" });
        expect(comparison.passed).toBe(false);
    });
});

describe("--stage against the cluster's intent", () => {
    it("the stage asked for must be the one the intent ConfigMap declares; unasked, the intent's stage is reported", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const api = new KubeClusterApi(cluster.kube.kubeConfig());
        const asked = verifyStage(api, { namespace: NAMESPACE, stage: { number: 5, name: "lockdown" }, ...FAST });
        await expect(asked).rejects.toThrow(StageMismatchError);
        await expect(asked).rejects.toThrow(
            "the cluster runs helloworld stage 4 (allow-proxy) (ConfigMap zero-trust-lab/zero-trust-intent), not stage 5 (lockdown)",
        );
        // Nothing was probed for the wrong stage.
        expect(cluster.kube.execs).toEqual([]);
        const result = await verifyStage(api, { namespace: NAMESPACE, ...FAST });
        expect(result.stage).toEqual({ number: 4, name: "allow-proxy" });
    });
});
