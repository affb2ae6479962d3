/**
 * `npm run bench` (fourth part): a live read. The fake Kubernetes API of the tests (test/live/fake-kube.ts,
 * a real HTTP server that @kubernetes/client-node talks to, lists paged by `limit`/`continue`) serves
 * the synthetic cluster as a running cluster holds it (bench/synthetic-cluster.ts syntheticLiveCluster:
 * Pods with addresses and nodes, the policies, Nodes, the ClusterInformation), and the built CLI reads
 * it whole: `calico-zt analyze --kubeconfig FILE --query ...` in a fresh process, from start to exit
 * (every list, the model, one query). The fake runs in this process, so its own CPU (serving JSON) is
 * printed apart. Target (issue 27): 10,000 pods and 10,000 policies in under 10 s; over it, exit 1.
 * BENCH_LIVE=1000,10000 chooses the sizes (pods = policies); three runs each, the median printed.
 */
import { spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { FakeKube, kubeconfigFile, type Obj } from "../test/live/fake-kube";
import { syntheticLiveCluster } from "./synthetic-cluster";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "dist", "calico-zt.js");
const TARGET = { size: 10_000, ms: 10_000 };
const QUERY = ["team-0/w1", "team-0/w4", "9000"];

interface Run {
    wallMs: number;
    cpuMs: number;
    maxRssMb: number;
    serverCpuMs: number;
    stdout: string;
}

function analyzeLive(kubeconfig: string): Promise<Run> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const server = process.cpuUsage();
        let stdout = "",
            stderr = "";
        const child = spawn(
            process.execPath,
            ["--require", path.join(__dirname, "report-usage.cjs"), CLI, "analyze", "--kubeconfig", kubeconfig, "--query", ...podQuery],
            {
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => {
            const wallMs = performance.now() - start;
            const used = process.cpuUsage(server);
            const usage = /USAGE (\{.*\})/.exec(stderr);
            if (code !== 0 || !usage) return reject(new Error(`analyze exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
            resolve({ wallMs, ...(JSON.parse(usage[1]!) as { cpuMs: number; maxRssMb: number }), serverCpuMs: (used.user + used.system) / 1000, stdout });
        });
    });
}

/** The query's pods by their names in the live cluster (`<deployment>-<hash>`). */
let podQuery: string[] = [];

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_LIVE ?? `1000,${TARGET.size}`).split(",").map(Number);
    console.log(
        `\nlive read: analyze --kubeconfig against the fake API (test/live/fake-kube.ts), --query, whole process; ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${new Date().toISOString()}, load average ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")}`,
    );
    for (const size of sizes) {
        const objects = syntheticLiveCluster(size, size) as Obj[];
        const pods = objects.filter((o) => o.kind === "Pod");
        const name = (deployment: string) =>
            `${deployment.split("/")[0]}/${pods.find((p) => `${p.metadata.namespace}/${p.metadata.name}`.startsWith(`${deployment}-`))!.metadata.name}`;
        podQuery = [name(QUERY[0]!), name(QUERY[1]!), QUERY[2]!];
        const policies = objects.filter((o) => o.kind === "NetworkPolicy" || o.kind === "GlobalNetworkPolicy").length;
        const kube = await new FakeKube().add(...objects).start();
        try {
            const kubeconfig = kubeconfigFile(kube.port);
            const runs: Run[] = [];
            for (let i = 0; i < 3; i++) runs.push(await analyzeLive(kubeconfig));
            runs.sort((a, b) => a.wallMs - b.wallMs);
            const median = runs[1]!;
            const within = size !== TARGET.size || median.wallMs < TARGET.ms;
            console.log(
                `  ${size.toLocaleString("en").padStart(6)} pods, ${policies.toLocaleString("en").padStart(6)} policies (${objects.length.toLocaleString("en")} objects): ` +
                    `${ms(median.wallMs)} wall (runs ${runs.map((r) => ms(r.wallMs)).join(", ")}), ${ms(median.cpuMs)} CPU, peak RSS ${median.maxRssMb.toFixed(0)} MB; ` +
                    `the fake API server ${ms(median.serverCpuMs)} CPU` +
                    (size === TARGET.size ? `: ${within ? "within" : "OVER"} the ${ms(TARGET.ms)} target` : ""),
            );
            console.log(`      ${median.stdout.split("\n")[0]}`);
            if (!within) process.exitCode = 1;
        } finally {
            await kube.stop();
        }
    }
}

main().catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
});
