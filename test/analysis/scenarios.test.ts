// Scenario folders: readable YAML of a cluster plus expected.yaml with the flows it must allow or block
// (netpol-analyzer's tests are organised the same way). Every scenario is also checked for agreement
// between the matrix (vectorized engine), the per-connection engine and single queries.
import * as fs from "node:fs";
import * as path from "node:path";
import { ingressTuning } from "../../analysis/engine/fast-engine";
import { syntheticCluster } from "../../bench/synthetic-cluster";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
    AnalyzerOptions,
    buildModel,
    connectivityMatrix,
    endpointAllows,
    endpointDecision,
    KubeObject,
    loadManifests,
    matrixCells,
    parseManifests,
    podToPodAllows,
    query,
    Protocol,
} from "../../analysis";

const ROOT = path.join(__dirname, "scenarios");

interface ExpectedFlow {
    from: string;
    to: string;
    port: number | string;
    allowed: boolean;
    because?: string;
}
interface Expected {
    options?: AnalyzerOptions;
    flows: ExpectedFlow[];
    warnings?: string[];
}

const scenarios = fs
    .readdirSync(ROOT)
    .filter((name) => fs.statSync(path.join(ROOT, name)).isDirectory())
    .sort();

function load(name: string) {
    const dir = path.join(ROOT, name);
    const expected = parse(fs.readFileSync(path.join(dir, "expected.yaml"), "utf8")) as Expected;
    const files = fs
        .readdirSync(dir)
        .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== "expected.yaml")
        .map((f) => path.join(dir, f));
    return { expected, model: buildModel(loadManifests(files), expected.options ?? {}) };
}

function portOf(spec: number | string): { port: number | string; protocol?: Protocol } {
    const [port, protocol] = String(spec).split("/");
    return { port: /^\d+$/.test(port!) ? Number(port) : port!, ...(protocol ? { protocol: protocol as Protocol } : {}) };
}

it("has scenarios to run", () => expect(scenarios.length).toBeGreaterThanOrEqual(6));

describe.each(scenarios)("scenario %s", (name) => {
    it("allows and blocks exactly the expected flows", () => {
        const { expected, model } = load(name);
        const observed = expected.flows.map((flow) => ({ flow, verdict: query(model, { src: flow.from, dst: flow.to, ...portOf(flow.port) }) }));
        const report = observed.map(({ flow, verdict }) => {
            const ok =
                verdict.allowed === flow.allowed &&
                (!flow.because || verdict.reason.replace(/denied at the end of tier/, "end of tier").includes(flow.because));
            return `${ok ? "  " : "XX"} ${flow.from} -> ${flow.to} ${flow.port}: expected ${flow.allowed ? "Y" : "n"}${flow.because ? ` (${flow.because})` : ""} observed ${verdict.allowed ? "Y" : "n"}: ${verdict.reason}`;
        });
        expect(
            report.filter((line) => line.startsWith("XX")),
            `\n${report.join("\n")}\n`,
        ).toEqual([]);
        for (const warning of expected.warnings ?? []) expect(model.warnings.join("\n")).toContain(warning);
    });

    it("answers each end's own decision of a direct connection as query explains it (endpointDecision, endpointAllows, podToPodAllows)", () => {
        const { model } = load(name);
        const parties = [...model.workloads.map((w) => w.id), "external:203.0.113.10", "external:10.0.0.1"];
        let direct = 0;
        for (const src of parties) {
            for (const dst of parties) {
                for (const [port, protocol] of [
                    [53, "UDP"],
                    [80, "TCP"],
                    [8080, "TCP"],
                    [47123, "TCP"],
                ] as const) {
                    const q = { src, dst, port, protocol };
                    let verdict: ReturnType<typeof query>;
                    try {
                        verdict = query(model, q);
                    } catch {
                        expect(() => endpointDecision(model, q, "egress") ?? query(model, q)).toThrow();
                        continue;
                    }
                    const pods = podToPodAllows(model, q);
                    if (pods !== undefined) expect(pods, `${src} -> ${dst} ${port}/${protocol}`).toBe(verdict.allowed);
                    for (const direction of ["egress", "ingress"] as const) {
                        const decision = endpointDecision(model, q, direction);
                        expect(endpointAllows(model, q, direction), `${src} -> ${dst} ${port}/${protocol} ${direction}`).toBe(decision?.allowed);
                        if (!decision) continue;
                        direct++;
                        expect(decision, `${src} -> ${dst} ${port}/${protocol} ${direction}`).toEqual(verdict.explanation[direction]);
                    }
                }
            }
        }
        expect(direct).toBeGreaterThan(0);
    });

    it("gives the same matrix with the vectorized and the per-connection engine, and the same cells as single queries", () => {
        const { model } = load(name);
        const fast = connectivityMatrix(model);
        expect(fast).toEqual(connectivityMatrix(model, { engine: "reference" }));
        for (const cell of matrixCells(fast)) {
            if (cell.dst.startsWith("nodeport:") || cell.dst.startsWith("external:")) continue;
            expect(
                query(model, { src: cell.src, dst: cell.dst, port: cell.port, protocol: cell.protocol }).allowed,
                `${cell.src} -> ${cell.dst}:${cell.port}`,
            ).toBe(cell.allowed);
        }
    });
});

// A generated cluster with many policy shapes (and two workloads on the host network, which the
// vectorized engine hands to the per-connection engine): the vectorized engine must agree with the reference.
describe("vectorized engine on generated clusters", () => {
    it.each([1, 2, 3, 4, 5])("agrees with the per-connection engine (seed %i)", (seed) => {
        const model = buildModel(parseManifests(generateCluster(seed), `generated-${seed}.yaml`));
        expect(connectivityMatrix(model)).toEqual(connectivityMatrix(model, { engine: "reference" }));
    });

    it("agrees with it on the benchmark's synthetic cluster, whose rows are member lists and bit sets", () => {
        const model = buildModel(syntheticCluster(120));
        const reference = connectivityMatrix(model, { engine: "reference" });
        expect(reference.rows.some((row) => row.list && row.count > 0) && reference.rows.some((row) => row.bits)).toBe(true);
        try {
            for (const oneByOne of ["auto", "never"] as const) {
                ingressTuning.oneByOne = oneByOne;
                expect(connectivityMatrix(model), `${oneByOne} one by one`).toEqual(reference);
            }
        } finally {
            ingressTuning.oneByOne = "auto";
        }
    });

    it("agrees with it where many sources reach each destination (rows shared between destinations alike)", () => {
        // 100 workloads: every other one's ingress locked to role x; every fifth one's egress only to tier front.
        const objects: object[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }];
        for (let i = 0; i < 100; i++) {
            const labels = {
                app: `w${i}`,
                role: i % 3 ? "y" : "x",
                ingress: i % 2 ? "locked" : "open",
                tier: i % 4 ? "back" : "front",
                egress: i % 5 ? "open" : "restricted",
            };
            objects.push({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: `w${i}`, namespace: "a" },
                spec: {
                    selector: { matchLabels: labels },
                    template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x", ports: [{ containerPort: 80 }] }] } },
                },
            });
        }
        const policy = (name: string, spec: object) => ({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name, namespace: "a" },
            spec,
        });
        objects.push(
            policy("locked", { podSelector: { matchLabels: { ingress: "locked" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "x" } } }] }] }),
        );
        objects.push(
            policy("restricted", {
                podSelector: { matchLabels: { egress: "restricted" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: { matchLabels: { tier: "front" } } }] }],
            }),
        );
        const model = buildModel(objects as KubeObject[]);
        expect(connectivityMatrix(model)).toEqual(connectivityMatrix(model, { engine: "reference" }));
    });

    it("agrees with it on Services, whose rows come from their backends' rows", () => {
        const deployment = (name: string, labels: Record<string, string>, ports: object[]) => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name, namespace: "s" },
            spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x", ports }] } } },
        });
        const service = (name: string, spec: object) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "s" }, spec });
        const objects = [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "s" } },
            deployment("client-a", { role: "client", team: "a" }, []),
            deployment("client-b", { role: "client", team: "b" }, []),
            // Two backends of one Service: one admits team a only, the other team b only (the Service admits nobody).
            deployment("api-1", { app: "api", n: "1" }, [{ containerPort: 8080, name: "http" }]),
            deployment("api-2", { app: "api", n: "2" }, [{ containerPort: 8080, name: "http" }]),
            // Only one of these backends has the named target port: the Service is blocked for everybody.
            deployment("web-1", { app: "web", n: "1" }, [{ containerPort: 80, name: "web" }]),
            deployment("web-2", { app: "web", n: "2" }, [{ containerPort: 81, name: "other" }]),
            service("api", { selector: { app: "api" }, ports: [{ port: 80, targetPort: 8080 }] }),
            service("api-one", { selector: { app: "api", n: "1" }, ports: [{ port: 80, targetPort: "http" }] }),
            service("web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: "web" }] }),
            service("nobody", { selector: { app: "none" }, ports: [{ port: 80 }] }),
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "api-1", namespace: "s" },
                spec: { podSelector: { matchLabels: { app: "api", n: "1" } }, ingress: [{ from: [{ podSelector: { matchLabels: { team: "a" } } }] }] },
            },
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "api-2", namespace: "s" },
                spec: { podSelector: { matchLabels: { app: "api", n: "2" } }, ingress: [{ from: [{ podSelector: { matchLabels: { team: "b" } } }] }] },
            },
        ];
        const model = buildModel(objects as KubeObject[]);
        const fast = connectivityMatrix(model);
        expect(fast).toEqual(connectivityMatrix(model, { engine: "reference" }));
        const allowed = (dst: string) => [...matrixCells(fast)].filter((c) => c.dst === dst && c.allowed).map((c) => c.src);
        expect(allowed("service:s/api-one")).toContain("s/client-a");
        expect(allowed("service:s/api-one")).not.toContain("s/client-b");
        expect(allowed("service:s/api").filter((src) => src.startsWith("s/client"))).toEqual([]);
        expect(allowed("service:s/web")).toEqual([]);
        expect(allowed("service:s/nobody")).toEqual([]);
    });

    it.each(["always", "never"] as const)("agrees with it whether ingress is judged source by source or by whole rows (%s one by one)", (oneByOne) => {
        try {
            ingressTuning.oneByOne = oneByOne;
            for (const seed of [1, 2, 3, 4, 5]) {
                const model = buildModel(parseManifests(generateCluster(seed), `generated-${seed}.yaml`));
                expect(connectivityMatrix(model), `seed ${seed}`).toEqual(connectivityMatrix(model, { engine: "reference" }));
            }
        } finally {
            ingressTuning.oneByOne = "auto";
        }
    });
});

function generateCluster(seed: number): string {
    let state = (seed * 2654435761) >>> 0;
    const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const namespaces = ["a", "b", "c"];
    const apps = ["web", "api", "db", "cache"];
    const docs: string[] = [];
    for (const ns of namespaces) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {env: ${pick(["prod", "dev"])}}}`);
    docs.push("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 10, defaultAction: Pass}");
    for (let i = 0; i < 14; i++) {
        const ns = pick(namespaces),
            app = pick(apps),
            tier = pick(["front", "back"]);
        const port = pick([
            "[{name: http, containerPort: 8080}]",
            "[{name: http, containerPort: 80}, {containerPort: 53, protocol: UDP}]",
            "[{name: metrics, containerPort: 9090}]",
        ]);
        docs.push(
            `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w${i}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: ${app}}}\n  template:\n    metadata: {labels: {app: ${app}, tier: ${tier}}}\n    spec: {serviceAccountName: ${pick(["default", "sa1"])}, hostNetwork: ${i % 7 === 3}, containers: [{name: c, image: x, ports: ${port}}]}`,
        );
    }
    const peer = () =>
        pick([
            "{podSelector: {matchLabels: {app: " + pick(apps) + "}}}",
            "{namespaceSelector: {matchLabels: {env: " + pick(["prod", "dev"]) + "}}}",
            "{namespaceSelector: {}, podSelector: {matchLabels: {tier: " + pick(["front", "back"]) + "}}}",
            "{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}",
        ]);
    const knpPorts = () =>
        pick(["", "\n    ports: [{port: http}]", "\n    ports: [{port: 8080}, {port: 53, protocol: UDP}]", "\n    ports: [{port: 80, endPort: 9000}]"]);
    for (let i = 0; i < 8; i++) {
        const ns = pick(namespaces);
        const types = pick(["", "\n  policyTypes: [Ingress]", "\n  policyTypes: [Ingress, Egress]", "\n  policyTypes: [Egress]"]);
        docs.push(
            `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: k${i}, namespace: ${ns}}\nspec:\n  podSelector: {matchLabels: {app: ${pick(apps)}}}${types}\n  ingress:\n  - from: [${peer()}]${knpPorts()}\n  egress:\n  - to: [${peer()}]${knpPorts()}`,
        );
    }
    const selector = () =>
        pick([`app == '${pick(apps)}'`, `tier != 'front'`, "all()", `app in {'web', 'db'}`, `!has(tier)`, `projectcalico.org/serviceaccount == 'sa1'`]);
    const rule = () => {
        const action = pick(["Allow", "Deny", "Pass", "Log", "Allow"]);
        const protocol = pick(["", "protocol: TCP, ", "protocol: UDP, "]);
        const ports = protocol ? pick(["", ", ports: [8080, '50:100']", ", ports: [http]", ", notPorts: [9090]"]) : "";
        const entity = pick([
            `selector: "${selector()}"`,
            `namespaceSelector: "env == 'prod'"`,
            `notSelector: "${selector()}"`,
            `nets: [0.0.0.0/0]`,
            `serviceAccounts: {names: [sa1]}`,
            `namespaceSelector: all(), selector: "${selector()}"`,
        ]);
        return pick([
            `{action: ${action}, ${protocol}source: {${entity}}, destination: {selector: "all()"${ports}}}`,
            `{action: ${action}, ${protocol}destination: {${entity}${ports}}}`,
        ]);
    };
    for (let i = 0; i < 10; i++) {
        const global = random() < 0.4;
        const tier = random() < 0.3 ? "\n  tier: security" : "";
        const order = random() < 0.7 ? `\n  order: ${pick([100, 1000, 1500])}` : "";
        const name = tier ? `security.c${i}` : `c${i}`;
        const kind = global ? "GlobalNetworkPolicy" : "NetworkPolicy";
        const nsLine = global ? "" : `, namespace: ${pick(namespaces)}`;
        const types = pick(["", "\n  types: [Ingress]", "\n  types: [Egress]", "\n  types: [Ingress, Egress]"]);
        docs.push(
            `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: {name: ${name}${nsLine}}\nspec:${tier}${order}\n  selector: "${selector()}"${types}\n  ingress: [${rule()}, ${rule()}]\n  egress: [${rule()}]`,
        );
    }
    return docs.join("\n---\n");
}
