// Every Calico release from v3.28 to v3.32, judged as that release enforces it (issue 23): which kinds
// it converts, its tiers and orders, its conversion quirks and validator rules (analysis/model/calico-releases.ts,
// each row citing the projectcalico/calico file and tag it was read from). A test per release boundary.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { calicoRelease, DEFAULT_CALICO_VERSION } from "../../analysis";
import { runCli } from "../../analysis/consumers/cli";
import { deployment, modelOf, verdict } from "./helpers";

const pods =
    deployment("a", "web", { app: "web" }, "[{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]") +
    deployment("b", "client", { app: "client" });

const anpDeny = `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-b}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]
`;
const banpDeny = `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]
`;
const cnpDeny = `---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-b}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]
`;
const tieredDeny = `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny-b}
spec:
  tier: security
  selector: app == 'web'
  ingress: [{action: Deny, source: {namespaceSelector: kubernetes.io/metadata.name == 'b'}}]
`;
const stagedDeny = `---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: deny-b}
spec:
  selector: app == 'web'
  ingress: [{action: Deny}]
`;

const judge = (yaml: string, version: string) => {
    const model = modelOf(pods + yaml, { calicoVersion: version });
    return { allowed: verdict(model, "b/client", "a/web", 8080).allowed, warnings: model.warnings.join("\n") };
};

describe("which kinds each release enforces: a kind it does not is left out with a warning naming object and release", () => {
    it.each([
        // kind, object, last release without, first release with, [last release with, first release without]
        ["Tier (and policies in it)", tieredDeny, "3.28.5", "3.29.0", undefined, undefined],
        ["AdminNetworkPolicy", anpDeny, "3.28.5", "3.29.0", "3.31.7", "3.32.0"],
        ["BaselineAdminNetworkPolicy", banpDeny, "3.29.7", "3.30.0", "3.31.7", "3.32.0"],
        ["ClusterNetworkPolicy", cnpDeny, "3.31.7", "3.32.0", undefined, undefined],
    ])("%s", (_kind, yaml, before, from, last, after) => {
        for (const version of [before, after].filter((v): v is string => v !== undefined)) {
            const { allowed, warnings } = judge(yaml, version);
            expect(allowed, `v${version}`).toBe(true);
            expect(warnings).toMatch(
                new RegExp(`is not enforced by Calico v${version.replace(/\./g, "\\.")}|which Calico v${version.replace(/\./g, "\\.")} cannot have`),
            );
        }
        for (const version of [from, last].filter((v): v is string => v !== undefined)) {
            const { allowed, warnings } = judge(yaml, version);
            expect(allowed, `v${version}`).toBe(false);
            expect(warnings).not.toMatch(/not enforced|cannot have/);
        }
    });

    it("v3.30.7 -> v3.31.0 changes nothing the table holds: the same kinds, tiers and verdicts", () => {
        const all = anpDeny + banpDeny + cnpDeny + tieredDeny + stagedDeny;
        const [late30, early31] = ["3.30.7", "3.31.0"].map((version) => modelOf(pods + all, { calicoVersion: version }));
        expect([...early31!.tiers.keys()]).toEqual([...late30!.tiers.keys()]);
        expect(early31!.policies.map((p) => p.ref.id)).toEqual(late30!.policies.map((p) => p.ref.id));
        expect(early31!.warnings.join("\n").replace(/3\.31\.0/g, "V")).toBe(late30!.warnings.join("\n").replace(/3\.30\.7/g, "V"));
    });

    it("names the object, the release and why", () => {
        expect(judge(anpDeny, "3.32.0").warnings).toContain(
            "AdminNetworkPolicy deny-b (policy.networking.k8s.io/v1alpha1) is not enforced by Calico v3.32.0 " +
                "and is left out of the verdicts: Calico converts AdminNetworkPolicy from v3.29.0 to v3.31.x; v3.32.0 removed it for ClusterNetworkPolicy",
        );
        expect(judge(tieredDeny, "3.28.5").warnings).toContain(
            'GlobalNetworkPolicy security.deny-b (projectcalico.org/v3) is in tier "security", which Calico v3.28.5 cannot have',
        );
    });

    it("still refuses an admin policy its API refuses when the release leaves it out (the CRD validates it whatever Calico runs)", () => {
        const bad = cnpDeny.replace(
            "from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]",
            "from: [{namespaces: {}}], protocols: [{tcp: {}}]}]",
        );
        expect(() => modelOf(pods + bad, { calicoVersion: "3.30.3" })).toThrow(
            "ClusterNetworkPolicy deny-b: spec.ingress[0].protocols[0].tcp: tcp needs destinationPort",
        );
    });

    it("never enforces staged policies, in any release: not served before v3.30.0, served and not enforced from it", () => {
        for (const version of ["3.28", "3.29", "3.30", "3.32"]) {
            const { allowed, warnings } = judge(stagedDeny, version);
            expect(allowed).toBe(true);
            const served = calicoRelease(version).parts[1] >= 30;
            expect(warnings).toContain(
                `StagedGlobalNetworkPolicy deny-b (projectcalico.org/v3) is not ${served ? "enforced" : "served"} by Calico v${calicoRelease(version).version}`,
            );
        }
    });

    it("has the tiers of the release: kube-admin from v3.32.0, adminnetworkpolicy v3.29.0 to v3.31.x", () => {
        const gnp = (tier: string) =>
            `---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${tier}.x}\nspec: {tier: ${tier}, selector: all(), ingress: [{action: Allow}]}\n`;
        expect(() => modelOf(pods + gnp("kube-admin"), { calicoVersion: "3.31.7" })).toThrow('tier "kube-admin" does not exist');
        expect(() => modelOf(pods + gnp("kube-admin"), { calicoVersion: "3.32.0" })).not.toThrow();
        expect(() => modelOf(pods + gnp("adminnetworkpolicy"), { calicoVersion: "3.31.7" })).not.toThrow();
        expect(() => modelOf(pods + gnp("adminnetworkpolicy"), { calicoVersion: "3.32.0" })).toThrow('tier "adminnetworkpolicy" does not exist');
    });
});

describe("BaselineAdminNetworkPolicy is order 1,000 in its tier (conversion.go K8sBaselineAdminNetworkPolicyToCalico, v3.30.0-v3.31.7)", () => {
    const gnp = (order: number) => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: baselineadminnetworkpolicy.allow-b}
spec:
  tier: baselineadminnetworkpolicy
  order: ${order}
  selector: app == 'web'
  ingress: [{action: Allow, source: {namespaceSelector: kubernetes.io/metadata.name == 'b'}}]
`;
    it("an order-500 GlobalNetworkPolicy of that tier runs before it, an order-2000 one after it", () => {
        const early = modelOf(pods + banpDeny + gnp(500), { calicoVersion: "3.30.3" });
        expect(early.policies.map((p) => p.ref.id)).toEqual(["gnp:baselineadminnetworkpolicy.allow-b", "banp:default"]);
        expect(verdict(early, "b/client", "a/web", 8080).allowed).toBe(true);
        const late = modelOf(pods + banpDeny + gnp(2000), { calicoVersion: "3.31.7" });
        expect(late.policies.map((p) => p.ref.id)).toEqual(["banp:default", "gnp:baselineadminnetworkpolicy.allow-b"]);
        expect(verdict(late, "b/client", "a/web", 8080).allowed).toBe(false);
    });
});

describe("named ports of the admin policies, as each release converts them", () => {
    const anpNamed = `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-metrics}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}
  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{namedPort: metrics}]}]
`;
    it("v3.29-v3.31 leave an AdminNetworkPolicy's namedPort unconverted: the rule matches every port, with a warning that the API means that port alone", () => {
        for (const version of ["3.29.0", "3.31.7"]) {
            const model = modelOf(pods + anpNamed, { calicoVersion: version });
            expect(verdict(model, "b/client", "a/web", 9090).allowed).toBe(false);
            expect(verdict(model, "b/client", "a/web", 8080).allowed, `v${version}: every port`).toBe(false);
            expect(verdict(model, "b/client", "a/web", "8080/UDP").allowed, `v${version}: every protocol`).toBe(false);
            expect(model.warnings.join("\n")).toContain(
                `anp:deny-metrics spec.ingress[0].ports[0].namedPort "metrics": Calico v${version} does not convert named ports`,
            );
        }
    });
    it("v3.32.0 converts a ClusterNetworkPolicy's destinationNamedPort (projectcalico/calico#11916): that port alone, no failing closed", () => {
        const cnp = cnpDeny.replace(
            "from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]",
            "from: [{namespaces: {}}], protocols: [{destinationNamedPort: metrics}]}]",
        );
        const model = modelOf(pods + cnp, { calicoVersion: "3.32.0" });
        expect(verdict(model, "b/client", "a/web", 9090).allowed).toBe(false);
        expect(verdict(model, "b/client", "a/web", 8080).allowed).toBe(true);
        expect(model.warnings.join("\n")).not.toMatch(/fails closed/);
    });
});

describe("validator rules, per release (libcalico-go lib/validator/v3/validator.go validateRule)", () => {
    const rule = (yaml: string) =>
        `---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: r}\nspec:\n  selector: app == 'web'\n  ingress: [${yaml}]\n`;
    const catchAll = rule("{action: Allow, source: {notNets: [0.0.0.0/0]}}");
    it("refuses notNets [0.0.0.0/0] from v3.29.6 and v3.30.3 (and v3.31.0 on), not before", () => {
        for (const version of ["3.29.6", "3.30.3", "3.31.0", "3.32.0"]) {
            expect(() => modelOf(pods + catchAll, { calicoVersion: version }), version).toThrow(
                `spec.ingress[0].source.notNets[0]: catch-all CIDR "0.0.0.0/0" in notNets matches no traffic: Calico v${version} refuses it`,
            );
        }
        for (const version of ["3.28.5", "3.29.5", "3.30.2"]) expect(() => modelOf(pods + catchAll, { calicoVersion: version }), version).not.toThrow();
    });
    it("where the release accepts a catch-all notNets, warns that Felix cannot program it (observed on the real v3.28 cluster: Felix panicked)", () => {
        for (const version of ["3.28.5", "3.29.5", "3.30.2"]) {
            const warnings = modelOf(pods + catchAll, { calicoVersion: version }).warnings.join("\n");
            expect(warnings, version).toContain(`GlobalNetworkPolicy r: spec.ingress[0].source.notNets[0] "0.0.0.0/0": Calico v${version} accepts it`);
            expect(warnings, version).toContain("Felix panics after its retries");
        }
        expect(modelOf(pods + rule("{action: Allow, source: {notNets: [10.0.0.0/8]}}"), { calicoVersion: "3.28.5" }).warnings.join("\n")).not.toContain(
            "notNets",
        );
    });
    it.each([
        [
            "icmp fields with protocol TCP (was read as a plain TCP Allow)",
            "{action: Allow, protocol: TCP, icmp: {type: 8}}",
            "spec.ingress[0].icmp: rules that specify ICMP fields must set protocol to ICMP or ICMPv6",
        ],
        [
            "an icmp code without a type (validateICMPFields)",
            "{action: Allow, protocol: ICMP, icmp: {code: 0}}",
            "spec.ingress[0].icmp.code: ICMP code specified without an ICMP type",
        ],
        [
            "ports with protocol UDPLite (numorstring SupportsPorts)",
            "{action: Allow, protocol: UDPLite, destination: {ports: [8080]}}",
            "spec.ingress[0].destination.ports: a rule with ports needs protocol TCP, UDP or SCTP",
        ],
    ])("refuses %s in every release", (_what, yaml, message) => {
        for (const version of ["3.28.0", "3.32.1"]) expect(() => modelOf(pods + rule(yaml), { calicoVersion: version })).toThrow(message);
    });
    it("accepts named ports without a protocol from v3.32.0 (numorstring.AllPortsAreNamed), not before", () => {
        const named = rule("{action: Deny, destination: {ports: [metrics]}}, {action: Allow}");
        expect(() => modelOf(pods + named, { calicoVersion: "3.31.7" })).toThrow(
            "a rule with ports needs protocol TCP, UDP or SCTP; Calico v3.31.7 refuses it otherwise",
        );
        const model = modelOf(pods + named, { calicoVersion: "3.32.0" });
        expect(verdict(model, "b/client", "a/web", 9090).allowed).toBe(false);
        expect(verdict(model, "b/client", "a/web", 8080).allowed).toBe(true);
    });
});

describe("IPPool fields, per release (api/pkg/apis/projectcalico/v3/ippool.go at each tag)", () => {
    const pool = (spec: string) => `---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.244.0.0/16, ${spec}}\n`;
    it.each([
        ["assignmentMode: Manual", "assignmentMode", ["3.30.0", "3.32.1"], ["3.28.5", "3.29.7"]],
        ["namespaceSelector: all()", "namespaceSelector", ["3.31.0", "3.32.1"], ["3.30.7"]],
        ["ipip: {enabled: true}", "ipip", ["3.28.5", "3.31.7"], ["3.32.0"]],
        ["nat-outgoing: true", "nat-outgoing", ["3.28.5", "3.31.7"], ["3.32.0"]],
    ] as const)("%s: accepted where the release serves it, refused as unknown elsewhere", (spec, field, accepted, refused) => {
        for (const version of accepted) expect(() => modelOf(pods + pool(spec), { calicoVersion: version }), version).not.toThrow();
        for (const version of refused) {
            expect(() => modelOf(pods + pool(spec), { calicoVersion: version }), version).toThrow(
                `spec.${field}: unknown field "${field}": the IPPool of Calico v${version} has no such field`,
            );
        }
    });
    it("refuses an assignmentMode the API does not know (enum Automatic, Manual)", () => {
        expect(() => modelOf(pods + pool("assignmentMode: Sometimes"), { calicoVersion: "3.30.3" })).toThrow('"Sometimes" is not one of "Automatic", "Manual"');
    });
});

describe("the release setting", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "analyzer-releases-"));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const run = (args: string[]) => {
        let stdout = "",
            stderr = "";
        const code = runCli(args, {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        });
        return { code, stdout, stderr };
    };

    it("defaults to the release the lab installs (config.ts calicoVersion)", () => {
        expect(DEFAULT_CALICO_VERSION).toBe("v3.30.3");
        expect(calicoRelease().version).toBe("3.30.3");
        expect(calicoRelease("3.31").version).toBe("3.31.7");
        expect(calicoRelease("v3.28.0").version).toBe("3.28.0");
    });
    it("refuses a release it does not model with exit 2 before any file is read", () => {
        for (const bad of ["3.27.4", "3.33.0", "latest"]) {
            const { code, stderr } = run([path.join(tmp, "missing.yaml"), "--calico-version", bad]);
            expect(code).toBe(2);
            expect(stderr).toContain(
                `--calico-version: Calico release ${JSON.stringify(bad)} is not modelled: expected a Calico release from v3.28.0 to v3.32.1`,
            );
            expect(stderr).not.toMatch(/missing\.yaml|\n\s+at /);
        }
    });
    it("--calico-version chooses the release analyze judges", () => {
        const file = path.join(tmp, "anp.yaml");
        fs.writeFileSync(file, pods + anpDeny);
        const args = [file, "--query", "b/client", "a/web", "8080"];
        expect(run([...args, "--calico-version", "3.28"]).stdout).toMatch(/^ALLOWED/);
        expect(run([...args, "--calico-version", "v3.29.0"]).stdout).toMatch(/^BLOCKED/);
        expect(run([...args, "--calico-version", "3.28"]).stderr).toContain(
            "AdminNetworkPolicy deny-b (policy.networking.k8s.io/v1alpha1) is not enforced by Calico v3.28.5",
        );
    });
});

describe("ties of order, as each release's Felix breaks them (calico-releases.ts POLICY_KEYS)", () => {
    const tie =
        `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: z-deny}
spec: {order: 100, selector: app == 'web', ingress: [{action: Deny}]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a-allow, namespace: shop}
spec: {order: 100, selector: app == 'web', ingress: [{action: Allow}]}
` + deployment("shop", "web", { app: "web" });
    it("v3.28-v3.31 compare stored names (default.z-deny < shop/default.a-allow), v3.32.0 <name>/<namespace>/<kind> (a-allow first)", () => {
        const before = modelOf(pods + tie, { calicoVersion: "3.31.7" });
        expect(before.policies.map((p) => p.ref.id)).toEqual(["gnp:z-deny", "np:shop/a-allow"]);
        expect(verdict(before, "b/client", "shop/web", 8080).allowed).toBe(false);
        const after = modelOf(pods + tie, { calicoVersion: "3.32.0" });
        expect(after.policies.map((p) => p.ref.id)).toEqual(["np:shop/a-allow", "gnp:z-deny"]);
        expect(verdict(after, "b/client", "shop/web", 8080).allowed).toBe(true);
    });
});
