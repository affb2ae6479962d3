/**
 * `npm run bench` (third part): reading manifest text into plain values, in MB/s of CPU time, on
 * inputs of 1 to 50 MB of small objects (Pods, Services, NetworkPolicies) written three ways: block
 * YAML read by the YAML reader (its fast paths: printed block YAML, else js-yaml's events), the same
 * YAML read by js-yaml's path alone (every document through its events), and by the careful reader
 * alone (the `yaml` library's documents, what read every YAML text before issue 26; up to
 * BENCH_CAREFUL_MB, default 10, as it reads about 1 MB/s), and a JSON List read by the JSON reader.
 * Each reading runs in a fresh process: "Nx" is the peak RSS it added over the text it was given,
 * per byte of text. Then one ConfigMap of 40,000 and 80,000 keys (the case that was quadratic with
 * the yaml library's own duplicate-key check): the reader is linear when MB/s stays flat. Targets
 * (issue 26): YAML read at 15 MB/s or better, peak memory under 5x the text.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { readJson } from "../analysis/input/json-reader";
import { readYamlFast } from "../analysis/input/yaml-fast-path";
import { readYamlCarefully, readYamlDocuments } from "../analysis/input/yaml-reader";

const SIZES_MB = [1, 5, 10, 25, 50];
const CAREFUL_MB = Number(process.env.BENCH_CAREFUL_MB ?? 10);
const READERS = {
    yaml: (text: string) => readYamlDocuments(text, "bench.yaml"),
    events: (text: string) => readYamlFast(text, { printed: false }),
    careful: (text: string) => readYamlCarefully(text, "bench.yaml"),
    json: (text: string) => readJson(text),
};
type Reader = keyof typeof READERS;
interface Reading {
    cpuS: number;
    peakOverTextMb: number;
}

/** Small objects as a rendered cluster has them: Pods, Services and NetworkPolicies in turn. */
function objects(megabytes: number): object[] {
    const list: object[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } }];
    for (let size = 0, i = 0; size < megabytes * 1_000_000; i++) {
        const name = `w-${i}`;
        const object =
            i % 3 === 0
                ? {
                      apiVersion: "v1",
                      kind: "Pod",
                      metadata: { name, namespace: "bench", labels: { app: name, tier: "web" } },
                      spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ name: "http", containerPort: 8080 }] }] },
                  }
                : i % 3 === 1
                  ? {
                        apiVersion: "v1",
                        kind: "Service",
                        metadata: { name, namespace: "bench" },
                        spec: { selector: { app: `w-${i - 1}` }, ports: [{ port: 80, targetPort: "http" }] },
                    }
                  : {
                        apiVersion: "networking.k8s.io/v1",
                        kind: "NetworkPolicy",
                        metadata: { name, namespace: "bench" },
                        spec: {
                            podSelector: { matchLabels: { app: `w-${i - 2}` } },
                            policyTypes: ["Ingress"],
                            ingress: [{ from: [{ podSelector: { matchLabels: { tier: "web" } } }], ports: [{ port: 8080 }] }],
                        },
                    };
        list.push(object);
        size += stringify(object).length + 4;
    }
    return list;
}

function configMap(keys: number): string {
    const lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: big", "  namespace: bench", "data:"];
    for (let k = 0; k < keys; k++) lines.push(`  key-${k}: value-${k}`);
    return `${lines.join("\n")}\n`;
}

/** In the child: reads `file` with `reader`, returning CPU seconds and the peak RSS added over the text (MB). */
function readOnce(reader: Reader, file: string): Reading {
    const text = fs.readFileSync(file, "utf8");
    const before = process.memoryUsage().rss;
    const start = process.cpuUsage();
    const values = READERS[reader](text);
    const used = process.cpuUsage(start);
    if (!values) throw new Error(`${file}: the ${reader} reader read nothing`);
    return { cpuS: (used.user + used.system) / 1e6, peakOverTextMb: (process.resourceUsage().maxRSS * 1024 - before) / 1e6 };
}

function inFreshProcess(reader: Reader, file: string): Reading | string {
    const run = spawnSync(process.execPath, [...process.execArgv, __filename, "--read", reader, file], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (run.status !== 0) return (run.stderr.split("\n").find((line) => /Error|heap|memory/i.test(line)) ?? `exit ${run.status ?? run.signal}`).trim();
    return JSON.parse(run.stdout) as Reading;
}

const rate = (bytes: number, reading: Reading | string | undefined) =>
    reading === undefined
        ? "-"
        : typeof reading === "string"
          ? `failed: ${reading}`
          : `${(bytes / 1e6 / reading.cpuS).toFixed(1)} MB/s ${(reading.peakOverTextMb / (bytes / 1e6)).toFixed(1)}x`;

function main(): void {
    const at = process.argv.indexOf("--read");
    if (at > 0) {
        process.stdout.write(JSON.stringify(readOnce(process.argv[at + 1] as Reader, process.argv[at + 2]!)));
        return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-zt-parse-bench-"));
    try {
        console.log(`manifest reading benchmark on ${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}`);
        console.log(
            `load average ${os
                .loadavg()
                .map((l) => l.toFixed(1))
                .join(" ")}; MB/s of the process's own CPU time, each reading in a fresh process; Nx: its peak RSS over the text, per byte of text`,
        );
        console.log(
            `input        YAML bytes   objects   YAML (reader)          js-yaml's path alone   careful reader         careful/reader   JSON bytes   JSON`,
        );
        for (const megabytes of SIZES_MB) {
            const list = objects(megabytes);
            const yamlFile = path.join(dir, `${megabytes}.yaml`),
                jsonFile = path.join(dir, `${megabytes}.json`);
            fs.writeFileSync(yamlFile, list.map((o) => stringify(o)).join("---\n"));
            fs.writeFileSync(jsonFile, JSON.stringify({ apiVersion: "v1", kind: "List", items: list }));
            const yamlBytes = fs.statSync(yamlFile).size,
                jsonBytes = fs.statSync(jsonFile).size;
            const fast = inFreshProcess("yaml", yamlFile);
            const events = inFreshProcess("events", yamlFile);
            const careful = megabytes <= CAREFUL_MB ? inFreshProcess("careful", yamlFile) : undefined;
            const json = inFreshProcess("json", jsonFile);
            const ratio = typeof fast === "object" && typeof careful === "object" ? `x${(careful.cpuS / fast.cpuS).toFixed(1)}` : "-";
            console.log(
                `${`${megabytes} MB`.padEnd(10)} ${String(yamlBytes).padStart(12)} ${String(list.length).padStart(9)}   ${rate(yamlBytes, fast).padEnd(22)} ${rate(yamlBytes, events).padEnd(22)} ${rate(yamlBytes, careful).padEnd(22)} ${ratio.padStart(14)} ${String(jsonBytes).padStart(12)}   ${rate(jsonBytes, json)}`,
            );
        }
        for (const keys of [40_000, 80_000]) {
            const file = path.join(dir, `cm-${keys}.yaml`);
            fs.writeFileSync(file, configMap(keys));
            const bytes = fs.statSync(file).size;
            console.log(
                `${`CM ${keys / 1000}k keys`.padEnd(10)} ${String(bytes).padStart(12)} ${"1".padStart(9)}   ${rate(bytes, inFreshProcess("yaml", file)).padEnd(22)} ${rate(bytes, inFreshProcess("events", file)).padEnd(22)} ${rate(bytes, inFreshProcess("careful", file))}`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main();
