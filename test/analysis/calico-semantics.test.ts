// Calico projectcalico.org/v3 semantics, one rule per test. Sources: tigera/docs
// reference/resources/{networkpolicy,globalnetworkpolicy,tier}.mdx, _entityrule.mdx, _selector-scopes.mdx,
// reference/host-endpoints/pre-dnat.mdx; projectcalico/calico libcalico-go updateprocessors/rules.go and
// felix/calc/policy_sorter.go.
import { describe, expect, it } from "vitest";
import { AnalysisInputError } from "../../analysis";
import { allowed, BASE, modelOf, verdict } from "./helpers";

const calico = (kind: "NetworkPolicy" | "GlobalNetworkPolicy", name: string, spec: string, namespace = "lab") => `---
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: {name: ${name}${kind === "NetworkPolicy" ? `, namespace: ${namespace}` : ""}}
spec:
${spec.replace(/^/gm, "  ")}
`;
const np = (name: string, spec: string, namespace = "lab") => calico("NetworkPolicy", name, spec, namespace);
const gnp = (name: string, spec: string) => calico("GlobalNetworkPolicy", name, spec);
const knp = (name: string, spec: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: lab}
spec:
${spec.replace(/^/gm, "  ")}
`;

describe("Calico policy: types, scopes and rule matching", () => {
    it("defaults types to [Egress] for a policy with only egress rules, unlike Kubernetes (globalnetworkpolicy.mdx types table)", () => {
        const model = modelOf(BASE + np("egress-only", "selector: all()\negress:\n- action: Deny"));
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false); // egress denied
        expect(allowed(model, "other/client", "lab/api", 8080)).toBe(true); // ingress not isolated
    });

    it("defaults types to [Ingress] for a policy without rules, which then drops ingress at the end of the tier", () => {
        const model = modelOf(BASE + np("no-rules", "selector: app == 'api'"));
        const v = verdict(model, "other/client", "lab/api", 8080);
        expect(v.allowed).toBe(false);
        expect(v.explanation.ingress.decidedBy).toBe("end-of-tier");
        expect(allowed(model, "lab/api", "external:1.1.1.1", 443)).toBe(true);
    });

    it("scopes a namespaced policy's rule selector to its own namespace (rules.go getEndpointSelector)", () => {
        const model = modelOf(BASE + np("dns", "selector: all()\ntypes: [Egress]\negress:\n- action: Allow\n  destination: {selector: k8s-app == 'kube-dns'}"));
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/UDP")).toBe(false);
    });

    it("lets a global policy's rule selector match endpoints in every namespace", () => {
        const model = modelOf(
            BASE +
                gnp(
                    "dns",
                    "selector: projectcalico.org/namespace == 'lab'\ntypes: [Egress]\negress:\n- action: Allow\n  destination: {selector: k8s-app == 'kube-dns'}",
                ),
        );
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/UDP")).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false);
    });

    it("widens a rule's scope with namespaceSelector, on namespace labels and projectcalico.org/name", () => {
        const model = modelOf(
            BASE +
                np(
                    "dns",
                    "selector: all()\ntypes: [Egress]\negress:\n- action: Allow\n  destination: {namespaceSelector: projectcalico.org/name == 'kube-system', selector: k8s-app == 'kube-dns'}\n- action: Allow\n  destination: {namespaceSelector: team == 'other'}",
                ),
        );
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/UDP")).toBe(true);
        expect(allowed(model, "lab/web", "other/client", 8080)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false);
    });

    it("selects a policy's endpoints with a global namespaceSelector and implicit labels", () => {
        const model = modelOf(
            BASE + gnp("deny-lab", "namespaceSelector: team == 'lab'\nselector: projectcalico.org/serviceaccount == 'api-sa'\ningress:\n- action: Deny"),
        );
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false);
        expect(allowed(model, "lab/web", "lab/db", 5432)).toBe(true);
    });

    it("matches serviceAccounts names in rules (rules.go parseServiceAccounts)", () => {
        const model = modelOf(BASE + np("from-api-sa", "selector: app == 'db'\ningress:\n- action: Allow\n  source: {serviceAccounts: {names: [api-sa]}}"));
        expect(allowed(model, "lab/api", "lab/db", 5432)).toBe(true);
        expect(allowed(model, "lab/web", "lab/db", 5432)).toBe(false);
    });

    it("matches nets and notNets on addresses", () => {
        const model = modelOf(
            BASE + np("nets", "selector: app == 'web'\ningress:\n- action: Allow\n  source: {nets: [203.0.113.0/24], notNets: [203.0.113.66/32]}"),
        );
        expect(allowed(model, "external:203.0.113.10", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "external:203.0.113.66", "lab/web", 8080)).toBe(false);
        expect(allowed(model, "external:198.51.100.1", "lab/web", 8080)).toBe(false);
    });

    it("reads notSelector in a global policy as 'anywhere except', outside the cluster included (_entityrule.mdx)", () => {
        const model = modelOf(BASE + gnp("not-client", "selector: app == 'web'\ningress:\n- action: Allow\n  source: {notSelector: app == 'client'}"));
        expect(allowed(model, "external:1.2.3.4", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "kube-system/coredns", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "other/client", "lab/web", 8080)).toBe(false);
    });

    it("limits a namespaced policy's notSelector to its own namespace (rules.go adds the namespace as soon as notSelector is used)", () => {
        const model = modelOf(BASE + np("not-api", "selector: app == 'web'\ningress:\n- action: Allow\n  source: {notSelector: app == 'api'}"));
        expect(allowed(model, "lab/db", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "lab/api", "lab/web", 8080)).toBe(false);
        expect(allowed(model, "external:1.2.3.4", "lab/web", 8080)).toBe(false);
    });

    it("distinguishes 'a rule without selector' (all packets) from selector all() (in-scope endpoints only)", () => {
        const any = modelOf(BASE + np("any", "selector: app == 'web'\ningress:\n- action: Allow"));
        const all = modelOf(BASE + np("all", "selector: app == 'web'\ningress:\n- action: Allow\n  source: {selector: all()}"));
        expect(allowed(any, "external:1.2.3.4", "lab/web", 8080)).toBe(true);
        expect(allowed(all, "external:1.2.3.4", "lab/web", 8080)).toBe(false);
        expect(allowed(all, "lab/api", "lab/web", 8080)).toBe(true);
    });

    it("matches ports, port ranges, named ports and notPorts, with protocol and notProtocol", () => {
        const model = modelOf(
            BASE +
                np(
                    "ports",
                    "selector: app == 'api'\ningress:\n- action: Allow\n  protocol: TCP\n  destination: {ports: ['9000:9999', http], notPorts: [9090]}\n- action: Allow\n  notProtocol: TCP",
                ),
        );
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(true); // named port http
        expect(allowed(model, "lab/web", "lab/api", 9500)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 9090)).toBe(false);
        expect(allowed(model, "lab/web", "lab/api", "7000/UDP")).toBe(true);
    });

    it("rejects ports without a port protocol, as Calico's validation does", () => {
        expect(() => modelOf(BASE + np("bad", "selector: all()\ningress:\n- action: Allow\n  destination: {ports: [80]}"))).toThrow(/ports needs protocol/);
    });
});

describe("Calico policy: actions, order and tiers", () => {
    it("applies the lowest order first: a Deny at order 100 beats an Allow at order 200", () => {
        const model = modelOf(
            BASE +
                np("allow", "order: 200\nselector: app == 'api'\ningress: [{action: Allow}]") +
                np("deny", "order: 100\nselector: app == 'api'\ningress: [{action: Deny}]"),
        );
        const v = verdict(model, "lab/web", "lab/api", 8080);
        expect(v.allowed).toBe(false);
        expect(v.explanation.ingress.steps[0]?.policy.name).toBe("deny");
    });

    it("evaluates policies without order last, ties by name (felix policy_sorter.go PolKVLess)", () => {
        const model = modelOf(
            BASE +
                np("b-allow", "selector: app == 'api'\ningress: [{action: Allow}]") +
                np("a-deny", "selector: app == 'api'\ningress: [{action: Deny}]") +
                np("ordered-allow", "order: 5000\nselector: app == 'db'\ningress: [{action: Allow}]") +
                np("unordered-deny", "selector: app == 'db'\ningress: [{action: Deny}]"),
        );
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false); // a-deny before b-allow
        expect(allowed(model, "lab/web", "lab/db", 5432)).toBe(true); // any order before none
    });

    it("continues after a Log rule", () => {
        const model = modelOf(BASE + np("log", "selector: app == 'api'\ningress: [{action: Log}, {action: Allow}]"));
        const v = verdict(model, "lab/web", "lab/api", 8080);
        expect(v.allowed).toBe(true);
        expect(v.explanation.ingress.steps.map((s) => s.action)).toEqual(["Log", "Allow"]);
    });

    it("evaluates Kubernetes policies at order 1000: a Calico Deny at order 500 wins, a later unordered GNP Allow catches what they leave", () => {
        const base = BASE + knp("allow-web", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{podSelector: {matchLabels: {app: web}}}]");
        expect(allowed(modelOf(base + np("deny", "order: 500\nselector: app == 'api'\ningress: [{action: Deny}]")), "lab/web", "lab/api", 8080)).toBe(false);
        expect(allowed(modelOf(base + np("deny", "order: 1500\nselector: app == 'api'\ningress: [{action: Deny}]")), "lab/web", "lab/api", 8080)).toBe(true);
        // The KNP selects api but does not match the client: evaluation falls through to the GNP.
        expect(allowed(modelOf(base + gnp("allow-all", "selector: app == 'api'\ningress: [{action: Allow}]")), "other/client", "lab/api", 8080)).toBe(true);
    });

    it("drops at the end of a tier that applies but decides nothing, and skips tiers that do not apply", () => {
        const tiers = `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
`;
        const model = modelOf(
            BASE +
                tiers +
                calico(
                    "GlobalNetworkPolicy",
                    "security.block-db",
                    "tier: security\nselector: app == 'db'\ningress:\n- action: Allow\n  source: {selector: app == 'api'}",
                ),
        );
        const v = verdict(model, "lab/web", "lab/db", 5432);
        expect(v.allowed).toBe(false);
        expect(v.explanation.ingress.tier).toBe("security");
        expect(allowed(model, "lab/api", "lab/db", 5432)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(true); // security tier does not apply to api
    });

    it("sends Pass to the next tier, and from the last tier to the namespace profile (allow)", () => {
        const tiers = `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: platform}
spec: {order: 50}
`;
        const passing = modelOf(
            BASE + tiers + calico("GlobalNetworkPolicy", "platform.pass", "tier: platform\nselector: app == 'api'\ningress: [{action: Pass}]"),
        );
        const v = verdict(passing, "lab/web", "lab/api", 8080);
        expect(v.allowed).toBe(true);
        expect(v.explanation.ingress.decidedBy).toBe("profile");
        const thenDenied = modelOf(
            BASE +
                tiers +
                calico("GlobalNetworkPolicy", "platform.pass", "tier: platform\nselector: app == 'api'\ningress: [{action: Pass}]") +
                knp("deny", "podSelector: {}\npolicyTypes: [Ingress]"),
        );
        expect(allowed(thenDenied, "lab/web", "lab/api", 8080)).toBe(false);
    });

    it("honours a tier's defaultAction: Pass", () => {
        const tiers = `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: lenient}
spec: {order: 10, defaultAction: Pass}
`;
        const model = modelOf(
            BASE +
                tiers +
                calico(
                    "GlobalNetworkPolicy",
                    "lenient.nothing",
                    "tier: lenient\nselector: app == 'api'\ningress:\n- action: Deny\n  source: {selector: app == 'db'}",
                ),
        );
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(true);
        expect(allowed(model, "lab/db", "lab/api", 8080)).toBe(false);
    });

    it("rejects a policy in a tier that does not exist", () => {
        expect(() => modelOf(BASE + gnp("x", "tier: nope\nselector: all()"))).toThrow(AnalysisInputError);
        expect(() => modelOf(BASE + gnp("x", "tier: nope\nselector: all()"))).toThrow(
            /test\.yaml \(document \d+\): GlobalNetworkPolicy x: spec\.tier: tier "nope" does not exist/,
        );
    });
});

describe("host endpoints, preDNAT and NodePorts", () => {
    const service = (name: string, app: string, nodePort: number, extra = "") => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: lab}
spec:
  type: NodePort${extra}
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: http, nodePort: ${nodePort}}]
`;
    const SERVICES = service("web", "web", 30080) + service("api", "api", 30081);
    const LOCKDOWN = gnp(
        "nodeport-lockdown",
        "order: 100\nselector: has(kubernetes.io/hostname)\npreDNAT: true\napplyOnForward: true\ntypes: [Ingress]\ningress:\n- {action: Deny, protocol: TCP, destination: {ports: ['30000:32767'], notPorts: [30081]}}",
    );
    const AUTO = `---
apiVersion: crd.projectcalico.org/v1
kind: KubeControllersConfiguration
metadata: {name: default}
spec: {controllers: {node: {hostEndpoint: {autoCreate: Enabled}}}}
`;

    it("resolves a NodePort to the service's backends and named targetPort", () => {
        const v = verdict(modelOf(BASE + SERVICES), "external:203.0.113.10", "nodeport:lab/web", 30080);
        expect(v.allowed).toBe(true);
        expect(v.explanation.service?.backends).toEqual(["lab/web"]);
        expect(v.explanation.paths?.[0]?.targetPort).toBe(8080);
    });

    it("selects nothing with a preDNAT policy when there is no host endpoint", () => {
        const model = modelOf(BASE + SERVICES + LOCKDOWN);
        expect(allowed(model, "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(true);
        expect(model.warnings.join()).toMatch(/select nothing/);
    });

    it("drops a NodePort before DNAT on automatic host endpoints (KubeControllersConfiguration autoCreate), keeping the excepted one", () => {
        const model = modelOf(BASE + SERVICES + LOCKDOWN + AUTO);
        const direct = verdict(model, "external:203.0.113.10", "nodeport:lab/web", 30080);
        expect(direct.allowed).toBe(false);
        expect(direct.explanation.hostPreDnat?.steps[0]?.policy.name).toBe("nodeport-lockdown");
        expect(model.hostEndpoints[0]?.labels["projectcalico.org/created-by"]).toBe("calico-kube-controllers");
        expect(allowed(model, "external:203.0.113.10", "nodeport:lab/api", 30081)).toBe(true);
        // The pod port itself is not in the NodePort range: direct pod traffic is untouched.
        expect(allowed(model, "external:203.0.113.10", "lab/web", 8080)).toBe(true);
    });

    it("enables automatic host endpoints by option, with the node labels given", () => {
        const withLabels = modelOf(BASE + SERVICES + LOCKDOWN, { hostEndpoints: { auto: true, nodeLabels: { role: "worker" } } });
        expect(allowed(withLabels, "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(true); // selector needs kubernetes.io/hostname
        const byDefault = modelOf(BASE + SERVICES + LOCKDOWN, { hostEndpoints: { auto: true } });
        expect(allowed(byDefault, "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(false);
    });

    it("applies preDNAT policy to explicit HostEndpoint objects by their labels", () => {
        const hep = `---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node1-eth0, labels: {kubernetes.io/hostname: node1}}
spec: {node: node1, interfaceName: eth0, expectedIPs: [172.18.0.5]}
`;
        expect(allowed(modelOf(BASE + SERVICES + LOCKDOWN + hep), "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(false);
    });

    it("has no default drop for preDNAT, but an applyOnForward policy drops forwarded traffic it does not allow", () => {
        const forward = gnp(
            "forward",
            "selector: has(kubernetes.io/hostname)\napplyOnForward: true\ningress:\n- action: Allow\n  destination: {selector: app == 'api'}",
        );
        const model = modelOf(BASE + SERVICES + LOCKDOWN + AUTO + forward);
        expect(allowed(model, "external:203.0.113.10", "nodeport:lab/api", 30081)).toBe(true);
        const v = verdict(model, "external:203.0.113.10", "lab/web", 8080);
        expect(v.allowed).toBe(false);
        expect(v.explanation.hostForward?.decidedBy).toBe("end-of-tier");
    });

    // externalTrafficPolicy Cluster: "traffic is SNAT'd ... Destination pod can see the proxying node's IP address"
    // (Calico docs network-policy/services/services-cluster-ips.mdx); Local keeps the client address.
    it("models the SNAT of externalTrafficPolicy Cluster: a client-address allow is only partial; Local keeps the client", () => {
        const fromClient = np("from-client", "selector: app == 'web'\ningress:\n- action: Allow\n  source: {nets: [203.0.113.0/24]}");
        const cluster = verdict(modelOf(BASE + SERVICES + fromClient), "external:203.0.113.10", "nodeport:lab/web", 30080);
        expect(cluster.allowed).toBe(false);
        expect(cluster.partial).toBe(true);
        expect(cluster.reason).toMatch(/after SNAT/);
        expect(allowed(modelOf(BASE + SERVICES + fromClient, { nodePortSource: "client" }), "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(true);
        const local = BASE + service("web", "web", 30080, "\n  externalTrafficPolicy: Local") + fromClient;
        expect(allowed(modelOf(local), "external:203.0.113.10", "nodeport:lab/web", 30080)).toBe(true);
    });

    it("blocks a NodePort whose service selects no workload", () => {
        const v = verdict(modelOf(BASE + service("ghost", "nobody", 30090)), "external:203.0.113.10", "nodeport:lab/ghost", 30090);
        expect(v.allowed).toBe(false);
        expect(v.reason).toMatch(/selects no workload/);
    });
});

// felix labelindex/named_port_index.go (v3.28.5): a matched network set's nets join the selector's IP set.
describe("network sets in rule selectors", () => {
    const globalSet = (name: string, labels: string, nets: string) => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: ${name}, labels: ${labels}}
spec: {nets: [${nets}]}
`;
    const apiFromWorld = np(
        "api-from-world",
        "selector: app == 'api'\ningress: [{action: Allow, source: {selector: \"world == 'true'\", namespaceSelector: global()}}]",
    );

    it("gives a set covering the whole pod CIDR to every pod, addresses unknown, without a warning", () => {
        const model = modelOf(BASE + globalSet("world", "{world: 'true'}", "0.0.0.0/0") + apiFromWorld);
        expect(allowed(model, "other/client", "lab/api", 8080)).toBe(true);
        expect(model.warnings.join("\n")).not.toMatch(/GlobalNetworkSet/);
    });

    it("leaves pods out of a set outside the pod CIDR, and says nothing", () => {
        const model = modelOf(BASE + globalSet("partners", "{world: 'true'}", "203.0.113.0/24") + apiFromWorld);
        expect(allowed(model, "other/client", "lab/api", 8080)).toBe(false);
        expect(allowed(model, "external:203.0.113.10", "lab/api", 8080)).toBe(true);
        expect(model.warnings.join("\n")).not.toMatch(/GlobalNetworkSet/);
    });

    it("warns, naming the set and the rule, when a selected set covers part of the pod CIDR and pod addresses are unknown", () => {
        const model = modelOf(BASE + globalSet("half", "{world: 'true'}", "192.168.0.0/17") + apiFromWorld);
        expect(allowed(model, "other/client", "lab/api", 8080)).toBe(false);
        expect(model.warnings.join("\n")).toMatch(
            /GlobalNetworkSet half \(nets 192\.168\.0\.0\/17\) may hold the address of .*np:lab\/api-from-world ingress\[0\] source/,
        );
        expect(modelOf(BASE + globalSet("half", "{unused: 'x'}", "192.168.0.0/17") + apiFromWorld).warnings.join("\n")).not.toMatch(/GlobalNetworkSet/);
    });
});
