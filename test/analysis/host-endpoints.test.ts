// The node as an endpoint: node:<name>[/<interface>] in queries, FelixConfiguration's failsafe ports and
// DefaultEndpointToHostAction, and what the analyzer refuses to judge. The three regressions of issue 22
// are scenario folders (scenarios/host-endpoint-*).
import { describe, expect, it } from "vitest";
import { AnalysisInputError, connectivityMatrix, formatVerdict, matrixCells } from "../../analysis";
import { deployment, modelOf, namespace, verdict } from "./helpers";

const NODE = `---
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status: {addresses: [{type: InternalIP, address: 10.0.0.5}, {type: ExternalIP, address: 169.60.1.5}]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: worker-1-private, labels: {role: private}}
spec: {node: worker-1, interfaceName: eth0, expectedIPs: [10.0.0.5]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: worker-1-public, labels: {role: public}}
spec: {node: worker-1, interfaceName: eth1, expectedIPs: [169.60.1.5]}
`;
const felix = (spec: string) => `---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: default}
spec: ${spec}
`;
const gnp = (name: string, spec: string) => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: ${spec}
`;

describe("node endpoints", () => {
    it("names a node by its InternalIP, or by one interface's host endpoint address", () => {
        const model = modelOf(
            NODE +
                gnp("public-https", "{selector: role == 'public', types: [Ingress], ingress: [{action: Allow, protocol: TCP, destination: {ports: [443]}}]}"),
        );
        expect(verdict(model, "external:203.0.113.10", "node:worker-1/eth1", 443).allowed).toBe(true);
        const privateSide = verdict(model, "external:203.0.113.10", "node:worker-1", 443);
        expect(privateSide.allowed).toBe(false);
        expect(privateSide.explanation.host?.at(-1)?.endpoint).toBe("hostendpoint:worker-1-private");
    });

    it("refuses an unknown node or interface, naming what exists", () => {
        const model = modelOf(NODE);
        expect(() => verdict(model, "external:203.0.113.10", "node:worker-9", 22)).toThrow(/no such node.*nodes: worker-1/);
        expect(() => verdict(model, "external:203.0.113.10", "node:worker-1/eth7", 22)).toThrow(/known: node:worker-1\/eth0, node:worker-1\/eth1/);
        expect(() => verdict(model, "node:worker-1", "node:worker-1/eth1", 22)).toThrow(/loopback/);
    });

    it("prints where the host stopped the packet", () => {
        const text = formatVerdict(verdict(modelOf(NODE), "external:203.0.113.10", "node:worker-1/eth1", 10250));
        expect(text).toContain(
            "BLOCKED  external:203.0.113.10 -> node:worker-1/eth1 10250/TCP\n  at the host, for the host itself (policy of hostendpoint:worker-1-public)",
        );
    });
});

describe("the matrix with nodes", () => {
    it("adds each node as a source and, at the ports asked, as targets at its InternalIP and its named interfaces' addresses, each cell as a query judges it", () => {
        const model = modelOf(
            NODE +
                namespace("app") +
                deployment("app", "client", { app: "client" }) +
                gnp(
                    "public-https",
                    "{selector: role == 'public', types: [Ingress, Egress], ingress: [{action: Allow, protocol: TCP, destination: {ports: [443]}}], egress: [{action: Allow}]}",
                ),
        );
        const matrix = connectivityMatrix(model, { nodePorts: ["443/TCP", "22/TCP"] });
        expect(matrix.sources).toEqual(["app/client", "external:203.0.113.10", "node:worker-1"]);
        expect(matrix.targets.filter((t) => t.dst.startsWith("node:")).map((t) => `${t.dst}:${t.port}`)).toEqual([
            "node:worker-1:443",
            "node:worker-1:22",
            "node:worker-1/eth1:443",
            "node:worker-1/eth1:22",
        ]);
        expect(connectivityMatrix(model, { nodePorts: ["443/TCP", "22/TCP"], engine: "reference" })).toEqual(matrix);
        const cells = [...matrixCells(matrix)];
        for (const cell of cells) {
            if (cell.dst.startsWith("nodeport:") || cell.dst.startsWith("external:") || cell.src === cell.dst.split("/")[0]) continue;
            expect(verdict(model, cell.src, cell.dst, `${cell.port}/${cell.protocol}`).allowed, `${cell.src} -> ${cell.dst}:${cell.port}`).toBe(cell.allowed);
        }
        expect(cells.find((c) => c.src === "external:203.0.113.10" && c.dst === "node:worker-1/eth1" && c.port === 443)?.allowed).toBe(true);
        expect(cells.find((c) => c.src === "node:worker-1" && c.dst === "node:worker-1/eth1")?.allowed).toBe(false); // loopback: not modelled
    });

    it("refuses a node port that is not PORT/PROTOCOL", () => {
        expect(() => connectivityMatrix(modelOf(NODE), { nodePorts: ["ssh"] })).toThrow(/node port "ssh": expected PORT\/PROTOCOL/);
    });
});

describe("ICMP", () => {
    it("asks about an echo request (type 8, code 0): a rule's icmp and notICMP criteria are matched against it", () => {
        const policy = (rule: string) => gnp("public-icmp", `{selector: role == 'public', types: [Ingress], ingress: [${rule}]}`);
        expect(verdict(modelOf(NODE + policy("{action: Allow, protocol: ICMP}")), "external:203.0.113.10", "node:worker-1/eth1", "ICMP").allowed).toBe(true);
        expect(
            verdict(modelOf(NODE + policy("{action: Allow, protocol: ICMP, icmp: {type: 8}}")), "external:203.0.113.10", "node:worker-1/eth1", "ICMP").allowed,
        ).toBe(true);
        expect(
            verdict(modelOf(NODE + policy("{action: Allow, protocol: ICMP, icmp: {type: 0}}")), "external:203.0.113.10", "node:worker-1/eth1", "ICMP").allowed,
        ).toBe(false);
        expect(
            verdict(modelOf(NODE + policy("{action: Allow, protocol: ICMP, notICMP: {type: 8}}")), "external:203.0.113.10", "node:worker-1/eth1", "ICMP")
                .allowed,
        ).toBe(false);
        expect(
            formatVerdict(verdict(modelOf(NODE + policy("{action: Allow, protocol: ICMP}")), "external:203.0.113.10", "node:worker-1/eth1", "ICMP")),
        ).toContain("ALLOWED  external:203.0.113.10 -> node:worker-1/eth1 ICMP echo request");
    });
});

describe("FelixConfiguration", () => {
    it("replaces the failsafe inbound ports (Felix's defaults keep tcp:22 open on every host endpoint)", () => {
        expect(verdict(modelOf(NODE), "external:203.0.113.10", "node:worker-1/eth1", 22).reason).toContain("failsafe inbound port tcp:22 (Felix defaults)");
        const closed = verdict(
            modelOf(NODE + felix("{failsafeInboundHostPorts: [{protocol: TCP, port: 6443}]}")),
            "external:203.0.113.10",
            "node:worker-1/eth1",
            22,
        );
        expect(closed.allowed).toBe(false);
        const api = verdict(
            modelOf(NODE + felix("{failsafeInboundHostPorts: [{protocol: TCP, port: 6443}]}")),
            "external:203.0.113.10",
            "node:worker-1/eth1",
            6443,
        );
        expect(api.reason).toContain("failsafe inbound port tcp:6443 (FelixConfiguration default)");
    });

    it("limits a failsafe port to its net", () => {
        const model = modelOf(NODE + felix("{failsafeInboundHostPorts: [{protocol: TCP, port: 22, net: 192.0.2.0/24}]}"));
        expect(verdict(model, "external:192.0.2.7", "node:worker-1", 22).allowed).toBe(true);
        expect(verdict(model, "external:203.0.113.10", "node:worker-1", 22).allowed).toBe(false);
    });

    it("decides a local pod's packets to its node by defaultEndpointToHostAction", () => {
        const objects =
            NODE +
            namespace("app") +
            deployment("app", "client", { app: "client" }) +
            gnp("private-open", "{selector: role == 'private', types: [Ingress], ingress: [{action: Allow}]}"); // a pod on another node comes through eth0
        expect(verdict(modelOf(objects), "app/client", "node:worker-1", 10250).allowed).toBe(true);
        const dropped = verdict(modelOf(objects + felix("{defaultEndpointToHostAction: Drop}")), "app/client", "node:worker-1", 10250);
        expect(dropped.allowed).toBe(false);
        expect(dropped.reason).toContain("DefaultEndpointToHostAction Drop (FelixConfiguration default)");
    });

    it("refuses a bad failsafe entry naming the object and key", () => {
        expect(() => modelOf(NODE + felix("{failsafeInboundHostPorts: [{protocol: ICMP, port: 22}]}"))).toThrow(
            /FelixConfiguration default.*spec\.failsafeInboundHostPorts\[0\]\.protocol|protocol "ICMP" is not one of TCP, UDP, SCTP/,
        );
    });
});

describe("what the analyzer does not judge", () => {
    it("refuses a doNotTrack Allow of forwarded traffic, naming the policy and host endpoint", () => {
        const model = modelOf(
            NODE +
                namespace("web") +
                deployment("web", "web", { app: "web" }) +
                gnp("untracked-web", "{selector: role == 'public', doNotTrack: true, applyOnForward: true, types: [Ingress], ingress: [{action: Allow}]}"),
        );
        expect(() => verdict(model, "external:203.0.113.10", "web/web", 8080)).toThrow(AnalysisInputError);
        expect(() => verdict(model, "external:203.0.113.10", "web/web", 8080)).toThrow(
            /gnp:untracked-web allows .* untracked at hostendpoint:worker-1-public, but the packet is forwarded/,
        );
    });
});

describe("names in explanations", () => {
    it("names a node by its interface as the query does", () => {
        const v = verdict(modelOf(NODE), "node:worker-1/eth1", "external:203.0.113.10", 443);
        expect(v.explanation.egress.endpoint).toBe("node:worker-1/eth1");
    });
});

describe("the host's own packets to local pods", () => {
    it("meet no policy on the pod's own node (filter OUTPUT returns for workload interfaces) but the pod's ingress from another node: blocked, partial", () => {
        const model = modelOf(
            NODE +
                namespace("web") +
                deployment("web", "web", { app: "web" }) +
                namespace("app") +
                deployment("app", "client", { app: "client" }) +
                `---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 8080, nodePort: 30080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: web}
spec: {podSelector: {}, policyTypes: [Ingress]}
`,
        );
        const direct = verdict(model, "node:worker-1", "web/web", 8080);
        expect([direct.allowed, direct.partial]).toEqual([false, true]);
        expect(direct.reason).toContain("(from another node); node:worker-1 to a pod on the same node: Felix applies no policy");
        expect(formatVerdict(direct)).toMatch(/^BLOCKED on some paths {2}node:worker-1 -> web\/web 8080\/TCP\n/);
        const viaNodePort = verdict(model, "node:worker-1", "nodeport:web/web", 30080);
        expect([viaNodePort.allowed, viaNodePort.partial]).toEqual([false, true]);
        expect(verdict(model, "node:worker-1", "app/client", 8080).allowed).toBe(true);
        expect(verdict(model, "app/client", "nodeport:web/web", 30080).allowed).toBe(false);
    });
});

describe("FelixConfiguration disableConntrackInvalidCheck", () => {
    it("true is warned about, naming the object and what the analyzer does instead", () => {
        const felix =
            "---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {disableConntrackInvalidCheck: true}\n";
        const node = "---\napiVersion: v1\nkind: Node\nmetadata: {name: worker}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.5}]}\n";
        expect(modelOf(node + felix).warnings.join("\n")).toContain(
            "FelixConfiguration default sets disableConntrackInvalidCheck: true, which the analyzer does not model",
        );
        expect(modelOf(node).warnings.join("\n")).not.toContain("disableConntrackInvalidCheck");
    });
});
