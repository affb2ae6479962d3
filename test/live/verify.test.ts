// Live verification against a fake Kubernetes API: the real client, exec over WebSocket, real
// HTTP calls to fake NodePorts, the analyzer over the objects served back.
import { afterEach, describe, expect, it } from "vitest";
import { KubeClusterApi } from "../../live/cluster";
import { PROBE_LABEL } from "../../live/probe-pods";
import { formatJunit, formatTable } from "../../live/report";
import { verifyStage, waitsFromEnvironment } from "../../live/verify";
import { FAST, labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

let cluster: LabCluster | undefined;
afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
});

describe("verify on a cluster that behaves as the lab says", () => {
    it("stage 4 (allow-proxy): every flow's expected, predicted and observed verdicts agree, and the probe pods are gone", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const api = new KubeClusterApi(cluster.kube.kubeConfig());
        const result = await verifyStage(api, { namespace: NAMESPACE, stage: { number: 4, name: "allow-proxy" }, ...FAST });
        const table = formatTable(result);
        expect(
            result.comparison.flows.map((f) => [f.id, f.expected, f.predicted, f.observed, f.status]),
            table,
        ).toEqual([
            ["world-to-helloworld-nodeport", "blocked", "blocked", "blocked", "pass"],
            ["world-to-proxy-nodeport", "allowed", "allowed", "allowed", "pass"],
            ["world-via-proxy-to-helloworld", "allowed", "allowed", "allowed", "pass"],
            ["proxy-to-helloworld", "allowed", "allowed", "allowed", "pass"],
            ["helloworld-to-proxy", "blocked", "blocked", "blocked", "pass"],
            ["helloworld-to-helloworld", "blocked", "blocked", "blocked", "pass"],
            ["lab-pods-to-kube-dns", "allowed", "allowed", "allowed", "pass"],
            ["lab-pods-to-internet", "blocked", "blocked", "blocked", "pass"],
            ["other-namespace-to-helloworld", "blocked", "blocked", "blocked", "pass"],
        ]);
        expect(result.passed).toBe(true);
        expect(table).toContain("PASSED: 9/9 flows agree");
        // The dropped NodePort never answered: blocked by the HTTP probe's own timeout, stable over two attempts.
        expect(result.comparison.flows.find((f) => f.id === "world-to-helloworld-nodeport")!.legs).toEqual([
            expect.objectContaining({
                outcome: "tcp-timeout",
                detail: expect.stringMatching(/^no TCP connection within the timeout: TimeoutError/),
                attempts: 2,
                stable: true,
            }),
        ]);
        // Probe pods: one per identity, all deleted; lab-neighbour was created for the probe and removed.
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
        expect(result.cleanup.deleted).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^zero-trust-lab\/probe-helloworld-/),
                expect.stringMatching(/^zero-trust-lab\/probe-helloworld-proxy-/),
                expect.stringMatching(/^lab-neighbour\/probe-probe-/),
                "namespace/lab-neighbour",
            ]),
        );
        expect(cluster.kube.find("Namespace", undefined, "lab-neighbour")).toBeUndefined();
        // L4 probes went to every helloworld pod IP, never to a name.
        const ncTargets = cluster.kube.execs.filter((e) => e.command[0] === "nc").map((e) => e.command.slice(-2).join(":"));
        for (const ip of cluster.podIPs[`${NAMESPACE}/helloworld`]) expect(ncTargets).toContain(`${ip}:8080`);
        expect(result.imageDigests).toMatchObject({ "helloworld/helloworld": "docker.io/remkohdev/helloworld@sha256:abc123" });
    });

    it("probes several at a time (parallel) with the same verdicts, and still deletes every probe pod", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const api = new KubeClusterApi(cluster.kube.kubeConfig());
        // The fake API and NodePorts share this process with the concurrent execs: HTTP gets room.
        const result = await verifyStage(api, {
            namespace: NAMESPACE,
            stage: { number: 4, name: "allow-proxy" },
            ...FAST,
            waits: { httpTimeoutMs: 3_000 },
            parallel: 4,
        });
        expect(result.passed, formatTable(result)).toBe(true);
        expect(result.comparison.flows.map((f) => f.observed)).toEqual([
            "blocked",
            "allowed",
            "allowed",
            "allowed",
            "blocked",
            "blocked",
            "allowed",
            "blocked",
            "blocked",
        ]);
        // One probe pod per identity even when several probes ask for it at once.
        expect(result.cleanup.deleted.filter((name) => name.startsWith("zero-trust-lab/probe-helloworld-proxy-"))).toHaveLength(1);
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    });

    it("probe pods meet the restricted Pod Security Standard, have limits, stay out of Services and carry the workload's labels", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const created: any[] = [];
        const api = new KubeClusterApi(cluster.kube.kubeConfig());
        const original = api.createPod.bind(api);
        api.createPod = async (namespace, pod) => {
            created.push(structuredClone(pod));
            return original(namespace, pod);
        };
        await verifyStage(api, { namespace: NAMESPACE, ...FAST });
        expect(created.map((p) => `${p.metadata.namespace}:${p.metadata.labels.app}`).sort()).toEqual([
            "lab-neighbour:probe",
            "zero-trust-lab:helloworld",
            "zero-trust-lab:helloworld-proxy",
        ]);
        for (const pod of created) {
            expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            const [container] = pod.spec.containers;
            expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
            expect(container.resources.limits).toEqual({ cpu: "100m", memory: "32Mi" });
            expect(pod.spec.readinessGates).toEqual([{ conditionType: "lab.calico-zero-trust/never-ready" }]);
            expect(pod.spec.activeDeadlineSeconds).toBeGreaterThan(0);
            expect(pod.spec.automountServiceAccountToken).toBe(false);
        }
    });
});

describe("verify on a cluster that does not behave as predicted", () => {
    it("a data plane that lets helloworld reach helloworld at stage 4 is a difference: observed allowed, predicted blocked", async () => {
        const plane = labDataPlane(4);
        cluster = await labCluster(
            "allow-proxy",
            (src, dst, port, protocol) => (src === `${NAMESPACE}/helloworld` && dst === `${NAMESPACE}/helloworld`) || plane(src, dst, port, protocol),
        );
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST });
        const flow = result.comparison.flows.find((f) => f.id === "helloworld-to-helloworld")!;
        expect(flow).toMatchObject({ expected: "blocked", predicted: "blocked", observed: "allowed", status: "observed-differs" });
        expect(result.passed).toBe(false);
        const table = formatTable(result);
        if (process.env.SHOW_REPORT) console.log(table);
        expect(table).toMatch(/helloworld -> helloworld:8080 \(pod to pod\).*DIFFERS \(observed\)/);
        expect(table).toContain("reproduce: kubectl exec -n zero-trust-lab <probe pod as helloworld> -- nc -z -w 2");
        expect(table).toContain("FAILED: 8/9 flows agree, 1 differ");
        const junit = formatJunit(result);
        expect(junit).toContain('failures="1"');
        expect(junit).toMatch(/<failure message="the analyzer predicts blocked for the cluster&apos;s objects|<failure message="the analyzer predicts blocked/);
    });

    it("the end-to-end call through the proxy tells an upstream TCP timeout from an upstream DNS failure by the proxy's error body", async () => {
        const { edgeAction, PROBE_SENDER } = await import("../../live/plan");
        const { classifyHttp } = await import("../../live/probes");
        const { helloworld } = await import("../../scenarios/helloworld");
        const request = helloworld.edge.endToEnd(PROBE_SENDER, { service: "helloworld", port: 8080 });
        const action = edgeAction("127.0.0.1", 1, request) as Extract<ReturnType<typeof edgeAction>, { kind: "http" }>;
        expect(
            classifyHttp(action, { status: 500, body: 'I/O error on POST request for "http://helloworld:8080/api/messages": connect timed out' }).outcome,
        ).toBe("tcp-timeout");
        expect(
            classifyHttp(action, {
                status: 500,
                body: 'I/O error on POST request for "http://helloworld:8080/api/messages": helloworld; nested exception is java.net.UnknownHostException: helloworld',
            }).outcome,
        ).toBe("dns-failure");
        expect(classifyHttp(action, { status: 200, body: "Hello verify (proxy)" }).outcome).toBe("allowed");
    });

    it("stage 3 (deny-all) on a cluster serving no Calico API: the deny cannot be read back, so prediction and observation differ and verify fails, never a silent pass", async () => {
        cluster = await labCluster("deny-all", labDataPlane(3), { unserved: ["projectcalico.org/v3"] });
        const result = await verifyStage(new KubeClusterApi(cluster.kube.kubeConfig()), { namespace: NAMESPACE, ...FAST });
        expect(result.calicoSource).toMatch(/no Calico policy API served/);
        // The stage's deny is a Calico policy that could not be read back: the analyzer predicts "allowed",
        // the data plane drops, so every blocked flow is reported as a difference.
        expect(result.passed).toBe(false);
        expect(result.comparison.counts.differences).toBeGreaterThan(0);
    });
});

describe("LAB_VERIFY_TEST_WAITS (for tests of the CLI)", () => {
    it("unset: no overrides, the defaults apply", () => {
        expect(waitsFromEnvironment({})).toEqual({ waits: {}, probePods: {} });
    });

    it("shortens the HTTP and exec timeouts and the probe pods' waits", () => {
        expect(waitsFromEnvironment({ LAB_VERIFY_TEST_WAITS: "httpTimeoutMs=200, execTimeoutMs=900,pollIntervalMs=5,startTimeoutMs=2000" })).toEqual({
            waits: { httpTimeoutMs: 200, execTimeoutMs: 900 },
            probePods: { pollIntervalMs: 5, startTimeoutMs: 2000 },
        });
    });

    it.each(["httpTimeout=5", "httpTimeoutMs=0", "httpTimeoutMs=fast", "pollIntervalMs", "httpTimeoutMs=5=6"])(
        "a malformed value (%s) is an error that names the variable, never ignored",
        (value) => {
            expect(() => waitsFromEnvironment({ LAB_VERIFY_TEST_WAITS: value })).toThrow(/^LAB_VERIFY_TEST_WAITS: ".*" is not <name>=<milliseconds>/);
        },
    );
});
