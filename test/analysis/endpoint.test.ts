// `analyze --endpoint <name>`: every tier and policy applying to an endpoint, direction by direction
// in evaluation order, with the selector that picked it and what decides after the last tier; in
// text and JSON. The order is the engine's own: held to the policies each verdict lists.
import * as path from "node:path";
import { runCapturing } from "./helpers";
import { describe, expect, it } from "vitest";
import type { EndpointPolicies } from "../../analysis/consumers/endpoint-policies";
import { buildModel, loadManifests, query } from "../../analysis";

const SCENARIOS = path.join(__dirname, "scenarios");
const LOCKDOWN = path.join(SCENARIOS, "lab-calico-lockdown/cluster.yaml");
const ADMIN = path.join(SCENARIOS, "admin-network-policies/cluster.yaml");
const NAMED_INTERFACE = path.join(SCENARIOS, "host-endpoint-named-interface/cluster.yaml");

const run = (...args: string[]) => runCapturing(args);

const json = (...args: string[]) => JSON.parse(run(...args, "--format", "json").stdout) as EndpointPolicies[];

describe("analyze --endpoint", () => {
    it("lists a workload's egress and ingress policies tier by tier, with the selector that picked it and the profile at the end", () => {
        const { code, stdout } = run(LOCKDOWN, "--endpoint", "lab/helloworld-proxy");
        expect(code).toBe(0);
        expect(stdout).toBe(
            [
                "lab/helloworld-proxy (Deployment; labels app=helloworld-proxy)",
                "egress, in evaluation order:",
                "  tier default (order 1000000, at its end: Deny)",
                "    1. np:lab/proxy-to-app  order 100  namespace: lab, selector: app == 'helloworld-proxy'  (1 rule)",
                "    2. gnp:lab-default-deny  order 2000  selector: all(), namespaceSelector: projectcalico.org/name == 'lab'  (2 rules)",
                "  then: passed by every tier: allowed by the namespace profile kns.lab",
                "ingress, in evaluation order:",
                "  tier default (order 1000000, at its end: Deny)",
                "    1. np:lab/world-to-proxy  order 100  namespace: lab, selector: app == 'helloworld-proxy'  (1 rule)",
                "    2. gnp:lab-default-deny  order 2000  selector: all(), namespaceSelector: projectcalico.org/name == 'lab'  (0 rules)",
                "  then: passed by every tier: allowed by the namespace profile kns.lab",
                "",
            ].join("\n"),
        );
    });

    it("puts the tiers in order, each with its end (Pass for the admin tier), and says when no policy applies", () => {
        const [api] = json(ADMIN, "--calico-version", "3.30", "--endpoint", "payments/api");
        const [egress, ingress] = api!.stages;
        expect(egress).toMatchObject({
            stage: "egress",
            tiers: [],
            otherwise: "no policy selects egress of payments/api: allowed by the namespace profile kns.payments",
        });
        expect(ingress!.tiers.map((t) => [t.name, t.order, t.end])).toEqual([
            ["adminnetworkpolicy", 1000, "Pass"],
            ["default", 1000000, "Deny"],
        ]);
        expect(ingress!.tiers[0]!.policies.map((p) => [p.id, p.order])).toEqual([
            ["anp:sandbox-never-reaches-restricted", 10],
            ["anp:monitoring-scrapes-everything", 20],
            ["anp:delegate-public-web-ports", 30],
        ]);
        expect(ingress!.tiers[1]!.policies[0]).toEqual({
            id: "knp:payments/api-from-frontend",
            kind: "NetworkPolicy",
            order: 1000,
            selectedBy: ["namespace: payments", "selector: app == 'api'"],
            rules: 1,
        });
    });

    it("lists the order the engine evaluates: every verdict's policies are the endpoint's chain, for every pair of workloads", () => {
        for (const [file, options] of [
            [LOCKDOWN, {}],
            [ADMIN, { calicoVersion: "3.30" }],
        ] as const) {
            const model = buildModel(loadManifests([file]), options);
            const chains = new Map(
                model.workloads.map((w) => {
                    const [report] = json(file, ...("calicoVersion" in options ? ["--calico-version", options.calicoVersion] : []), "--endpoint", w.id);
                    const ids = (stage: string) => report!.stages.find((s) => s.stage === stage)!.tiers.flatMap((t) => t.policies.map((p) => p.id));
                    return [w.id, { egress: ids("egress"), ingress: ids("ingress") }];
                }),
            );
            for (const src of model.workloads)
                for (const dst of model.workloads) {
                    const port = dst.ports[0];
                    if (!port) continue;
                    const verdict = query(model, { src: src.id, dst: dst.id, port: port.port, protocol: port.protocol });
                    expect(verdict.explanation.egress?.policies, `${src.id} -> ${dst.id}`).toEqual(chains.get(src.id)!.egress);
                    expect(verdict.explanation.ingress?.policies, `${src.id} -> ${dst.id}`).toEqual(chains.get(dst.id)!.ingress);
                }
        }
    });

    it("lists a node's host endpoints, stage by stage as a packet meets them, with their profile or default at the end", () => {
        const reports = json(LOCKDOWN, "--endpoint", "node:node");
        expect(reports.map((r) => r.endpoint)).toEqual(["hostendpoint:node-auto-hep"]);
        const [hep] = reports;
        expect(hep!.stages.map((s) => s.stage)).toEqual([
            "hostUntracked",
            "hostPreDnat",
            "hostIngress",
            "hostForward",
            "hostUntrackedEgress",
            "hostEgress",
            "hostForwardEgress",
        ]);
        const preDnat = hep!.stages[1]!;
        expect(preDnat.tiers).toEqual([
            {
                name: "default",
                order: 1000000,
                end: "continue",
                policies: [
                    { id: "gnp:nodeport-lockdown", kind: "GlobalNetworkPolicy", order: 100, selectedBy: ["selector: has(kubernetes.io/hostname)"], rules: 2 },
                ],
            },
        ]);
        expect(preDnat.otherwise).toBe("no pre-DNAT rule matched at hostendpoint:node-auto-hep: continues to normal policy");
        expect(hep!.stages[2]!.otherwise).toBe("no policy selects ingress of hostendpoint:node-auto-hep: allowed by profile projectcalico-default-allow");
        expect(run(LOCKDOWN, "--endpoint", "hostendpoint:node-auto-hep", "--format", "json").stdout).toBe(
            run(LOCKDOWN, "--endpoint", "node:node", "--format", "json").stdout,
        );
    });

    it("takes one interface's host endpoint with node:<name>/<interface>, whose missing profile denies", () => {
        const { code, stdout } = run(NAMED_INTERFACE, "--endpoint", "node:worker-1/eth0");
        expect(code).toBe(0);
        expect(stdout).toContain(
            [
                "ingress, before DNAT (preDNAT policy), in evaluation order:",
                "  tier default (order 1000000, at its end: no default drop, on to the next table)",
                "    1. gnp:nodeports-closed  order 100  selector: host-role == 'worker'  (1 rule)",
                "  then: no pre-DNAT rule matched at hostendpoint:worker-1-eth0: continues to normal policy",
                "ingress to the host itself, in evaluation order:",
                "  no policy applies",
                "  then: no policy selects ingress of hostendpoint:worker-1-eth0: a host endpoint without an allowing profile denies",
            ].join("\n"),
        );
    });

    it("writes one JSON object per enforcement point with --format jsonl", () => {
        const lines = run(LOCKDOWN, "--endpoint", "lab/helloworld", "--format", "jsonl").stdout.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!)).toEqual(json(LOCKDOWN, "--endpoint", "lab/helloworld")[0]);
    });

    it.each([
        ["an unknown workload", ["lab/nope"], /^error: --endpoint "lab\/nope": no such endpoint; known in lab: lab\/helloworld, lab\/helloworld-proxy\n$/],
        ["an unknown node", ["node:nope"], /^error: --endpoint "node:nope": no such endpoint; nodes: node:node\n$/],
        ["an unknown host endpoint", ["hostendpoint:nope"], /^error: --endpoint "hostendpoint:nope": no such endpoint; known: hostendpoint:node-auto-hep\n$/],
        [
            "an address",
            ["external:203.0.113.10"],
            /^error: --endpoint "external:203\.0\.113\.10": expected <namespace>\/<workload>, node:<name>\[\/<interface>\] or hostendpoint:<name>/,
        ],
        [
            "--endpoint with --query",
            ["lab/helloworld", "--query", "lab/helloworld", "lab/helloworld", "8080"],
            /^error: --query and --endpoint are different commands: give one\n$/,
        ],
    ])("exits 2 on %s, naming what is known", (_what, args, message) => {
        const [name, ...rest] = args;
        const { code, stdout, stderr } = run(LOCKDOWN, "--endpoint", name!, ...rest);
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(
            stderr
                .split("\n")
                .filter((l) => !l.startsWith("warning:"))
                .join("\n"),
        ).toMatch(message);
    });
});
