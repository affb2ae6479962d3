// `npm run verify` as a user runs it: a child process with KUBECONFIG pointing at the fake API.
// Exit codes, the JUnit report, and Ctrl-C (SIGINT) deleting the probe pods.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { PROBE_LABEL } from "../../live/probe-pods";
import { labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

const REPO = path.resolve(__dirname, "..", "..");
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");
let cluster: LabCluster | undefined;
afterEach(async () => { await cluster?.close(); cluster = undefined; });

function kubeconfigFile(port: number): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-")), "config");
    fs.writeFileSync(file, [
        "apiVersion: v1", "kind: Config", "current-context: fake",
        "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:" + port + "', insecure-skip-tls-verify: true}}]",
        "users: [{name: fake, user: {}}]",
        "contexts: [{name: fake, context: {cluster: fake, user: fake}}]",
    ].join("\n"));
    return file;
}

function runVerify(args: string[], kubeconfig: string, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(TSX, [path.join(REPO, "scripts", "verify.ts"), ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, cwd: REPO });
        let stdout = "", stderr = "";
        child.stdout.on("data", (chunk) => { stdout += chunk; });
        child.stderr.on("data", (chunk) => { stderr += chunk; onStderr?.(stderr, child); });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const ARGS = ["--no-stack", "--namespace", NAMESPACE, "--stage", "allow-proxy", "--timeout", "1", "--attempts", "3", "--interval", "50"];

describe("npm run verify", () => {
    it("exits 0 with a JUnit report of nine passing flows when the cluster agrees", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4), { podStartPolls: 0 });
        const { code, stdout, stderr } = await runVerify([...ARGS, "--format", "junit"], kubeconfigFile(cluster.kube.port));
        expect(code, stderr).toBe(0);
        expect(stdout).toContain('<testsuite name="calico-zero-trust-lab verify stage 4 (allow-proxy)" tests="9" failures="0" errors="0"');
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    }, 60_000);

    it("exits 1 on a difference", async () => {
        const plane = labDataPlane(4);
        cluster = await labCluster("allow-proxy", (src, dst, port, protocol) => src === `${NAMESPACE}/helloworld` || plane(src, dst, port, protocol), { podStartPolls: 0 });
        const { code, stdout } = await runVerify([...ARGS, "--format", "json"], kubeconfigFile(cluster.kube.port));
        expect(code).toBe(1);
        const result = JSON.parse(stdout);
        expect(result.passed).toBe(false);
        expect(result.comparison.flows.filter((f: { status: string }) => f.status !== "pass").map((f: { id: string }) => f.id)).toEqual(["helloworld-to-proxy", "helloworld-to-helloworld", "lab-pods-to-internet"]);
    }, 60_000);

    it("Ctrl-C (SIGINT) stops, deletes the probe pods and exits 130", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4), { podStartPolls: 0 });
        let sent = false;
        const { code, stderr } = await runVerify(ARGS, kubeconfigFile(cluster.kube.port), (text, child) => {
            if (!sent && /probe zero-trust-lab\/helloworld -> /.test(text)) { sent = true; child.kill("SIGINT"); }
        });
        expect(sent).toBe(true);
        expect(code, stderr).toBe(130);
        expect(stderr).toMatch(/SIGINT: stopping; deleting probe pods zero-trust-lab\/probe-/);
        expect(cluster.kube.pods().filter((p) => p.metadata.labels?.[PROBE_LABEL])).toEqual([]);
    }, 60_000);

    it("exits 2 with what to do when the intent is missing", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const { code, stderr } = await runVerify(["--no-stack", "--namespace", "elsewhere"], kubeconfigFile(cluster.kube.port));
        expect(code).toBe(2);
        expect(stderr).toContain("ConfigMap elsewhere/zero-trust-intent not found");
    }, 60_000);
});
