// Live verification of the yaobank scenario against the fake API: three namespaces, the intent
// ConfigMap found by its label in yaobank-customer, probe pods under the workloads' service
// accounts, the customer NodePort's page as the web UI's check; in process and as `npm run verify`.
import { afterEach, describe, expect, it } from "vitest";
import { KubeClusterApi } from "../../live/cluster";
import { PROBE_LABEL } from "../../live/probe-pods";
import { formatJunit, formatTable } from "../../live/report";
import { verifyStage } from "../../live/verify";
import { kubeconfigFile } from "./fake-kube";
import { FAST, FAST_ENV } from "./lab-cluster";
import { runScript, ScriptRun } from "./run-script";
import { CUSTOMER, DATABASE, YAOBANK_NAMESPACES, yaobankCluster, YaobankCluster, yaobankDataPlane } from "./yaobank-cluster";

let cluster: YaobankCluster | undefined;
afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
});

const STAGE_4 = { number: 4, name: "calico-policies" };

describe("verify of yaobank stage 4 (calico-policies) on a cluster that behaves as the track says", () => {
    it("reads the three namespaces, finds the intent in yaobank-customer by its label, and expected, predicted and observed agree", async () => {
        cluster = await yaobankCluster("calico-policies", yaobankDataPlane());
        const created: any[] = [];
        const api = new KubeClusterApi(cluster.kube.kubeConfig());
        const original = api.createPod.bind(api);
        api.createPod = async (namespace, pod) => {
            created.push(structuredClone(pod));
            return original(namespace, pod);
        };
        const result = await verifyStage(api, { namespace: YAOBANK_NAMESPACES, stage: STAGE_4, ...FAST });
        const table = formatTable(result);
        if (process.env.SHOW_REPORT) console.log(table);
        expect(result.intentNamespace).toBe("yaobank-customer");
        expect(result.namespaces).toEqual(["yaobank-customer", "yaobank-summary", "yaobank-database"]);
        expect(
            result.comparison.flows.map((f) => [f.id, f.expected, f.predicted, f.observed, f.status]),
            table,
        ).toEqual([
            ["web-ui-end-to-end", "allowed", "allowed", "allowed", "pass"],
            ["world-to-customer-nodeport", "allowed", "allowed", "allowed", "pass"],
            ["customer-to-summary", "allowed", "allowed", "allowed", "pass"],
            ["summary-to-database", "allowed", "allowed", "allowed", "pass"],
            ["customer-to-database", "blocked", "blocked", "blocked", "pass"],
            ["customer-to-internet", "blocked", "blocked", "blocked", "pass"],
            ["summary-to-internet", "blocked", "blocked", "blocked", "pass"],
            ["database-to-internet", "blocked", "blocked", "blocked", "pass"],
            ["customer-summary-to-kube-dns", "allowed", "allowed", "allowed", "pass"],
            ["database-to-kube-dns", "allowed", "allowed", "allowed", "pass"],
            ["summary-to-customer", "blocked", "blocked", "blocked", "pass"],
            ["database-to-summary", "blocked", "blocked", "blocked", "pass"],
            ["other-namespace-to-customer", "allowed", "allowed", "allowed", "pass"],
            // From outside straight to a pod: no vantage point anywhere verify runs; the prediction is reported, not a failure.
            ["world-to-customer-other-port", "blocked", "blocked", "unknown", "predicted-only"],
            ["other-namespace-to-summary", "blocked", "blocked", "blocked", "pass"],
            ["other-namespace-to-database", "blocked", "blocked", "blocked", "pass"],
            ["other-namespace-to-internet", "allowed", "allowed", "allowed", "pass"],
            ["kube-dns-upstream", "allowed", "allowed", "allowed", "pass"],
            ["local-path-provisioner-to-apiserver", "allowed", "allowed", "allowed", "pass"],
        ]);
        expect(result.passed).toBe(true);
        expect(table).toContain("Verification of stage 4 (calico-policies), namespaces yaobank-customer, yaobank-summary, yaobank-database");
        expect(table).toContain("PASSED: 18/19 flows agree, 0 differ, 0 not observed, 1 predicted only (not probeable)");
        expect(formatJunit(result)).toContain('tests="19" failures="0" errors="0" skipped="1"');

        // The web UI: a plain GET of the customer page through NodePort 30180, as the track checks it.
        const webUi = result.comparison.flows.find((f) => f.id === "web-ui-end-to-end")!;
        expect(webUi.legs.map((leg) => leg.command)).toContain(`curl -s --connect-timeout 2 http://${cluster.nodeAddress}:30180/`);
        expect(webUi.legs.find((leg) => leg.probeId === "e2e:web-ui-end-to-end")).toMatchObject({
            observed: "allowed",
            detail: expect.stringContaining("Welcome to YAO Bank"),
        });

        // Probe pods: in each workload's namespace, with its labels AND under its service account
        // (the Calico policies select by it); restricted PSS, so the namespaces' baseline admits them.
        const identities = created
            .map((pod) => `${pod.metadata.namespace}/${pod.metadata.labels.app ?? pod.metadata.labels["k8s-app"]}:${pod.spec.serviceAccountName ?? "-"}`)
            .sort();
        expect(identities).toEqual([
            "kube-system/kube-dns:-",
            "lab-neighbour/probe:-",
            "local-path-storage/local-path-provisioner:-",
            "yaobank-customer/customer:customer",
            "yaobank-database/database:database",
            "yaobank-summary/summary:summary",
        ]);
        for (const pod of created) {
            expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(pod.spec.automountServiceAccountToken).toBe(false);
        }
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
        expect(cluster.kube.find("Namespace", undefined, "lab-neighbour")).toBeUndefined();
        expect(cluster.kube.find("Namespace", undefined, "local-path-storage")).toBeUndefined();
        // Pod-to-pod probes went to every summary pod IP (two replicas, across namespaces).
        const ncTargets = cluster.kube.execs.filter((e) => e.command[0] === "nc").map((e) => e.command.slice(-2).join(":"));
        for (const ip of cluster.podIPs["yaobank-summary/summary"]) expect(ncTargets).toContain(`${ip}:80`);
        expect(Object.keys(result.imageDigests).sort()).toEqual(["customer/customer", "database/database", "summary/summary"]);
    });
});

function runVerify(args: string[], kubeconfig: string): Promise<ScriptRun> {
    return runScript("verify", args, { ...FAST_ENV, KUBECONFIG: kubeconfig });
}

describe("npm run verify on a yaobank cluster that misbehaves", () => {
    it("customer reaches the database at stage 4: exits 1, the flow observed allowed where blocked is predicted", async () => {
        const plane = yaobankDataPlane();
        cluster = await yaobankCluster(
            "calico-policies",
            (src, dst, port, protocol) => (src === CUSTOMER && dst === DATABASE) || plane(src, dst, port, protocol),
            { podStartPolls: 0 },
        );
        // Namespaces both ways: repeated and comma-separated; the scenario is read from them (yaobank-*).
        const { code, stdout, stderr } = await runVerify(
            [
                "--no-stack",
                "--namespace",
                "yaobank-customer",
                "--namespace",
                "yaobank-summary,yaobank-database",
                "--stage",
                "calico-policies",
                "--node-address",
                cluster.nodeAddress,
                "--timeout",
                "1",
                "--attempts",
                "3",
                "--interval",
                "5",
                "--format",
                "json",
            ],
            kubeconfigFile(cluster.kube.port),
        );
        expect(code, stderr).toBe(1);
        expect(stderr).toContain("namespaces yaobank-customer, yaobank-summary, yaobank-database, yaobank stage 4 (calico-policies)");
        const result = JSON.parse(stdout);
        expect(result.passed).toBe(false);
        expect(result.stage).toEqual(STAGE_4);
        expect(
            result.comparison.flows
                .filter((f: { status: string }) => f.status !== "pass" && f.status !== "predicted-only")
                .map((f: { id: string; predicted: string; observed: string }) => [f.id, f.predicted, f.observed]),
        ).toEqual([["customer-to-database", "blocked", "allowed"]]);
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    }, 180_000);
});

describe("objects read back in the API's own form", () => {
    it("a NetworkPolicy rule's `from` stays `from` (the client's models call it `_from`), so the analyzer does not read a rule that admits everyone", async () => {
        const { KubeClusterApi } = await import("../../live/cluster");
        const { FakeKube } = await import("./fake-kube");
        const kube = await new FakeKube()
            .add({
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "db", namespace: "yaobank-database", creationTimestamp: "2026-01-01T00:00:00Z" },
                spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "summary" } } }] }] },
            })
            .start();
        try {
            const listed = await new KubeClusterApi(kube.kubeConfig()).listObjects("networking.k8s.io/v1", "NetworkPolicy");
            expect(listed).toEqual([
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "db", namespace: "yaobank-database", creationTimestamp: "2026-01-01T00:00:00Z" },
                    spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "summary" } } }] }] },
                },
            ]);
        } finally {
            await kube.stop();
        }
    });
});

describe("the lab walk verifies the namespaces the stack says", () => {
    it("labNamespace as yaobank's list, as helloworld's string, or absent (the walk's own)", async () => {
        const { labNamespaces } = await import("../../live/walk");
        expect(labNamespaces({ labNamespace: { value: YAOBANK_NAMESPACES } }, "zero-trust-lab")).toEqual(YAOBANK_NAMESPACES);
        expect(labNamespaces({ labNamespace: { value: "zero-trust-lab" } }, "other")).toBe("zero-trust-lab");
        expect(labNamespaces({}, "zero-trust-lab")).toBe("zero-trust-lab");
    });
});
