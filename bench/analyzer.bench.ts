/**
 * `npm run bench`: the analyzer on synthetic clusters of 100, 1,000 and 10,000 workloads with about as
 * many policies, Kubernetes and Calico mixed, selecting workloads per app, per tier and per namespace
 * as real clusters do. Each size runs in a fresh process so that its peak memory is its own.
 * Prints time per phase, peak RSS, and how cost grows from one size to the next.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { buildModel, connectivityMatrix, popcountMatrix, query } from "./bench-support";
import { syntheticCluster } from "./synthetic-cluster";

const SIZES = [100, 1_000, 10_000];
interface Result { workloads: number; policies: number; targets: number; allowedCells: number; modelMs: number; matrixMs: number; matrixCpuMs: number; queryMs: number; peakMb: number }

function measure(workloads: number): Result {
    const objects = syntheticCluster(workloads);
    const policies = objects.filter((o) => o.kind.endsWith("NetworkPolicy")).length;
    let start = performance.now();
    const model = buildModel(objects);
    const modelMs = performance.now() - start;
    start = performance.now();
    // One query on the fresh model, before anything is cached: what a user waits for after loading.
    const verdict = query(model, { src: "team-0/w1", dst: "team-0/w4", port: 9000 });
    const queryMs = performance.now() - start;
    void verdict;
    start = performance.now();
    const cpu = process.cpuUsage();
    const matrix = connectivityMatrix(model);
    const matrixMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const matrixCpuMs = (used.user + used.system) / 1000;
    return {
        workloads, policies, targets: matrix.targets.length, allowedCells: popcountMatrix(matrix),
        modelMs, matrixMs, matrixCpuMs, queryMs, peakMb: process.resourceUsage().maxRSS / 1024,
    };
}

function main(): void {
    const sizeArg = process.argv.indexOf("--size");
    if (sizeArg > 0) {
        process.stdout.write(JSON.stringify(measure(Number(process.argv[sizeArg + 1]))));
        return;
    }
    const sizes = process.argv.includes("--quick") ? SIZES.slice(0, 2) : SIZES;
    console.log(`analyzer benchmark on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (wall times suffer when other processes share the cores; CPU time is the process's own)`);
    console.log("workloads  policies  targets  allowed cells   model    first query   matrix wall   matrix CPU   peak RSS   matrix CPU growth");
    let previous: Result | undefined;
    for (const size of sizes) {
        const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--size", String(size)], { encoding: "utf8", maxBuffer: 1 << 20 });
        const r = JSON.parse(output) as Result;
        const growth = previous ? `x${(r.matrixCpuMs / previous.matrixCpuMs).toFixed(1)} for x${(r.workloads / previous.workloads).toFixed(0)} workloads` : "";
        console.log(`${String(r.workloads).padStart(9)}  ${String(r.policies).padStart(8)}  ${String(r.targets).padStart(7)}  ${String(r.allowedCells).padStart(13)}  ${ms(r.modelMs)}  ${ms(r.queryMs).padStart(15)}  ${ms(r.matrixMs).padStart(12)}  ${ms(r.matrixCpuMs).padStart(11)}  ${`${r.peakMb.toFixed(0)} MB`.padStart(8)}   ${growth}`);
        previous = r;
    }
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`).padStart(7);

if (require.main === module) main();
