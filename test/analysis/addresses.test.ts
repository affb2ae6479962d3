// Addresses, CIDRs and nodePorts as the API servers read them (issue 23): a value the cluster refuses
// is exit 2 naming file, object, key, value and what is accepted, never silently dropped; a valid IPv6
// value is known to be IPv6 (the IPv4 model leaves it out) and a dual-stack cluster is judged for IPv4.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeText, LAB_SERVER } from "./helpers";
import { parseCIDRText, parseIP } from "../../analysis/ip-text";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "analyzer-addresses-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function analyze(text: string, args: string[] = ["--query", "external:203.0.113.10", "lab/server", "80"]) {
    return analyzeText(tmp, LAB_SERVER, text, args);
}

function refused(text: string, message: RegExp) {
    const { code, stderr, file } = analyze(text);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    expect(code).toBe(2);
}

describe("Go's net.ParseIP / ParseCIDR, as the API servers parse addresses (analysis/ip-text.ts)", () => {
    it("reads IPv4 and IPv6 in their usual and compressed forms", () => {
        expect(parseIP("10.0.0.1")).toEqual({ family: 4, value: 0x0a000001 });
        expect(parseIP("fd00::1")?.family).toBe(6);
        expect(parseIP("::ffff:10.0.0.1")).toMatchObject({ family: 6, mapped4: true });
        expect(parseIP("1:2:3:4:5:6:7::")?.family).toBe(6);
        expect(parseCIDRText("fd00::/64")).toMatchObject({ family: 6, prefix: 64, masked: true });
        expect(parseCIDRText("10.0.0.1/24")).toMatchObject({ family: 4, prefix: 24, masked: false });
    });
    it("refuses what Go refuses: a colon is not IPv6 by itself", () => {
        for (const text of ["not:a:cidr", "203.0.113.0:24", "1:2:3:4:5:6:7:8::", "1::2::3", "fe80::1%eth0", "1.2.3", "256.1.1.1", ":1::", "12345::"]) {
            expect(parseIP(text), text).toBeUndefined();
        }
        expect(parseIP("010.0.0.1")).toBeUndefined(); // Go 1.17+: no leading zeros
        expect(parseIP("010.0.0.1", "kubernetes")?.family).toBe(4); // ParseIPSloppy
        expect(parseCIDRText("10.0.0.0")).toBeUndefined(); // a CIDR needs its prefix
        expect(parseCIDRText("10.0.0.0/33")).toBeUndefined();
        expect(parseCIDRText("::ffff:10.0.0.0/120", "cel")).toBeUndefined(); // CEL isCIDR: no IPv4-mapped addresses
    });
});

describe("invalid addresses are refused before any verdict", () => {
    it("a Calico Deny rule's nets ['203.0.113.0:24'] is refused, not dropped (the flow it denies was reported ALLOWED)", () => {
        refused(
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-partner}
spec:
  selector: app == 'server'
  ingress: [{action: Deny, source: {nets: ['203.0.113.0:24']}}, {action: Allow}]
`,
            /GlobalNetworkPolicy deny-partner: spec\.ingress\[0\]\.source\.nets\[0\]: "203\.0\.113\.0:24" is not a valid address here: expected an IPv4 or IPv6 network/,
        );
    });
    it("a valid IPv6 net in a Deny rule is IPv6: the IPv4 flow is judged by the next rule", () => {
        const { code, stdout } = analyze(`
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-v6}
spec:
  selector: app == 'server'
  ingress: [{action: Deny, source: {nets: ['2001:db8::/32']}}, {action: Allow}]
`);
        expect(code).toBe(0);
        expect(JSON.parse(stdout).allowed).toBe(true);
    });
    it("a Calico rule net with bits after its prefix is refused (libcalico-go validateIPNetwork)", () => {
        refused(
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: unmasked}
spec:
  selector: app == 'server'
  ingress: [{action: Allow, source: {nets: ['203.0.113.10/24']}}]
`,
            /spec\.ingress\[0\]\.source\.nets\[0\]: "203\.0\.113\.10\/24" is not a valid address here.*not 10\.0\.0\.1\/24/,
        );
    });
    it("a Kubernetes ipBlock {cidr: 'not:a:cidr'} is refused (ValidateIPBlock)", () => {
        refused(
            `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: partners, namespace: lab}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 'not:a:cidr'}}]}]
`,
            /NetworkPolicy lab\/partners: spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: "not:a:cidr" is not a valid address here/,
        );
    });
    it("a network set's, a host endpoint's and an admin policy's addresses are checked too", () => {
        refused(
            `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners}
spec: {nets: ['10.0.0.0/8', 'fd00::/200']}
`,
            /GlobalNetworkSet partners: spec\.nets\[1\]: "fd00::\/200"/,
        );
        refused(
            `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: egress}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress: [{action: Deny, to: [{networks: ['10.0.0.0:8']}]}]
`,
            /AdminNetworkPolicy egress: spec\.egress\[0\]\.to\[0\]\.networks\[0\]: "10\.0\.0\.0:8"/,
        );
    });
});

describe("port numbers as the API servers bound them", () => {
    it("a NetworkPolicy port 0 is refused (IsValidPortNum: 1-65535)", () => {
        refused(
            `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: zero, namespace: lab}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 0}]}]
`,
            /NetworkPolicy lab\/zero: spec\.ingress\[0\]\.ports\[0\]\.port: 0 is not a port number 1-65535/,
        );
    });
    it("an AdminNetworkPolicy port 0 is refused (network-policy-api Minimum=1)", () => {
        refused(
            `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: zero}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 0}}]}]
`,
            /AdminNetworkPolicy zero: spec\.ingress\[0\]\.ports\[0\]\.portNumber\.port: 0 is not a port number 1-65535/,
        );
    });
});

describe("nodePorts: one Service's two ports may not share one (the allocator: provided port is already allocated)", () => {
    const service = (ports: string) => `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: lab}
spec: {type: NodePort, selector: {app: server}, ports: ${ports}}
`;
    it("refuses two port numbers on one nodePort", () => {
        refused(
            service("[{name: a, port: 80, nodePort: 30080}, {name: b, port: 81, nodePort: 30080}]"),
            /Service lab\/web: spec\.ports\[1\]\.nodePort: provided port 30080 is already allocated \(port 80\/TCP of this Service/,
        );
    });
    it("accepts one port number over TCP and UDP on one nodePort (as the allocator does)", () => {
        const { code } = analyze(service("[{name: a, port: 53, nodePort: 30053}, {name: b, port: 53, protocol: UDP, nodePort: 30053}]"));
        expect(code).toBe(0);
    });
});

describe("a dual-stack cluster (an IPv6 IPPool beside the IPv4 one, kind's ipFamily: dual)", () => {
    it("is judged for IPv4 with a warning that IPv6 flows are not judged", () => {
        const { code, stderr } = analyze(
            `
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: default-ipv6-ippool}
spec: {cidr: 'fd00:10:244::/64'}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: default-ipv4-ippool}
spec: {cidr: 10.244.0.0/16}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: lab}
spec:
  selector: {app: server}
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv4, IPv6]
  clusterIPs: [10.96.0.20, 'fd00:10:96::20']
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: lab, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.244.1.5, podIPs: [{ip: 10.244.1.5}, {ip: 'fd00:10:244:1::5'}]}
`,
            ["--query", "lab/client", "service:lab/server", "80"],
        );
        expect(code).toBe(0);
        expect(stderr).toMatch(/warning: IPv6 flows are not judged: IPPool default-ipv6-ippool is an IPv6 pool/);
    });
});
