// Calico's staged policies (v3.30+; analysis/model/staged.ts): read and validated as Calico's API
// server validates them (validator.go validateStaged*, v3.30.3-v3.31.7), never changing a verdict,
// and `analyze --staged` showing the flows enforcing them would add or remove, each with the rule
// that would decide it. The fixture stages three changes to the lab's last stage
// (fixtures/staged/staged.yaml): the Delete of world-to-proxy, a host-endpoint default deny and a
// StagedKubernetesNetworkPolicy limiting the client's egress.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../helpers/temporary";
import { connectivityMatrix, parseManifests } from "../../analysis";
import { enforceStaged } from "../../analysis/model/staged";
import { BASE, deployment, modelOf, verdict, runCapturing } from "./helpers";

const HERE = __dirname;
const LOCKDOWN = path.join(HERE, "scenarios/lab-calico-lockdown/cluster.yaml");
const STAGED = path.join(HERE, "fixtures/staged/staged.yaml");

const run = (...args: string[]) => runCapturing(args, 160);

const staged = (kind: string, name: string, spec: string, namespace?: string) => `---
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: {name: ${name}${namespace ? `, namespace: ${namespace}` : ""}}
spec: ${spec}
`;
const cluster = BASE;

describe("staged policies are validated as Calico's API server validates them", () => {
    it.each([
        [
            "an unknown stagedAction",
            staged("StagedGlobalNetworkPolicy", "x", "{stagedAction: Enforce, selector: all()}"),
            'spec.stagedAction: stagedAction "Enforce" is not one of Set, Delete, Learn, Ignore',
        ],
        [
            "a Delete with a spec beyond the tier",
            staged("StagedNetworkPolicy", "x", "{stagedAction: Delete, tier: default, selector: all(), ingress: []}", "lab"),
            "StagedNetworkPolicy lab/x: spec.selector: stagedAction Delete stages the removal of the enforced policy of this name and takes no spec but the tier: spec.selector, spec.ingress are set",
        ],
        [
            "a Kubernetes Delete with policyTypes",
            staged("StagedKubernetesNetworkPolicy", "x", "{stagedAction: Delete, policyTypes: [Ingress]}", "lab"),
            "spec.policyTypes: stagedAction Delete stages the removal of the enforced policy of this name and takes no spec: spec.policyTypes is set",
        ],
        [
            "a name with two dots",
            staged("StagedNetworkPolicy", "a.b.c", "{selector: all()}", "lab"),
            'metadata.name: "a.b.c" is not a lower-case DNS label, or two joined by a dot',
        ],
        [
            "the converted policies' prefix",
            staged("StagedNetworkPolicy", "knp.default.x", "{selector: all()}", "lab"),
            '"knp.default." names the policies Calico converts',
        ],
        [
            "an unquoted selector value",
            staged("StagedGlobalNetworkPolicy", "x", "{selector: app == web}"),
            "StagedGlobalNetworkPolicy x: spec.selector: malformed selector",
        ],
        ["an unknown field", staged("StagedGlobalNetworkPolicy", "x", "{selector: all(), ingres: []}"), "StagedGlobalNetworkPolicy x: spec"],
        [
            "a bad net",
            staged("StagedGlobalNetworkPolicy", "x", "{selector: all(), ingress: [{action: Allow, source: {nets: ['10.0.0.1/8']}}]}"),
            "spec.ingress[0].source.nets[0]",
        ],
        [
            "ports without a protocol",
            staged("StagedNetworkPolicy", "x", "{selector: all(), ingress: [{action: Allow, destination: {ports: [80]}}]}", "lab"),
            "StagedNetworkPolicy lab/x",
        ],
        [
            "preDNAT without applyOnForward",
            staged("StagedGlobalNetworkPolicy", "x", "{selector: all(), preDNAT: true, ingress: [{action: Deny}]}"),
            "StagedGlobalNetworkPolicy x",
        ],
        [
            "a tier that does not exist",
            staged("StagedGlobalNetworkPolicy", "security.x", "{tier: security, selector: all()}"),
            'spec.tier: tier "security" does not exist',
        ],
        [
            "a Kubernetes port name that is no IANA name",
            staged("StagedKubernetesNetworkPolicy", "x", "{podSelector: {}, ingress: [{ports: [{port: Not_A_Name}]}]}", "lab"),
            "StagedKubernetesNetworkPolicy lab/x: spec.ingress[0].ports[0].port",
        ],
    ])("refuses %s, naming the staged object and key", (_what, yaml, message) => {
        expect(() => modelOf(cluster + yaml, { calicoVersion: "3.30.3" })).toThrow(message);
    });

    it.each([
        [
            "a Delete with its tier and the types the client drops",
            staged("StagedGlobalNetworkPolicy", "x", "{stagedAction: Delete, tier: default, types: [Ingress]}"),
        ],
        ["a Kubernetes Delete with an empty podSelector", staged("StagedKubernetesNetworkPolicy", "x", "{stagedAction: Delete, podSelector: {}}", "lab")],
        [
            "Learn and Ignore",
            staged("StagedGlobalNetworkPolicy", "x", "{stagedAction: Learn, selector: all()}") +
                staged("StagedGlobalNetworkPolicy", "w", "{stagedAction: Ignore}"),
        ],
        ["a tiered name", staged("StagedGlobalNetworkPolicy", "default.x", "{selector: all()}")],
    ])("accepts %s", (_what, yaml) => {
        expect(() => modelOf(cluster + yaml, { calicoVersion: "3.31.7" })).not.toThrow();
    });

    it("on v3.28 and v3.29, which do not serve the staged kinds, leaves them out saying so (as any kind a release lacks)", () => {
        for (const version of ["3.28.5", "3.29.7"]) {
            const model = modelOf(cluster + staged("StagedGlobalNetworkPolicy", "deny-web", "{selector: app == 'web', types: [Ingress]}"), {
                calicoVersion: version,
            });
            expect(model.warnings.join("\n")).toContain(
                `StagedGlobalNetworkPolicy deny-web (projectcalico.org/v3) is not served by Calico v${version} and is left out of the verdicts: Calico serves the staged kinds from v3.30.0`,
            );
            expect(verdict(model, "other/client", "lab/web", 8080).allowed).toBe(true);
        }
    });
});

describe("a staged policy changes no verdict", () => {
    it("the matrix with the staged policies equals the matrix without them, in every release serving them", () => {
        const text = fs.readFileSync(LOCKDOWN, "utf8");
        const stagedText = fs.readFileSync(STAGED, "utf8");
        for (const calicoVersion of ["3.30.0", "3.31.7", "3.32.1"]) {
            const without = connectivityMatrix(modelOf(text, { calicoVersion }), { nodePorts: ["10250/TCP", "22/TCP"] });
            const withStaged = modelOf(`${text}\n---\n${stagedText}`, { calicoVersion });
            expect(connectivityMatrix(withStaged, { nodePorts: ["10250/TCP", "22/TCP"] })).toEqual(without);
            expect(withStaged.warnings.filter((w) => w.includes("is not enforced")).length).toBe(3);
        }
    });
});

describe("enforcing staged policies (staged.ts)", () => {
    const objects = parseManifests(
        deployment("lab", "web", { app: "web" }) +
            `---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-open, namespace: lab}
spec: {selector: all(), ingress: [{action: Allow}]}
` +
            staged("StagedNetworkPolicy", "web-open", "{selector: all(), types: [Ingress]}", "lab") +
            staged("StagedGlobalNetworkPolicy", "gone", "{stagedAction: Delete}") +
            staged("StagedKubernetesNetworkPolicy", "web-deny", "{podSelector: {}}", "lab"),
        "test.yaml",
    );

    it("Set replaces the enforced policy of the same name, Delete of a missing one deletes nothing, a new one is created", () => {
        const { objects: enforced, changes } = enforceStaged(objects);
        expect(changes.map((c) => `${c.action} ${c.effect} ${c.policy}`)).toEqual([
            "Set replaces np:lab/web-open",
            "Delete deletes nothing gnp:gone",
            "Set creates knp:lab/web-deny",
        ]);
        expect(enforced.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
            "apps/v1 Deployment web",
            "projectcalico.org/v3 NetworkPolicy web-open",
            "networking.k8s.io/v1 NetworkPolicy web-deny",
        ]);
        expect(enforced[1]!.spec).toEqual({ selector: "all()", types: ["Ingress"] });
    });
});

describe("analyze --staged", () => {
    it("names each staged policy and what enforcing it does, then each changed flow with the rule deciding it before and after", () => {
        const { code, stdout } = run(LOCKDOWN, STAGED, "--staged");
        expect(code).toBe(0);
        expect(stdout).toContain(
            [
                "enforcing 3 staged policies (as Calico v3.30.3 would then enforce):",
                "  StagedNetworkPolicy lab/world-to-proxy (stagedAction Delete): deletes np:lab/world-to-proxy",
                "  StagedGlobalNetworkPolicy host-default-deny (stagedAction Set): creates gnp:host-default-deny",
                "  StagedKubernetesNetworkPolicy other/client-egress (stagedAction Set): creates knp:other/client-egress",
            ].join("\n"),
        );
        // The Delete: the world loses the proxy, which world-to-proxy allowed.
        expect(stdout).toContain(
            "- external:203.0.113.10 -> lab/helloworld-proxy 8080/TCP\n" +
                "    before: allowed: no pre-DNAT rule matched at hostendpoint:node-auto-hep: continues to normal policy; no applyOnForward policy selects hostendpoint:node-auto-hep: forwarded traffic is allowed; allowed by np:lab/world-to-proxy ingress[0] (tier default)\n" +
                "    after:  blocked at lab/helloworld-proxy's ingress: denied at the end of tier default: gnp:lab-default-deny selects ingress of lab/helloworld-proxy but no rule matches\n",
        );
        // The host endpoints: the staged default deny cuts the node's own egress and the kubelet's port, not SSH (its rule) or the failsafe ports.
        expect(stdout).toContain(
            "- node:node -> external:1.1.1.1 443/TCP\n" +
                "    before: allowed: no policy selects egress of hostendpoint:node-auto-hep: allowed by profile projectcalico-default-allow\n" +
                "    after:  blocked leaving the host (policy of hostendpoint:node-auto-hep): denied at the end of tier default: gnp:host-default-deny selects egress of hostendpoint:node-auto-hep but no rule matches\n",
        );
        expect(stdout).toContain("- external:203.0.113.10 -> node:node 10250/TCP\n");
        expect(stdout).not.toContain("- external:203.0.113.10 -> node:node 22/TCP");
        // The StagedKubernetesNetworkPolicy, by the name Calico gives the policy it stages.
        expect(stdout).toContain(
            "after:  blocked at other/client's egress: denied at the end of tier default: knp:other/client-egress selects egress of other/client",
        );
        expect(stdout).not.toMatch(/^\+ /m);
    });

    it("a staged policy opening a flow adds it, with the rule that would allow it; --exit-code exits 1", () => {
        const dir = temporaryDirectory("staged");
        const open = path.join(dir, "open.yaml");
        fs.writeFileSync(
            open,
            staged(
                "StagedNetworkPolicy",
                "client-to-app",
                "{order: 50, selector: app == 'helloworld', types: [Ingress], ingress: [{action: Allow, protocol: TCP, source: {namespaceSelector: projectcalico.org/name == 'other'}, destination: {ports: [8080]}}]}",
                "lab",
            ),
        );
        const { code, stdout } = run("--exit-code", LOCKDOWN, open, "--staged");
        expect(code).toBe(1);
        expect(stdout).toContain(
            "+ other/client -> lab/helloworld 8080/TCP\n" +
                "    before: blocked at lab/helloworld's ingress: denied at the end of tier default: np:lab/app-from-proxy, gnp:lab-default-deny select ingress of lab/helloworld but no rule matches\n" +
                "    after:  allowed: no policy selects egress of other/client: allowed by the namespace profile kns.other; allowed by np:lab/client-to-app ingress[0] (tier default)\n",
        );
    });

    it("prints JSON and JSON Lines", () => {
        const json = JSON.parse(run(LOCKDOWN, STAGED, "--staged", "--format", "json").stdout);
        expect(json.calicoVersion).toBe("v3.30.3");
        expect(json.staged[0]).toEqual({
            kind: "StagedNetworkPolicy",
            namespace: "lab",
            name: "world-to-proxy",
            stagedAction: "Delete",
            policy: "np:lab/world-to-proxy",
            effect: "deletes",
        });
        expect(json.added).toEqual([]);
        expect(json.removed).toContainEqual(expect.objectContaining({ src: "node:node", dst: "external:1.1.1.1", port: 443, protocol: "TCP" }));
        const lines = run(LOCKDOWN, STAGED, "--staged", "--format", "jsonl")
            .stdout.trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(lines[0]).toEqual({ staged: json.staged[0], calicoVersion: "v3.30.3" });
        expect(lines.filter((l) => l.change === "removed")).toHaveLength(json.removed.length);
    });

    it("exits 2 on a release without staged kinds, and on input without staged policies", () => {
        const old = run(LOCKDOWN, STAGED, "--staged", "--calico-version", "3.29");
        expect(old.code).toBe(2);
        expect(old.stderr).toContain("error: --staged: Calico v3.29.7 does not serve the staged kinds, so nothing can be staged there");
        const none = run(LOCKDOWN, "--staged");
        expect(none.code).toBe(2);
        expect(none.stderr).toContain("error: --staged: the input holds no staged policy");
    });

    it("with a focus, shows the changed flows between focused endpoints only", () => {
        const { stdout } = run(LOCKDOWN, STAGED, "--staged", "--namespace", "other", "--format", "json");
        const flows = JSON.parse(stdout).removed as { src: string; dst: string }[];
        expect(flows.length).toBeGreaterThan(0);
        for (const flow of flows) for (const end of [flow.src, flow.dst]) expect(end).toMatch(/^(other\/|external:|node:)/);
    });
});
