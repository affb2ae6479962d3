// `npm run verify` as a user runs it: a child process with KUBECONFIG pointing at the fake API.
// Exit codes, the JUnit report, the stage as an HTML page (--html), and Ctrl-C (SIGINT) deleting the probe pods.
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { temporaryDirectory } from "../helpers/temporary";
import { afterAll, beforeAll, describe, it } from "vitest";
import { PROBE_LABEL } from "../../live/probe-pods";
import { kubeconfigFile } from "./fake-kube";
import { runScript, ScriptRun } from "./run-script";
import { FAST_ENV, labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

// The tests run concurrently (each spawns node with tsx, whose start is mostly module loading),
// one fake cluster each. Every cluster is built before any verify runs: a build (the Pulumi
// program under mocks, one at a time as the mocks are per process) holds this process, and with
// it the fake NodePorts a running verify calls, which would then miss HTTP_TIMEOUT_MS and look dropped.
const plane = labDataPlane(4);
const BUILDS = {
    agrees: () => labCluster("allow-proxy", plane, { podStartPolls: 0 }),
    differs: () =>
        labCluster("allow-proxy", (src, dst, port, protocol) => src === `${NAMESPACE}/helloworld` || plane(src, dst, port, protocol), { podStartPolls: 0 }),
    interrupted: () => labCluster("allow-proxy", plane, { podStartPolls: 0 }),
    lockdown: () => labCluster("allow-proxy", plane),
    noIntent: () => labCluster("allow-proxy", plane),
};
const clusters: Partial<Record<keyof typeof BUILDS, LabCluster>> = {};
beforeAll(async () => {
    for (const [name, build] of Object.entries(BUILDS)) clusters[name as keyof typeof BUILDS] = await build();
}, 600_000);
afterAll(async () => {
    for (const cluster of Object.values(clusters)) await cluster.close();
});

function runVerify(args: string[], kubeconfig: string, onSpawn?: (child: ChildProcess) => void): Promise<ScriptRun> {
    return runScript("verify", args, { ...FAST_ENV, KUBECONFIG: kubeconfig }, onSpawn);
}

const ARGS = ["--no-stack", "--namespace", NAMESPACE, "--stage", "allow-proxy", "--timeout", "1", "--attempts", "3", "--interval", "5"];

describe.concurrent("npm run verify", () => {
    it("exits 0 with a JUnit report of nine passing flows when the cluster agrees", async ({ expect }) => {
        const cluster = clusters.agrees!;
        const { code, stdout, stderr } = await runVerify([...ARGS, "--format", "junit"], kubeconfigFile(cluster.kube.port));
        expect(code, stderr).toBe(0);
        expect(stdout).toContain('<testsuite name="calico-zero-trust-lab verify stage 4 (allow-proxy)" tests="9" failures="0" errors="0"');
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    }, 180_000);

    it("exits 1 on a difference; --html writes the stage as a page, the difference in its table", async ({ expect }) => {
        const cluster = clusters.differs!;
        const html = path.join(temporaryDirectory("verify-html"), "stage.html");
        const { code, stdout, stderr } = await runVerify([...ARGS, "--format", "json", "--html", html], kubeconfigFile(cluster.kube.port));
        expect(code).toBe(1);
        expect(stderr).toContain(`the stage as a page: ${html} (open it in a browser; its data: ${html.replace(/\.html$/, ".json")})`);
        const page = JSON.parse(fs.readFileSync(html.replace(/\.html$/, ".json"), "utf8"));
        expect(page.stages).toHaveLength(1);
        expect(page.stages[0].columns).toEqual(["expected", "predicted", "observed"]);
        expect(page.stages[0].rows.find((row: { id: string }) => row.id === "helloworld-to-proxy")).toMatchObject({
            expected: "blocked",
            predicted: "blocked",
            observed: "allowed",
            result: "DIFFERS (observed)",
        });
        expect(fs.readFileSync(html, "utf8")).toMatch(
            /<tr data-flow="helloworld-to-proxy">.*<td class="allowed">allowed<\/td><td class="result differs">DIFFERS \(observed\)<\/td><\/tr>/,
        );
        const result = JSON.parse(stdout);
        expect(result.passed).toBe(false);
        expect(result.comparison.flows.filter((f: { status: string }) => f.status !== "pass").map((f: { id: string }) => f.id)).toEqual([
            "helloworld-to-proxy",
            "helloworld-to-helloworld",
            "lab-pods-to-internet",
        ]);
    }, 180_000);

    it("Ctrl-C (SIGINT) stops, deletes the probe pods and exits 130", async ({ expect }) => {
        const cluster = clusters.interrupted!;
        let verify: ChildProcess | undefined;
        let stderr = "";
        let said: () => void = () => undefined;
        let died: () => void = () => undefined;
        const stopping = new Promise<void>((resolve) => {
            said = resolve;
        });
        const ended = new Promise<void>((resolve) => {
            died = resolve;
        });
        // The helloworld probe pod's first exec is where Ctrl-C lands: its pod exists, and the exec
        // is answered only once verify said it is stopping (or died), so the signal is always
        // handled in the middle of probing, whatever the machine's load.
        let sent = false;
        const answer = cluster.kube.options.exec!;
        cluster.kube.options.exec = async (request) => {
            if (!sent && request.pod.metadata.labels?.[PROBE_LABEL] && request.pod.metadata.labels.app === "helloworld") {
                sent = true;
                verify!.kill("SIGINT");
                await Promise.race([stopping, ended]);
            }
            return answer(request);
        };
        const run = await runVerify(ARGS, kubeconfigFile(cluster.kube.port), (child) => {
            verify = child;
            child.stderr!.on("data", (chunk) => {
                stderr += chunk;
                if (stderr.includes("SIGINT: stopping")) said();
            });
            child.on("exit", () => died());
        });
        expect(sent, run.stderr).toBe(true);
        // 130 from verify's own handler: a process the signal killed has no exit code.
        expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 130, signal: null });
        expect(run.stderr).toMatch(/SIGINT: stopping; deleting probe pods .*zero-trust-lab\/probe-helloworld-[0-9a-f]{6}\b/);
        // Stopped: no probe started after the signal.
        expect(run.stderr.split("SIGINT: stopping")[1]).not.toMatch(/^probe /m);
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
        expect(cluster.kube.objects.filter((o) => o.kind === "Namespace" && o.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    }, 180_000);

    it("--stage lockdown against a stage-4 cluster: exit 2 naming both stages, nothing probed", async ({ expect }) => {
        const cluster = clusters.lockdown!;
        const { code, stdout, stderr } = await runVerify(["--no-stack", "--namespace", NAMESPACE, "--stage", "lockdown"], kubeconfigFile(cluster.kube.port));
        expect(code, stderr).toBe(2);
        expect(stderr).toContain(
            "verify: the cluster runs helloworld stage 4 (allow-proxy) (ConfigMap zero-trust-lab/zero-trust-intent), not stage 5 (lockdown)",
        );
        expect(stdout).toBe("");
        expect(cluster.kube.execs).toEqual([]);
    }, 180_000);

    it("exits 2 with what to do when the intent is missing", async ({ expect }) => {
        const cluster = clusters.noIntent!;
        const { code, stderr } = await runVerify(["--no-stack", "--namespace", "elsewhere"], kubeconfigFile(cluster.kube.port));
        expect(code).toBe(2);
        expect(stderr).toContain("ConfigMap elsewhere/zero-trust-intent not found");
    }, 180_000);
});
