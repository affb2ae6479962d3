// What goes wrong on real clusters, against the fake API: exec that hangs or drops, pods that
// never start, deletes that fail, Ctrl-C in the middle, no intent. Each must end as a failure the
// user can act on, never as a pass, and leave no probe pod behind unless it says so.
import { afterEach, describe, expect, it } from "vitest";
import { KubeClusterApi, KubeClusterApiOptions } from "../../live/cluster";
import { PROBE_LABEL, PROBE_OWNER_LABEL, ProbePods } from "../../live/probe-pods";
import { ProbeRunner } from "../../live/probes";
import { formatTable } from "../../live/report";
import { verifyStage } from "../../live/verify";
import type { Probe } from "../../live/types";
import { FakeKube, FakeKubeOptions } from "./fake-kube";
import { FAST, FAST_RETRY as RETRY, labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

/** Short, but far longer than an exec on loopback takes: only an exec that never answers reaches it. */
/** For an exec that never answers: the timeout is what is tested. */
const EXEC_TIMEOUT_MS = 100;
/** For everything that does answer: never reached, however loaded the machine. */
const NEVER_MS = 120_000;
const tcpProbe: Probe = {
    id: "a -> b",
    origin: { kind: "pod", namespace: "lab", workload: "helloworld", labels: { app: "helloworld" } },
    actions: [{ kind: "tcp", address: "192.168.1.10", port: 8080 }],
    command: "nc",
};

let kube: FakeKube | undefined;
let cluster: LabCluster | undefined;
afterEach(async () => {
    await kube?.stop();
    await cluster?.close();
    kube = cluster = undefined;
});

async function fake(
    options: FakeKubeOptions,
    apiOptions: KubeClusterApiOptions = {},
    execTimeoutMs = NEVER_MS,
): Promise<{ api: KubeClusterApi; pods: ProbePods; runner: ProbeRunner }> {
    kube = await new FakeKube(options).add({ apiVersion: "v1", kind: "Namespace", metadata: { name: "lab" } }).start();
    const api = new KubeClusterApi(kube.kubeConfig(), apiOptions);
    const pods = new ProbePods(api, { image: "busybox:1.36", startTimeoutMs: NEVER_MS, pollIntervalMs: 5, createMissingNamespaces: true });
    return { api, pods, runner: new ProbeRunner(api, pods, { retry: RETRY, execTimeoutMs }) };
}

describe("probe transport failures", () => {
    it("an exec that never answers times out: outcome error, no verdict", async () => {
        const { runner, pods } = await fake({ exec: () => "hang" }, {}, EXEC_TIMEOUT_MS);
        const observation = await runner.run({ ...tcpProbe }, "blocked");
        expect(observation.outcome).toBe("error");
        expect(observation.verdict).toBeUndefined();
        expect(observation.detail).toMatch(/timed out after 100 ms: nc -z -w 1 192.168.1.10 8080/);
        expect(observation.attempts).toHaveLength(3);
        // Each attempt waited for its timeout: the exec was given up, not answered.
        for (const attempt of observation.attempts) expect(attempt.elapsedMs).toBeGreaterThanOrEqual(EXEC_TIMEOUT_MS - 1);
        expect((await pods.cleanup()).leftovers).toEqual([]);
    });

    it("an exec stream that closes without an exit status is an error, not a blocked connection", async () => {
        const { runner, pods } = await fake({ exec: () => "close-without-status" }, { closeGraceMs: 5 });
        const observation = await runner.run(tcpProbe, "blocked");
        expect(observation.outcome).toBe("error");
        expect(observation.detail).toContain("connection closed without an exit status");
        await pods.cleanup();
    });

    it("exit codes and output come through the exec channel: refused is told apart from a timeout", async () => {
        const { runner, pods } = await fake({ exec: () => ({ exitCode: 1, stderr: "nc: 192.168.1.10 (192.168.1.10:8080): Connection refused\n" }) });
        expect((await runner.run(tcpProbe, "blocked")).outcome).toBe("tcp-refused");
        await pods.cleanup();
    });

    it("a probe pod stuck in ImagePullBackOff is reported with the image and how to change it, after one attempt", async () => {
        const { runner, pods } = await fake({ podWaitingReason: "ImagePullBackOff" });
        const observation = await runner.run(tcpProbe, "allowed");
        expect(observation.outcome).toBe("error");
        expect(observation.attempts).toHaveLength(1);
        expect(observation.detail).toMatch(/cannot start: ImagePullBackOff \(image busybox:1.36; set --probe-image/);
        const report = await pods.cleanup();
        expect(report.deleted).toEqual([expect.stringMatching(/^lab\/probe-helloworld-/)]);
        expect(kube!.pods()).toEqual([]);
    });
});

describe("verification that cannot complete", () => {
    it("no intent ConfigMap: verify says what is missing and why, instead of passing with zero flows", async () => {
        kube = await new FakeKube().add({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }).start();
        await expect(verifyStage(new KubeClusterApi(kube.kubeConfig()), { namespace: NAMESPACE, ...FAST })).rejects.toThrow(
            /ConfigMap zero-trust-lab\/zero-trust-intent not found: .*stage 0 has no workloads/,
        );
    });

    it("a probe pod that cannot be deleted is a failure that names it and the command to delete it", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4), {
            fail: (method, path) => (method === "DELETE" && /\/pods\/probe-helloworld-proxy-/.test(path) ? 500 : undefined),
        });
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST });
        expect(result.comparison.passed).toBe(true);
        expect(result.passed).toBe(false);
        expect(result.cleanup.leftovers).toEqual([
            expect.objectContaining({
                resource: expect.stringMatching(/^pod zero-trust-lab\/probe-helloworld-proxy-/),
                command: expect.stringMatching(/^kubectl delete pod -n zero-trust-lab probe-helloworld-proxy-\w+ --grace-period=0$/),
            }),
        ]);
        // The others were still deleted.
        expect(
            cluster.kube
                .pods()
                .filter((p) => p.metadata.labels?.[PROBE_LABEL])
                .map((p) => p.metadata.name),
        ).toEqual([expect.stringMatching(/^probe-helloworld-proxy-/)]);
        expect(formatTable(result)).toMatch(/NOT CLEANED UP: pod zero-trust-lab\/probe-helloworld-proxy-\w+ \(HTTP 500/);
    });

    it("Ctrl-C during probing stops, deletes every probe pod created so far, and is not a pass", async () => {
        const controller = new AbortController();
        let execs = 0;
        const plane = labDataPlane(4);
        cluster = await labCluster("allow-proxy", plane, {});
        // Abort after the second exec, as a user's Ctrl-C would.
        const original = cluster.kube.options.exec!;
        cluster.kube.options.exec = (request) => {
            if (++execs === 2) controller.abort();
            return original(request);
        };
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST, signal: controller.signal });
        expect(result.interrupted).toBe(true);
        expect(result.passed).toBe(false);
        expect(result.comparison.counts.notObserved).toBeGreaterThan(0);
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
        expect(formatTable(result)).toMatch(/INTERRUPTED: /);
    });

    it("Ctrl-C while a probe pod is still starting stops waiting for it and deletes it", async () => {
        const controller = new AbortController();
        // The probe pods never run; Ctrl-C comes as the first one is read, so only Ctrl-C can end
        // the wait (the start deadline is far beyond the test's timeout).
        cluster = await labCluster("allow-proxy", labDataPlane(4), {
            podWaitingReason: "ContainerCreating",
            fail: (method, path) => {
                if (method === "GET" && /\/pods\/probe-/.test(path)) controller.abort();
                return undefined;
            },
        });
        const lines: string[] = [];
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), {
            namespace: NAMESPACE,
            ...FAST,
            signal: controller.signal,
            log: (line) => lines.push(line),
        });
        expect(result.interrupted).toBe(true);
        expect(lines).toContainEqual(
            expect.stringMatching(/: error after 1 attempt\(s\).*verification was stopped before probe pod zero-trust-lab\/probe-[\w-]+ was running/),
        );
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    });

    it("probe pods left by a killed run are deleted before probing", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        cluster.kube.add({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "probe-helloworld-dead01", namespace: NAMESPACE, labels: { app: "helloworld", [PROBE_LABEL]: "true" } },
            status: { phase: "Running", podIP: "192.168.9.9" },
        });
        const lines: string[] = [];
        await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST, log: (line) => lines.push(line) });
        expect(lines).toContain("deleted probe pods left by an earlier run: zero-trust-lab/probe-helloworld-dead01");
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    });

    it("a probe pod of another lab's verification, in the neighbour namespace both use, is left alone; the lab's own stale one is deleted", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const probe = (name: string, owner: string) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace: "lab-neighbour", labels: { [PROBE_LABEL]: "true", [PROBE_OWNER_LABEL]: owner } },
            status: { phase: "Running", podIP: "192.168.9.8" },
        });
        cluster.kube.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: "lab-neighbour" } });
        cluster.kube.add(probe("probe-probe-other1", "yaobank-customer"));
        cluster.kube.add(probe("probe-probe-dead02", NAMESPACE));
        const lines: string[] = [];
        await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST, log: (line) => lines.push(line) });
        expect(lines).toContain("deleted probe pods left by an earlier run: lab-neighbour/probe-probe-dead02");
        expect(
            cluster.kube
                .pods()
                .filter((p) => p.metadata.labels?.[PROBE_LABEL])
                .map((p) => p.metadata.name),
        ).toEqual(["probe-probe-other1"]);
    });
});
