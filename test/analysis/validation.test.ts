// One definition of a valid object (analysis/validation): the API servers' schemas with unknown
// fields refused, then their semantic rules. Every input error is exit 2 naming file, document,
// object and key; what Kubernetes or Calico accept is accepted.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeText, LAB_SERVER } from "./helpers";
import { buildModel, parseManifests, query } from "../../analysis";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "analyzer-validation-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BASE = `${LAB_SERVER}---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: lab, labels: {app: client}}
spec: {containers: [{name: c, image: nginx}]}
`;

function analyze(text: string) {
    return analyzeText(tmp, BASE, text, ["--query", "lab/client", "lab/server", "80"]);
}

const refused = (text: string, message: RegExp) => {
    const { code, stderr } = analyze(text);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    expect(code).toBe(2);
};

describe("unknown fields are refused, as kubectl's strict validation and Calico's API server do", () => {
    it("a NetworkPolicy rule with form: (for from:) is not an allow-all", () => {
        refused(
            `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: lab}
spec:
  podSelector: {}
  ingress: [{form: [{podSelector: {matchLabels: {app: nobody}}}]}]
`,
            /\(document 4\): NetworkPolicy lab\/typo: spec\.ingress\[0\]\.form: unknown field "form" \(did you mean "from"\?\)/,
        );
    });

    it("a Calico rule with destinaton: is refused", () => {
        refused(
            `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: typo, namespace: lab}
spec:
  selector: all()
  ingress: [{action: Allow, destinaton: {ports: [80]}, protocol: TCP}]
`,
            /NetworkPolicy lab\/typo: spec\.ingress\[0\]\.destinaton: unknown field "destinaton" \(did you mean "destination"\?\)/,
        );
    });
});

describe("values of the wrong type are exit 2 naming the key, never a crash", () => {
    it.each([
        [
            "container ports given as a string",
            `
apiVersion: v1
kind: Pod
metadata: {name: strange, namespace: lab}
spec: {containers: [{name: c, image: nginx, ports: "80"}]}
`,
            /Pod lab\/strange: spec\.containers\[0\]\.ports: expected a list, got "80"/,
        ],
        [
            "an IPPool cidr as a number",
            `
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pool}
spec: {cidr: 10}
`,
            /IPPool pool: spec\.cidr: expected a string, got 10/,
        ],
        [
            "a NetworkSet nets as a map",
            `
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: nets, namespace: lab}
spec: {nets: {a: 10.0.0.0/8}}
`,
            /NetworkSet lab\/nets: spec\.nets: expected a list, got a map/,
        ],
        [
            "a Calico selector nested thousands of parentheses deep",
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deep}
spec: {selector: "${"(".repeat(5000)}all()${")".repeat(5000)}", ingress: [{action: Allow}]}
`,
            /GlobalNetworkPolicy deep: spec\.selector: malformed selector: parentheses nested more than 500 deep/,
        ],
        [
            "a label value that is a number",
            `
apiVersion: v1
kind: Pod
metadata: {name: labelled, namespace: lab, labels: {version: 1.2}}
spec: {containers: [{name: c, image: nginx}]}
`,
            /Pod lab\/labelled: metadata\.labels\.version: expected a string, got 1\.2/,
        ],
    ])("%s", (_what, text, message) => refused(text, message));
});

describe("the API servers' semantic rules", () => {
    it.each([
        [
            "a Deployment whose selector does not match its template",
            `
apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatch, namespace: lab}
spec:
  selector: {matchLabels: {app: a}}
  template: {metadata: {labels: {app: b}}, spec: {containers: [{name: c, image: nginx}]}}
`,
            /Deployment lab\/mismatch: spec\.selector: selector does not match template labels/,
        ],
        [
            "a label key with a space",
            `
apiVersion: v1
kind: Pod
metadata: {name: badkey, namespace: lab, labels: {"my app": x}}
spec: {containers: [{name: c, image: nginx}]}
`,
            /metadata\.labels\.my app: label key "my app" is not a qualified name/,
        ],
        [
            "a nodePort outside 30000-32767",
            `
apiVersion: v1
kind: Service
metadata: {name: np, namespace: lab}
spec: {type: NodePort, selector: {app: server}, ports: [{port: 80, nodePort: 8080}]}
`,
            /Service lab\/np: spec\.ports\[0\]\.nodePort: provided port 8080 is not in the valid range 30000-32767/,
        ],
        [
            "a nodePort used by two Services",
            `
apiVersion: v1
kind: Service
metadata: {name: one, namespace: lab}
spec: {type: NodePort, selector: {app: server}, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: v1
kind: Service
metadata: {name: two, namespace: lab}
spec: {type: NodePort, selector: {app: server}, ports: [{port: 81, nodePort: 30080}]}
`,
            /Service lab\/two: spec\.ports\[0\]\.nodePort: provided port 30080 is already allocated \(Service lab\/one\)/,
        ],
        [
            "a lower-case Kubernetes protocol",
            `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: proto, namespace: lab}
spec: {podSelector: {}, ingress: [{ports: [{port: 80, protocol: tcp}]}]}
`,
            /spec\.ingress\[0\]\.ports\[0\]\.protocol: protocol "tcp" is not one of "TCP", "UDP", "SCTP" \(case-sensitive\)/,
        ],
        [
            "a lower-case Calico protocol",
            `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: proto, namespace: lab}
spec: {selector: all(), ingress: [{action: Allow, protocol: tcp, destination: {ports: [80]}}]}
`,
            /spec\.ingress\[0\]\.protocol: protocol name "tcp" is invalid/,
        ],
        [
            "ipVersion 6 with IPv4 nets",
            `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: v6, namespace: lab}
spec: {selector: all(), ingress: [{action: Allow, ipVersion: 6, source: {nets: [10.0.0.0/8]}}]}
`,
            /spec\.ingress\[0\]\.source\.nets: rule IP version 6 doesn't match the CIDR version/,
        ],
        [
            "preDNAT without applyOnForward",
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: prednat}
spec: {selector: all(), preDNAT: true, ingress: [{action: Deny}]}
`,
            /GlobalNetworkPolicy prednat: spec\.applyOnForward: preDNAT requires applyOnForward: true/,
        ],
        [
            "preDNAT with egress rules",
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: prednat}
spec: {selector: all(), preDNAT: true, applyOnForward: true, egress: [{action: Deny}]}
`,
            /GlobalNetworkPolicy prednat: spec\.egress: a preDNAT policy can only have ingress rules/,
        ],
    ])("refuses %s", (_what, text, message) => refused(text, message));

    it("accepts what Calico accepts: a named port with an underscore, a tier, a Tier", () => {
        const { code, stdout, stderr } = analyze(`
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: named, namespace: lab}
spec:
  tier: security
  selector: app == 'server'
  ingress: [{action: Deny, protocol: TCP, destination: {ports: [my_port]}}, {action: Allow}]
`);
        expect(stderr).toBe("");
        expect(code).toBe(0);
        expect(JSON.parse(stdout).allowed).toBe(true);
    });

    it("accepts a null value like a missing one (creationTimestamp: null, as kubectl writes it)", () => {
        const objects = parseManifests(`${BASE.replace("metadata: {name: lab}", "metadata: {name: lab, creationTimestamp: null}")}`, "null.yaml");
        expect(query(buildModel(objects), { src: "lab/client", dst: "lab/server", port: 80 }).allowed).toBe(true);
    });
});
