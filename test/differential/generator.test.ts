// The generator without a cluster: the same seed gives the same scenario, and every scenario it
// makes is one the analyzer's loader accepts (with the addresses a cluster would give its pods).
import { describe, expect, it } from "vitest";
import { buildModel } from "../../analysis";
import type { KubeObject } from "../../analysis";
import type { PlainObject } from "../../live/cluster";
import { scenarioCells, DeployedFacts } from "./cells";
import { generateScenario } from "./generator";
import { MIX } from "./mix";
import { predictCells } from "./predict";
import { renderScenario } from "./render";
import { fromYaml, Scenario, SCOPE_LABEL, toYaml } from "./scenario";

const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

/** What a cluster adds: each pod's address and a Service's ClusterIP and node ports. */
function deployed(seed: number): { objects: PlainObject[]; facts: DeployedFacts } {
    const scenario = generateScenario(seed);
    const podIPs: Record<string, string> = {};
    const objects = renderScenario(scenario).map((object, i) => {
        if (object.kind === "Pod") {
            const ip = `10.244.${(seed * 7) % 250}.${i + 2}`;
            podIPs[`${object.metadata.namespace}/${object.metadata.name}`] = ip;
            return { ...object, status: { podIP: ip } };
        }
        if (object.kind === "Service") {
            const spec = object.spec as { type: string; ports: { port: number; protocol: "TCP" | "UDP" }[] };
            return {
                ...object,
                spec: {
                    ...spec,
                    clusterIP: `10.96.${seed % 250}.${i + 2}`,
                    ports: spec.ports.map((port, j) => (spec.type === "NodePort" ? { ...port, nodePort: 30100 + i * 10 + j } : port)),
                },
            };
        }
        return object;
    });
    objects.push(...nodeAsDeployed(scenario));
    // The real cluster's ClusterInformation (scripts/cluster/manifests/calico-resources.yaml): the v3.28 branch.
    objects.push({
        apiVersion: "crd.projectcalico.org/v1",
        kind: "ClusterInformation",
        metadata: { name: "default" },
        spec: { calicoVersion: "v3.28.5-host-processes" },
    });
    const services: DeployedFacts["services"] = {};
    for (const object of objects.filter((o) => o.kind === "Service")) {
        const spec = object.spec as { clusterIP: string; ports: { port: number; protocol: "TCP" | "UDP"; nodePort?: number }[] };
        services[`${object.metadata.namespace}/${object.metadata.name}`] = { clusterIP: spec.clusterIP, ports: spec.ports };
    }
    return { objects, facts: { podIPs, services, nodeAddress: "172.18.0.2", nodeName: "czt-node" } };
}

/** The real cluster's node and its host endpoint (docs/cluster.md), labelled as the tier labels it for the scenario (deploy.ts syncHost). */
function nodeAsDeployed(scenario: Scenario): PlainObject[] {
    const host = scenario.host;
    const labels = { "kubernetes.io/hostname": "czt-node", ...(host ? { [SCOPE_LABEL]: "true", ...host.labels } : {}) };
    return [
        {
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: "czt-node", labels: { "kubernetes.io/hostname": "czt-node" } },
            status: { addresses: [{ type: "InternalIP", address: "172.18.0.2" }] },
        },
        {
            apiVersion: "projectcalico.org/v3",
            kind: "HostEndpoint",
            metadata: { name: "czt-node-czt-out0", labels },
            spec: {
                node: "czt-node",
                interfaceName: "czt-out0",
                ...(host?.expectedIPs === false ? {} : { expectedIPs: ["172.18.0.2"] }),
                profiles: ["projectcalico-default-allow"],
            },
        },
    ];
}

describe("the scenario generator", () => {
    it("makes the same scenario from the same seed, and another from another seed", () => {
        expect(generateScenario(42)).toEqual(generateScenario(42));
        expect(toYaml(generateScenario(42))).toBe(toYaml(generateScenario(42)));
        expect(generateScenario(42)).not.toEqual(generateScenario(43));
    });

    it("writes scenarios that read back from YAML unchanged", () => {
        const scenario = generateScenario(7);
        expect(fromYaml(toYaml(scenario), "s7.yaml")).toEqual(scenario);
        expect(() => fromYaml("kind: Pod\n", "pod.yaml")).toThrow("pod.yaml: not a differential scenario");
    });

    it("makes 2-8 policies, in namespaces of its own, global ones scoped to scenario pods", () => {
        for (const seed of SEEDS) {
            const scenario = generateScenario(seed);
            const policies = scenario.objects.filter((o) => o.kind.endsWith("NetworkPolicy") && !o.metadata.name.includes("-host"));
            expect(policies.length).toBeGreaterThanOrEqual(2);
            expect(policies.length).toBeLessThanOrEqual(8);
            expect(scenario.namespaces.every((n) => n.name.startsWith(`df-${seed}-`))).toBe(true);
            for (const gnp of policies.filter((p) => p.kind === "GlobalNetworkPolicy"))
                expect((gnp.spec as { selector: string }).selector).toContain(`has(${SCOPE_LABEL})`);
            // Host policies select the host endpoint by its host-role label, which no pod carries.
            for (const hostPolicy of scenario.objects.filter((o) => o.metadata.name.includes("-host"))) {
                expect(scenario.host, `seed ${seed}`).toBeDefined();
                expect((hostPolicy.spec as { selector: string }).selector).toMatch(new RegExp(`host-role.*&& has\\(${SCOPE_LABEL}\\)`));
            }
        }
    });

    it("makes only objects the analyzer's loader accepts, and every cell gets a verdict", () => {
        for (const seed of SEEDS) {
            const { objects, facts } = deployed(seed);
            expect(() => buildModel(objects as KubeObject[], { ignoreUnknownKinds: true, calicoVersion: "v3.28" }), `seed ${seed}`).not.toThrow();
            const cells = scenarioCells(generateScenario(seed), facts);
            const answers = predictCells(objects, [], cells);
            for (const cell of cells) expect(answers.get(cell.id), `seed ${seed} ${cell.id}`).toHaveProperty("verdict");
        }
    });

    it("exercises the feature mix's rarer features within 150 seeds", () => {
        const text = SEEDS.map((seed) => toYaml(generateScenario(seed))).join("\n");
        for (const needle of [
            "doNotTrack: true",
            "preDNAT: true",
            "applyOnForward: true",
            "expectedIPs: false",
            "kind: GlobalNetworkPolicy",
            "kind: NetworkSet",
            "kind: GlobalNetworkSet",
            "endPort:",
            "except:",
            "notPorts:",
            "notNets:",
            "notProtocol:",
            "serviceAccounts:",
            "namespaceSelector: global()",
            "action: Pass",
            "action: Log",
            "type: NodePort",
            "protocol: UDP",
            "targetPort: http",
            "order: 100\n",
            "serviceAccountSelector:",
        ]) {
            expect(text, needle).toContain(needle);
        }
        for (const [row, weights] of Object.entries(MIX))
            expect(
                Object.values(weights).every((w) => w > 0),
                row,
            ).toBe(true);
    });

    it("leaves out every cell crossing the host endpoint's interface while its expectedIPs are removed, NodePorts from the world included", () => {
        const seed = [...Array(200).keys()].find((s) => generateScenario(s).services.some((svc) => svc.type === "NodePort"));
        expect(seed).toBeDefined();
        const { facts } = deployed(seed as number);
        const scenario = generateScenario(seed as number);
        const kinds = (expectedIPs: boolean) =>
            new Set(scenarioCells({ ...scenario, host: { labels: scenario.host?.labels ?? {}, expectedIPs } }, facts).map((c) => c.kind));
        const crossing = ["world-node", "node-world", "world-nodeport"];
        for (const kind of crossing) expect(kinds(true).has(kind as never), kind).toBe(true);
        for (const kind of crossing) expect(kinds(false).has(kind as never), kind).toBe(false);
        expect(kinds(false).has("pod-node")).toBe(true);
    });

    it("gives every cell a bounded probe: pod cells from the pod itself, NodePorts and the node's listener from the world, the node's own from the node", () => {
        const { facts } = deployed(3);
        const cells = scenarioCells(generateScenario(3), facts);
        for (const kind of ["pod-pod", "pod-world", "world-node", "pod-node", "node-pod", "node-world"])
            expect(cells.filter((c) => c.kind === kind).length, kind).toBeGreaterThan(0);
        for (const cell of cells) {
            if (cell.probe.origin.kind === "pod") expect(cell.probe.command).toMatch(/nc -z -w 2 |nc -u -w 2 |timeout 3 nslookup/);
            else if (cell.probe.origin.kind === "node") expect(cell.probe.actions[0].kind).toMatch(/^(tcp|dns-udp)$/);
            else expect(cell.probe.actions[0]).toMatchObject({ kind: "http", method: "GET" });
            expect(cell.query.src).not.toBe(cell.query.dst);
        }
    });
});
