/**
 * `npm run bench` (first part): the analyzer on synthetic clusters (bench/synthetic-cluster.ts) of
 * 100, 1,000 and 10,000 workloads, Kubernetes-only and with Calico policies; BENCH_SIZES=100,...,100000
 * chooses other sizes. Each size and flavor runs in a fresh process reading the cluster from a JSON
 * file: loading (read + model), one query, the matrix and its connectivity classes, every output
 * format (rendered into a byte counter), peak RSS after the query and at the end. Then whole
 * processes of the built CLI (dist/calico-zt.js): start-up to the first byte, 100 workloads' full
 * connectivity, and 1,000 workloads (with Calico policies, and with Kubernetes NetworkPolicies only)
 * against NCA (network-config-analyzer, PyPI, installed into a venv under ~/.cache/calico-zero-trust-lab
 * unless BENCH_NCA=0) in the same run, on the same block YAML files. Last, YAML input: the Calico
 * cluster of 1,000, 10,000 and 100,000 workloads (BENCH_YAML_SIZES) as one block YAML file, as
 * `kubectl get -o yaml` prints it, and as JSON Lists, load + one query in a whole process of the
 * built CLI each; `--yaml-input` runs only that part.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dump } from "js-yaml";
import { buildModel, connectivityMatrix, loadManifests, query } from "../analysis";
import { connectivityClasses } from "../analysis/consumers/classes";
import {
    collect,
    loadGraphviz,
    MATRIX_FORMATS,
    MAX_PICTURE_EDGES,
    MAX_PICTURE_NODES,
    MatrixFormat,
    renderSvg,
    writeDot,
    writeMatrix,
} from "../analysis/consumers/output";
import type { Picture } from "../analysis/consumers/output";
import { popcountMatrix } from "./bench-support";
import type { ProcessUsage } from "./process-usage.cjs";
import { SyntheticFlavor, syntheticCluster } from "./synthetic-cluster";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "dist", "calico-zt.js");
const CACHE = path.join(os.homedir(), ".cache", "calico-zero-trust-lab");
const CLUSTERS = path.join(CACHE, "bench");
const NCA_VENV = path.join(CACHE, "nca-venv");
const NCA_VERSION = "2.1.0";
const FLAVORS: SyntheticFlavor[] = ["kubernetes", "calico", "services"];
const QUERY = ["team-0/w1", "team-0/w4", "9000"] as const;

interface Timing {
    ms: number;
    cpuMs: number;
}
interface FormatResult {
    ms: number;
    bytes: number;
    refused?: string;
}
interface Result {
    workloads: number;
    flavor: SyntheticFlavor;
    policies: number;
    targets: number;
    allowedCells: number;
    load: Timing;
    query: Timing;
    queryRssMb: number;
    matrix: Timing;
    classes: Timing;
    modelMb: number;
    matrixMb: number;
    sourceClasses: number;
    destinationClasses: number;
    formats: Record<MatrixFormat, FormatResult>;
    peakMb: number;
}

// Cached clusters are named after the generator's source, so a changed generator writes new files.
const GENERATOR_VERSION = createHash("sha256")
    .update(fs.readFileSync(path.join(__dirname, "synthetic-cluster.ts")))
    .digest("hex")
    .slice(0, 8);

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Memory still held after a full garbage collection (JS heap + typed arrays), in MB: what the objects alive at that point cost. */
function retainedMb(): number {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    return (usage.heapUsed + usage.arrayBuffers) / 2 ** 20;
}

/** Objects per JSON List file: the analyzer refuses files over 100 MiB (input-files.ts), 100,000 workloads with Services take 108. */
const OBJECTS_PER_FILE = 100_000;

/**
 * The cluster, written once per size and flavor: "json", a directory of JSON List files (each also
 * valid YAML) that the analyzer reads as one input; "yaml", one multi-document block YAML file as
 * `kubectl get -o yaml` and Helm print it (js-yaml's dump: sequences not indented under their key,
 * no anchors), for the YAML input part and NCA.
 */
function clusterPath(workloads: number, flavor: SyntheticFlavor, extension: "json" | "yaml" = "json"): string {
    const suffix = extension === "json" ? "" : ".kubectl.yaml";
    const target = path.join(CLUSTERS, `cluster-${flavor}-${workloads}-${GENERATOR_VERSION}${suffix}`);
    if (fs.existsSync(target)) return target;
    fs.mkdirSync(CLUSTERS, { recursive: true });
    // What an earlier generator (or writer) wrote for this size and flavor is stale: drop it (100,000 workloads' take about 100 MB).
    const stale = new RegExp(`^cluster-${flavor}-${workloads}(-[0-9a-f]{8})?${extension === "json" ? "(\\.json)?" : "(\\.kubectl)?\\.yaml"}$`);
    for (const name of fs.readdirSync(CLUSTERS)) if (stale.test(name)) fs.rmSync(path.join(CLUSTERS, name), { recursive: true });
    const objects = syntheticCluster(workloads, flavor);
    const temporary = `${target}.tmp`;
    fs.rmSync(temporary, { recursive: true, force: true });
    if (extension === "yaml") {
        const fd = fs.openSync(temporary, "w");
        for (let i = 0; i < objects.length; i++)
            fs.writeSync(fd, `${i > 0 ? "---\n" : ""}${dump(objects[i], { noRefs: true, lineWidth: -1, seqNoIndent: true })}`);
        fs.closeSync(fd);
    } else {
        fs.mkdirSync(temporary);
        for (let part = 0; part * OBJECTS_PER_FILE < objects.length; part++) {
            const items = objects.slice(part * OBJECTS_PER_FILE, (part + 1) * OBJECTS_PER_FILE);
            fs.writeFileSync(
                path.join(temporary, `part-${part + 1}.json`),
                `{"apiVersion":"v1","kind":"List","items":[\n${items.map((o) => JSON.stringify(o)).join(",\n")}\n]}\n`,
            );
        }
    }
    fs.renameSync(temporary, target);
    return target;
}

/** Runs a phase: its result, wall time and the process's CPU time (user + system) in ms. */
function timed<T>(run: () => T): { value: T; wall: Timing } {
    const start = performance.now(),
        cpu = process.cpuUsage();
    const value = run();
    const used = process.cpuUsage(cpu);
    return { value, wall: { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 } };
}

function measure(workloads: number, flavor: SyntheticFlavor, file: string): Result {
    const { value: model, wall: load } = timed(() => buildModel(loadManifests([file])));
    const { wall: oneQuery } = timed(() => query(model, { src: QUERY[0], dst: QUERY[1], port: Number(QUERY[2]) }));
    const queryRssMb = maxRssMb();
    const modelMb = retainedMb();
    const { value: matrix, wall: matrixTime } = timed(() => connectivityMatrix(model));
    const { value: classes, wall: classesTime } = timed(() => connectivityClasses(matrix));
    const matrixMb = retainedMb() - modelMb;
    const formats = {} as Record<MatrixFormat, FormatResult>;
    for (const format of MATRIX_FORMATS) {
        let bytes = 0;
        const start = performance.now();
        try {
            writeMatrix(matrix, { format, view: "auto", width: 160 }, (chunk) => {
                bytes += Buffer.byteLength(chunk);
            });
            formats[format] = { ms: performance.now() - start, bytes };
        } catch (error) {
            formats[format] = { ms: performance.now() - start, bytes, refused: (error as Error).message };
        }
    }
    return {
        workloads,
        flavor,
        policies: model.policies.length,
        targets: matrix.targets.length,
        allowedCells: popcountMatrix(matrix),
        load,
        query: oneQuery,
        queryRssMb,
        modelMb,
        matrixMb,
        matrix: matrixTime,
        classes: classesTime,
        sourceClasses: classes.sourceClasses.length,
        destinationClasses: classes.destinationClasses.length,
        formats,
        peakMb: maxRssMb(),
    };
}

/** Wall time of a whole process of the built CLI, and when its first byte of output arrived. */
function runProcess(command: string, args: string[]): Promise<{ firstByteMs: number; totalMs: number; code: number | null }> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        let firstByteMs = NaN;
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
        child.stdout.on("data", () => {
            if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - start;
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ firstByteMs, totalMs: performance.now() - start, code }));
    });
}

async function median(times: number, run: () => Promise<number>): Promise<number> {
    const values: number[] = [];
    for (let i = 0; i < times; i++) values.push(await run());
    return values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** The NCA command, installing it into a venv when missing; undefined (with the reason printed) when it cannot be had. */
function ncaCommand(): string | undefined {
    const nca = path.join(NCA_VENV, "bin", "nca");
    if (fs.existsSync(nca)) return nca;
    if (process.env.BENCH_NCA === "0") return undefined;
    console.log(`installing network-config-analyzer ${NCA_VERSION} into ${NCA_VENV} (once; BENCH_NCA=0 skips NCA)`);
    const steps: [string, string[]][] = [
        ["python3", ["-m", "venv", NCA_VENV]],
        [path.join(NCA_VENV, "bin", "pip"), ["install", "-q", `network-config-analyzer==${NCA_VERSION}`]],
    ];
    for (const [command, args] of steps) {
        const result = spawnSync(command, args, { stdio: "inherit", timeout: 15 * 60_000 });
        if (result.status !== 0) {
            console.log(`  could not install NCA (${command} ${args.join(" ")}: ${result.error?.message ?? `exit ${result.status}`}); skipping the comparison`);
            return undefined;
        }
    }
    return nca;
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
const wallCpu = (t: Timing) => `${ms(t.ms)} (${ms(t.cpuMs)})`;
const mb = (value: number) => `${value.toFixed(0)} MB`;
const cell = (text: string, width: number) => text.padStart(width);

const HEAD = [
    "flavor",
    "workloads",
    "policies",
    "targets",
    "allowed",
    "load",
    "1 query",
    "RSS@query",
    "model",
    "matrix",
    "classes",
    "+matrix mem",
    "S/D classes",
    ...MATRIX_FORMATS,
    "peak RSS",
];
const WIDTHS = HEAD.map((h) => Math.max(h.length, 10));

/** One line per size and flavor, printed as soon as it is measured. */
function printResult(r: Result): void {
    const formats = MATRIX_FORMATS.map((f) =>
        r.formats[f].refused ? `refused ${ms(r.formats[f].ms)}` : `${ms(r.formats[f].ms)} ${(r.formats[f].bytes / 1e6).toFixed(1)}M`,
    );
    const values = [
        r.flavor,
        String(r.workloads),
        String(r.policies),
        String(r.targets),
        String(r.allowedCells),
        wallCpu(r.load),
        wallCpu(r.query),
        mb(r.queryRssMb),
        mb(r.modelMb),
        wallCpu(r.matrix),
        wallCpu(r.classes),
        mb(r.matrixMb),
        `${r.sourceClasses}/${r.destinationClasses}`,
        ...formats,
        mb(r.peakMb),
    ];
    console.log(values.map((v, i) => cell(v, Math.max(WIDTHS[i]!, v.length))).join(" "));
}

async function wholeProcesses(sizes: number[]): Promise<void> {
    if (!fs.existsSync(CLI)) {
        console.log(`\n${CLI} is missing: run npm run build:cli`);
        return;
    }
    console.log("\nwhole processes of the built CLI (node dist/calico-zt.js analyze ...; median of 5, stdout to a pipe)");
    const small = clusterPath(10, "calico");
    const firstByte = await median(5, async () => (await runProcess(process.execPath, [CLI, "analyze", small, "--query", ...QUERY])).firstByteMs);
    console.log(`  start-up to first byte, 10 workloads, one query:               ${ms(firstByte)}   (target < 0.3 s)`);
    const hundred = clusterPath(100, "calico");
    const full = await median(5, async () => (await runProcess(process.execPath, [CLI, "analyze", hundred, "--format", "jsonl"])).totalMs);
    console.log(`  100 workloads, full connectivity (--format jsonl), whole process: ${ms(full)}   (target < 0.4 s)`);
    const table = await median(5, async () => (await runProcess(process.execPath, [CLI, "analyze", hundred])).totalMs);
    console.log(`  100 workloads, default table (classes), whole process:          ${ms(table)}`);
    if (!sizes.includes(1_000) && process.env.BENCH_NCA !== "1") return;
    const nca = ncaCommand();
    if (!nca) return;
    for (const [flavor, what] of [
        ["calico", "with Calico policies"],
        ["kubernetes", "Kubernetes-only"],
    ] as const) {
        const file = clusterPath(1_000, flavor, "yaml");
        const ours = await median(3, async () => (await runProcess(process.execPath, [CLI, "analyze", file, "--format", "jsonl"])).totalMs);
        const theirs = await runProcess(nca, ["--connectivity", "--resource_list", file, "--output_format", "txt"]);
        const status = theirs.code === 0 ? "" : ` (NCA exited ${theirs.code})`;
        console.log(
            `  1,000 workloads ${what}, full connectivity (YAML): calico-zt ${ms(ours)}, NCA ${NCA_VERSION} ${ms(theirs.totalMs)}${status}: x${(theirs.totalMs / ours).toFixed(1)}   (target >= 20x)`,
        );
    }
}

/**
 * The largest picture the dot and svg formats draw (MAX_PICTURE_NODES endpoints in 8 namespaces,
 * MAX_PICTURE_EDGES labelled pairs): the layout is Graphviz's (superlinear), so this bounds what any input costs.
 */
async function largestPicture(): Promise<void> {
    const start = performance.now();
    await loadGraphviz();
    const loadMs = performance.now() - start;
    let seed = 1;
    const next = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
    };
    const picture: Picture = {
        nodes: Array.from({ length: MAX_PICTURE_NODES }, (_, i) => ({
            id: `n${i}`,
            kind: "workload",
            label: [`workload-${i}`],
            tooltip: `team-${i % 8}/workload-${i}`,
            group: `team-${i % 8}`,
        })),
        edges: Array.from({ length: MAX_PICTURE_EDGES }, () => ({
            from: `n${next(MAX_PICTURE_NODES)}`,
            to: `n${next(MAX_PICTURE_NODES)}`,
            mark: "allowed",
            ports: ["8080/TCP"],
            why: [],
        })),
        caption: ["the largest picture drawn"],
    };
    const timedMs = (run: () => string) => {
        const t = performance.now();
        const bytes = run().length;
        return { ms: performance.now() - t, bytes };
    };
    const dot = collect((write) => writeDot(picture, write));
    const dotTime = timedMs(() => collect((write) => writeDot(picture, write)));
    const svgTime = timedMs(() => renderSvg(dot));
    console.log(
        `\nthe largest picture (${MAX_PICTURE_NODES} endpoints, ${MAX_PICTURE_EDGES} pairs): Graphviz WebAssembly load ${ms(loadMs)}, DOT ${ms(dotTime.ms)} (${dotTime.bytes} bytes), SVG layout and render ${ms(svgTime.ms)} (${svgTime.bytes} bytes)`,
    );
}

/** YAML input sizes: BENCH_YAML_SIZES, else 1,000, 10,000 and the target's 100,000. */
const YAML_SIZES = process.env.BENCH_YAML_SIZES ? process.env.BENCH_YAML_SIZES.split(",").map(Number) : [1_000, 10_000, 100_000];
const YAML_TARGET = { workloads: 100_000, ms: 10_000, mb: 1_500 };

/** A whole process of the built CLI, one query: wall time, and what bench/process-usage.cjs reports (CPU, main thread, peak RSS). */
function cliQuery(input: string): (ProcessUsage & { wallMs: number }) | string {
    const usageFile = path.join(os.tmpdir(), `calico-zt-bench-usage-${process.pid}.json`);
    const start = performance.now();
    const run = spawnSync(process.execPath, ["--require", path.join(__dirname, "process-usage.cjs"), CLI, "analyze", input, "--query", ...QUERY], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
        env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    });
    const wallMs = performance.now() - start;
    try {
        // --query exits 0 (allowed) or 1 (blocked); 2 is a refused input.
        if (run.status !== 0 && run.status !== 1) return (run.stderr.split("\n").find((line) => line.trim()) ?? `exit ${run.status ?? run.signal}`).trim();
        return { wallMs, ...(JSON.parse(fs.readFileSync(usageFile, "utf8")) as ProcessUsage) };
    } finally {
        fs.rmSync(usageFile, { force: true });
    }
}

const usageText = (u: ProcessUsage & { wallMs: number }) =>
    `${ms(u.wallMs)} wall, ${ms(u.cpuMs)} CPU (main thread ${u.mainThreadMs === undefined ? "-" : ms(u.mainThreadMs)}), peak RSS ${mb(u.peakMb)}`;

/**
 * YAML input against JSON input, whole processes of the built CLI as users run it: each size's
 * Calico cluster as one block YAML file (as `kubectl get -o yaml` prints it) and as JSON Lists, load
 * + one query. Issue 26's target at 100,000 workloads: < 10 s and < 1.5 GB.
 */
function yamlInput(): void {
    if (!fs.existsSync(CLI)) {
        console.log(`\n${CLI} is missing: run npm run build:cli`);
        process.exitCode = 1;
        return;
    }
    console.log(
        `\nYAML input: each size's Calico cluster as one block YAML file (as kubectl get -o yaml prints it) and as JSON Lists; a whole process of the built CLI, one --query (target at ${YAML_TARGET.workloads.toLocaleString("en-US")} workloads from YAML: < ${YAML_TARGET.ms / 1000} s and < ${YAML_TARGET.mb / 1000} GB)`,
    );
    for (const size of YAML_SIZES) {
        const yamlFile = clusterPath(size, "calico", "yaml");
        const jsonDir = clusterPath(size, "calico");
        const megabytes = fs.statSync(yamlFile).size / 1e6;
        const yaml = cliQuery(yamlFile);
        const json = cliQuery(jsonDir);
        if (typeof yaml === "string" || typeof json === "string") {
            console.log(
                `  ${String(size).padStart(6)} workloads: failed: ${typeof yaml === "string" ? `YAML: ${yaml}` : ""} ${typeof json === "string" ? `JSON: ${json}` : ""}`,
            );
            process.exitCode = 1;
            continue;
        }
        // The main thread is what the user waits for: an idle machine runs the garbage collector's threads beside it, which the process's CPU counts.
        const waited = yaml.mainThreadMs ?? yaml.cpuMs;
        const met =
            size === YAML_TARGET.workloads
                ? `   (target: ${waited < YAML_TARGET.ms && yaml.peakMb < YAML_TARGET.mb ? "met" : "missed"}, judged on the ${yaml.mainThreadMs === undefined ? "process's" : "main thread's"} CPU time)`
                : "";
        console.log(
            `  ${String(size).padStart(6)} workloads ${megabytes.toFixed(1).padStart(6)} MB YAML: ${usageText(yaml)}; JSON: ${usageText(json)}; YAML/JSON CPU x${(yaml.cpuMs / json.cpuMs).toFixed(2)}${met}`,
        );
    }
}

async function main(): Promise<void> {
    const at = process.argv.indexOf("--size");
    if (at > 0) {
        // svg's renderer, loaded before the timed formats (largestPicture times the load).
        await loadGraphviz();
        const flavor = process.argv[process.argv.indexOf("--flavor") + 1] as SyntheticFlavor;
        process.stdout.write(JSON.stringify(measure(Number(process.argv[at + 1]), flavor, process.argv[process.argv.indexOf("--file") + 1]!)));
        return;
    }
    const sizes = process.env.BENCH_SIZES
        ? process.env.BENCH_SIZES.split(",").map(Number)
        : process.argv.includes("--quick")
          ? [100, 1_000]
          : [100, 1_000, 10_000];
    if (sizes.some((n) => !Number.isInteger(n) || n < 10))
        throw new Error(`BENCH_SIZES: expected comma-separated workload counts of at least 10, got ${process.env.BENCH_SIZES}`);
    if (process.argv.includes("--yaml-input")) {
        yamlInput();
        return;
    }
    console.log(
        `analyzer benchmark on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}`,
    );
    console.log(
        `load average at start ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")} (wall times suffer when other processes share the cores)`,
    );
    console.log("each size and flavor in a fresh process (under tsx, about 60 MB of RSS its own); clusters cached in " + CLUSTERS);
    console.log("times are wall (CPU); model: memory the loaded model holds (after a full GC), +matrix mem: what the matrix and its classes add");
    console.log("formats: wall time to render the default view into a byte counter, and the output's size");
    console.log(HEAD.map((h, i) => cell(h, WIDTHS[i]!)).join(" "));
    for (const size of sizes) {
        for (const flavor of FLAVORS) {
            const file = clusterPath(size, flavor);
            const run = spawnSync(
                process.execPath,
                [...process.execArgv, "--max-old-space-size=4096", "--expose-gc", __filename, "--size", String(size), "--flavor", flavor, "--file", file],
                { encoding: "utf8", maxBuffer: 1 << 20 },
            );
            if (run.status === 0) {
                printResult(JSON.parse(run.stdout) as Result);
                continue;
            }
            // One size failing (out of memory, a refused input) does not stop the others.
            const why = run.stderr.split("\n").find((line) => /Error|heap|memory/i.test(line)) ?? `exit ${run.status ?? run.signal}`;
            console.log(`${cell(flavor, WIDTHS[0]!)} ${cell(String(size), WIDTHS[1]!)} failed: ${why.trim()}`);
            process.exitCode = 1;
        }
    }
    await largestPicture();
    await wholeProcesses(sizes);
    yamlInput();
    console.log(
        `load average at end ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")}`,
    );
}

if (require.main === module)
    main().catch((error: unknown) => {
        console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    });
