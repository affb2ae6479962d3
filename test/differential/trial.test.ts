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
    // Every probe of a batch (observe.ts batchCommand) answers: nc's lines and the other jobs' lines.
    const kube = new FakeKube({
        exec: ({ command }) => {
            const script = command[command.length - 1] ?? "";
            const nc = (script.match(/'(tcp|udp):[^']*'/g) ?? []).map((_, k) => `@@n${k} 0 listen`);
            const others = [...script.matchAll(/echo "@@(\d+)/g)].map((match) => `@@${match[1]} 0 Name: example.org Address: 1.1.1.1`);
            return { exitCode: 0, stdout: [...nc, ...others].join("\n") };
        },
    });
    let env: TrialEnvironment;

    beforeAll(async () => {
        kube.add({
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: "czt-node", labels: { "kubernetes.io/hostname": "czt-node" } },
            status: { addresses: [{ type: "InternalIP", address: "172.18.0.2" }] },
        } as never);
        await kube.start();
        const cluster = new KubeClusterApi(kube.kubeConfig());
        const deployer = new Deployer(kube.kubeConfig(), cluster, "busybox");
        // The world reaches a sentinel on the port of the generation its labels and a policy agree on: Felix converges at once.
        const outsideHttp: OutsideHttp = async (action) => {
            const url = new URL(action.url);
            const sentinel = kube.pods("df-sentinel").find((pod) => pod.status?.podIP === url.hostname);
            const generation = Number(sentinel?.metadata.labels?.["df-generation"]);
            const policy = kube.objects.find(
                (o) =>
                    o.metadata.name === `df-sentinel-g${generation}` &&
                    /Policy$/.test(o.kind) &&
                    JSON.stringify(o.spec).includes(`${sentinel?.metadata.labels?.["df-sentinel"]}`),
            );
            const open = policy !== undefined && Number(url.port) === (generation % 2 === 0 ? 8080 : 8081);
            return open
                ? { response: { status: 200, body: "listen" } }
                : { error: { name: "TimeoutError", message: "The operation was aborted due to timeout" } };
        };
        const sentinels = new Sentinels(cluster, deployer, outsideHttp, "busybox", { timeoutMs: 10_000, attemptMs: 100 });
        env = {
            cluster,
            deployer,
            sentinels,
            outsideHttp,
            nodeAddress: "172.18.0.2",
            nodeProbe: async () => ({ outcome: "allowed", detail: "fake", elapsedMs: 0 }),
            retry: { timeoutSeconds: 1, maxAttempts: 2, intervalMs: 0, stableCount: 2 },
            parallel: 4,
            podStartTimeoutMs: 10_000,
            log: () => undefined,
        };
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
        expect(byId.get("df-900-a/p1 -> df-900-a/p2:53/UDP")!.features).toEqual(
            expect.arrayContaining(["cell pod-pod UDP", "calico.action Deny", "calico.protocol UDP"]),
        );
        // Only the newest sentinel generation is left (and the base policy); the scenario's objects are there.
        expect(new Set(kube.objects.filter((o) => o.metadata.name.startsWith("df-sentinel-g")).map((o) => o.metadata.name))).toEqual(
            new Set(["df-sentinel-g2"]),
        );
        expect(kube.find("NetworkPolicy", "df-900-a", "s900-pol2")).toBeDefined();
    });

    it("shrinks a disagreement to the policy and pod it needs, re-deploying each candidate", async () => {
        const cell = { src: "df-900-a/p1", dst: "external:1.1.1.1", port: 53, protocol: "UDP" as const };
        let deployed = scenario;
        const result = await shrink(
            scenario,
            cell,
            async (candidate) => {
                const trial = await runTrial(env, deployed, candidate, (id) => id === "df-900-a/p1 -> external:1.1.1.1:53/UDP");
                deployed = candidate;
                return trial.results[0]?.status === "disagree";
            },
            10,
        );
        expect(result.scenario.objects.map((o) => o.metadata.name)).toEqual(["s900-pol1"]);
        expect(result.scenario.pods.map((pod) => pod.name)).toEqual(["p1"]);
        expect(result.steps.slice(0, 2)).toEqual(["drop NetworkPolicy s900-pol2", "drop pod df-900-a/p2"]);
        expect(kube.pods("df-900-a").map((pod) => pod.metadata.name)).toEqual(["p1"]);
        expect(kube.find("NetworkPolicy", "df-900-a", "s900-pol2")).toBeUndefined();
        await env.deployer.remove(deployed);
        expect(kube.find("Namespace", undefined, "df-900-a")).toBeUndefined();
    });
});
