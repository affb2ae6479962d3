// A whole trial and a shrink against the fake API server (test/live/fake-kube.ts) with a fake
// data plane that allows everything: the cells the analyzer predicts blocked must come out as
// disagreements, the others as agreements, and the shrinker must keep only what the
// disagreement needs. The real cluster is `npm run test:differential`.
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClusterApi } from "../../live/cluster";
import type { OutsideHttp } from "../../live/outside-http";
import { FakeKube } from "../live/fake-kube";
import { Sentinels } from "./converge";
import { Deployer } from "./deploy";
import { fromYaml, Scenario } from "./scenario";
import { shrink } from "./shrink";
import { runTrial, TrialEnvironment } from "./trial";

const scenario: Scenario = fromYaml(fs.readFileSync(path.join(__dirname, "fixtures", "two-pods.yaml"), "utf8"), "two-pods.yaml");

describe("a trial on a fake cluster whose data plane allows everything", () => {
    const kube = new FakeKube({ exec: () => ({ exitCode: 0, stdout: "listen" }) });
    let env: TrialEnvironment;

    beforeAll(async () => {
        await kube.start();
        const cluster = new KubeClusterApi(kube.kubeConfig());
        const deployer = new Deployer(kube.kubeConfig(), cluster, "busybox");
        // The world reaches a sentinel unless a sentinel policy exists: Felix converges at once.
        const outsideHttp: OutsideHttp = async (action) => {
            const sentinel = kube.pods("df-sentinel").find((pod) => action.url.includes(`//${pod.status?.podIP}:`));
            const denied = kube.objects.some((o) => o.metadata.name.startsWith("df-sentinel-") && (o.metadata.namespace === "df-sentinel" || o.kind === "GlobalNetworkPolicy")
                && JSON.stringify(o.spec).includes(sentinel?.metadata.labels?.["df-sentinel"] ?? "?"));
            return denied ? { error: { name: "TimeoutError", message: "The operation was aborted due to timeout" } } : { response: { status: 200, body: "listen" } };
        };
        const sentinels = new Sentinels(cluster, deployer, outsideHttp, "busybox", { timeoutMs: 10_000, attemptMs: 100, blockedRounds: 1 });
        env = { cluster, deployer, sentinels, outsideHttp, nodeAddress: "172.18.0.2", retry: { timeoutSeconds: 1, maxAttempts: 2, intervalMs: 0, stableCount: 2 }, parallel: 4, podStartTimeoutMs: 10_000, log: () => undefined };
        await sentinels.setUp();
    });
    afterAll(() => kube.stop());

    it("deploys, converges, predicts from the objects read back, probes, and judges every cell", async () => {
        const trial = await runTrial(env, undefined, scenario);
        expect(trial.problems).toEqual([]);
        expect(trial.refusals).toEqual([]);
        const byId = new Map(trial.results.map((r) => [r.id, r]));
        expect(byId.get("df-900-a/p1 -> df-900-a/p2:5432/TCP")).toMatchObject({ status: "agree", predicted: "allowed", observed: "allowed" });
        expect(byId.get("df-900-a/p1 -> df-900-a/p2:53/UDP")).toMatchObject({ status: "disagree", predicted: "blocked", observed: "allowed" });
        expect(byId.get("df-900-a/p2 -> df-900-a/p1:80/TCP")).toMatchObject({ status: "agree" });
        expect(byId.get("df-900-a/p1 -> df-900-a/p2:53/UDP")!.features).toEqual(expect.arrayContaining(["cell pod-pod UDP", "calico.action Deny", "calico.protocol UDP"]));
        // The sentinel policies are gone again, the scenario's objects are there.
        expect(kube.objects.filter((o) => o.metadata.name.startsWith("df-sentinel-"))).toEqual([]);
        expect(kube.find("NetworkPolicy", "df-900-a", "s900-pol2")).toBeDefined();
    });

    it("shrinks a disagreement to the policy and pod it needs, re-deploying each candidate", async () => {
        const cell = { src: "df-900-a/p1", dst: "external:1.1.1.1", port: 53, protocol: "UDP" as const };
        let deployed = scenario;
        const result = await shrink(scenario, cell, async (candidate) => {
            const trial = await runTrial(env, deployed, candidate, (id) => id === "df-900-a/p1 -> external:1.1.1.1:53/UDP");
            deployed = candidate;
            return trial.results[0]?.status === "disagree";
        }, 10);
        expect(result.scenario.objects.map((o) => o.metadata.name)).toEqual(["s900-pol1"]);
        expect(result.scenario.pods.map((pod) => pod.name)).toEqual(["p1"]);
        expect(result.steps.slice(0, 2)).toEqual(["drop NetworkPolicy s900-pol2", "drop pod df-900-a/p2"]);
        expect(kube.pods("df-900-a").map((pod) => pod.metadata.name)).toEqual(["p1"]);
        expect(kube.find("NetworkPolicy", "df-900-a", "s900-pol2")).toBeUndefined();
        await env.deployer.remove(deployed);
        expect(kube.find("Namespace", undefined, "df-900-a")).toBeUndefined();
    });
});
