/**
 * `npm run bench`: the analyzer on synthetic clusters of 100, 1,000 and 10,000 workloads with about as
 * many policies, Kubernetes and Calico mixed, selecting workloads per app, per tier and per namespace
 * as real clusters do. Each size runs in a fresh process so that its peak memory is its own.
 * Prints time per phase, peak RSS, and how cost grows from one size to the next.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { buildModel, connectivityMatrix, KubeObject, popcountMatrix, query } from "./bench-support";

const SIZES = [100, 1_000, 10_000];
const WORKLOADS_PER_NAMESPACE = 100;
const APPS_PER_NAMESPACE = 20;
const TIERS = ["web", "api", "db"] as const;
const PORT = { web: 8080, api: 9000, db: 5432 } as const;

/** The synthetic cluster: namespaces of 100 workloads, 20 apps of 5 workloads each, three tiers. */
export function syntheticCluster(workloads: number): KubeObject[] {
    const objects: KubeObject[] = [];
    const namespaces = Math.max(1, Math.ceil(workloads / WORKLOADS_PER_NAMESPACE));
    objects.push(deployment("kube-system", "coredns", { "k8s-app": "kube-dns" }, [{ containerPort: 53, protocol: "UDP", name: "dns" }, { containerPort: 53, protocol: "TCP", name: "dns-tcp" }]));
    // One global default deny with a DNS allowance for every application namespace (Calico docs' recommendation).
    objects.push(calico("GlobalNetworkPolicy", "default-deny", undefined, {
        namespaceSelector: "has(team) && projectcalico.org/name != 'kube-system'", types: ["Ingress", "Egress"],
        egress: [{ action: "Allow", protocol: "UDP", destination: { selector: "k8s-app == 'kube-dns'", ports: [53] } }],
    }));
    for (let n = 0; n < namespaces; n++) {
        const ns = `team-${n}`;
        objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { team: `t${n % 10}`, env: n % 3 ? "prod" : "dev" } } });
        // Per namespace: a Kubernetes deny-all and a Calico policy letting the monitoring tier scrape.
        objects.push(knp(ns, "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
        objects.push(calico("NetworkPolicy", "allow-monitoring", ns, {
            order: 500, selector: "all()", types: ["Ingress"],
            ingress: [{ action: "Allow", protocol: "TCP", source: { namespaceSelector: "env == 'prod'", selector: "tier == 'api'" }, destination: { ports: [9100] } }],
        }));
        for (let a = 0; a < APPS_PER_NAMESPACE; a++) {
            const app = `app-${a}`;
            // Per app: web -> api -> db inside the app, and the api from the web tier of every namespace.
            objects.push(knp(ns, `${app}-web-to-api`, {
                podSelector: { matchLabels: { app, tier: "api" } },
                ingress: [{ from: [{ podSelector: { matchLabels: { app, tier: "web" } } }, { namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { tier: "web" } } }], ports: [{ port: "api" }] }],
            }));
            objects.push(calico("NetworkPolicy", `${app}-api-to-db`, ns, {
                order: 800, selector: `app == '${app}' && tier == 'db'`,
                ingress: [{ action: "Allow", protocol: "TCP", source: { selector: `app == '${app}' && tier == 'api'` }, destination: { ports: [PORT.db] } }],
                egress: [{ action: "Deny", protocol: "TCP", destination: { notNets: ["10.0.0.0/8"] } }],
            }));
        }
    }
    for (let i = 0; i < workloads; i++) {
        const ns = `team-${Math.floor(i / WORKLOADS_PER_NAMESPACE)}`;
        const app = `app-${i % APPS_PER_NAMESPACE}`;
        const tier = TIERS[i % TIERS.length]!;
        const name = `w${i}`;
        objects.push(deployment(ns, name, { app, tier, component: name }, [
            { containerPort: PORT[tier], protocol: "TCP", name: tier }, { containerPort: 9100, protocol: "TCP", name: "metrics" },
        ], i % 7 === 0 ? "privileged" : "default"));
        // Per workload: its own egress policy, alternating Kubernetes and Calico (about one policy per workload).
        if (i % 2 === 0) {
            objects.push(knp(ns, `${name}-egress`, {
                podSelector: { matchLabels: { component: name } }, policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: { matchLabels: { app } } }] }, { ports: [{ port: 53, protocol: "UDP" }] }],
            }));
        } else {
            objects.push(calico("NetworkPolicy", `${name}-egress`, ns, {
                order: 900, selector: `component == '${name}'`, types: ["Egress"],
                egress: [{ action: "Allow", protocol: "TCP", destination: { selector: `app == '${app}' || tier == 'api'` } }],
            }));
        }
    }
    return objects;
}

function deployment(namespace: string, name: string, labels: Record<string, string>, ports: object[], serviceAccountName = "default"): KubeObject {
    return {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace },
        spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName, containers: [{ name: "c", image: "x", ports }] } } },
    };
}
const knp = (namespace: string, name: string, spec: object): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec });
const calico = (kind: string, name: string, namespace: string | undefined, spec: object): KubeObject =>
    ({ apiVersion: "projectcalico.org/v3", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec });

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
