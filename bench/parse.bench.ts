/**
 * `npm run bench` (third part): reading manifests, from YAML text to validated objects, on inputs of
 * 1 to 50 MB of small objects, and one ConfigMap of 40,000 and 80,000 keys (the case that was
 * quadratic with the yaml library's own duplicate-key check). Prints time per MB: the reader is
 * linear when that column stays flat.
 */
import * as os from "node:os";
import { stringify } from "yaml";
import { buildModel, parseManifests } from "../analysis";

const SIZES_MB = [1, 5, 10, 25, 50];

/** Small objects as a rendered cluster has them: Pods, Services and NetworkPolicies in turn. */
function manifests(megabytes: number): { text: string; objects: number } {
    const parts: string[] = [stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } })];
    let size = parts[0]!.length, i = 0;
    while (size < megabytes * 1_000_000) {
        const name = `w-${i}`;
        const object = i % 3 === 0
            ? { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "bench", labels: { app: name, tier: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ name: "http", containerPort: 8080 }] }] } }
            : i % 3 === 1
                ? { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "bench" }, spec: { selector: { app: `w-${i - 1}` }, ports: [{ port: 80, targetPort: "http" }] } }
                : { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "bench" }, spec: { podSelector: { matchLabels: { app: `w-${i - 2}` } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { tier: "web" } } }], ports: [{ port: 8080 }] }] } };
        const text = stringify(object);
        parts.push(text);
        size += text.length + 4;
        i++;
    }
    return { text: parts.join("---\n"), objects: parts.length };
}

function configMap(keys: number): string {
    const lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: big, namespace: bench}", "data:"];
    for (let k = 0; k < keys; k++) lines.push(`  key-${k}: value-${k}`);
    return `${lines.join("\n")}\n`;
}

function cpuSeconds<T>(work: () => T): [T, number] {
    const start = process.cpuUsage();
    const result = work();
    const used = process.cpuUsage(start);
    return [result, (used.user + used.system) / 1e6];
}

console.log(`manifest reading benchmark on ${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (CPU time is the process's own)`);
console.log("input            bytes     objects   parse CPU   parse CPU/MB   validate+model CPU");
for (const megabytes of SIZES_MB) {
    const { text } = manifests(megabytes);
    const [objects, parse] = cpuSeconds(() => parseManifests(text, "bench.yaml"));
    const [, model] = cpuSeconds(() => buildModel(objects));
    console.log(`${`${megabytes} MB`.padEnd(12)} ${String(text.length).padStart(10)} ${String(objects.length).padStart(10)} ${parse.toFixed(2).padStart(9)} s ${(parse / (text.length / 1e6)).toFixed(3).padStart(11)} s ${model.toFixed(2).padStart(15)} s`);
}
for (const keys of [40_000, 80_000]) {
    const text = configMap(keys);
    const [, parse] = cpuSeconds(() => parseManifests(text, "configmap.yaml"));
    console.log(`${`CM ${keys / 1000}k keys`.padEnd(12)} ${String(text.length).padStart(10)} ${"1".padStart(10)} ${parse.toFixed(2).padStart(9)} s ${(parse / (text.length / 1e6)).toFixed(3).padStart(11)} s`);
}
