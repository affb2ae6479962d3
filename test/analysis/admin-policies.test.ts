// AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy: what the API server would
// refuse is refused with the object and key; Calico's conversion (libcalico-go k8s/conversion
// clusternetworkpolicy.go, adminnetworkpolicy_test.go) for what it accepts. Semantics: scenarios
// admin-network-policies and cluster-network-policies.
import { describe, expect, it } from "vitest";
import { deployment, modelOf, verdict } from "./helpers";

const anp = (spec: string, name = "p") => `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ${name}}
spec:
${spec}
`;

const pods = deployment("a", "web", { app: "web" }) + deployment("b", "client", { app: "client" });

describe("refused as the API server would", () => {
    it.each([
        [
            "a priority outside 0-1000",
            anp("  priority: 1001\n  subject: {namespaces: {}}"),
            "AdminNetworkPolicy p: spec.priority: priority 1001 is not an integer 0-1000",
        ],
        [
            "both subject fields",
            anp("  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}"),
            "spec.subject: exactly one of namespaces, pods must be set, found namespaces, pods",
        ],
        [
            "an unknown action",
            anp("  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Accept, from: [{namespaces: {}}]}]"),
            'spec.ingress[0].action: action "Accept" is not one of Allow, Deny, Pass',
        ],
        [
            "a rule without peers",
            anp("  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: []}]"),
            "spec.egress[0].to: to needs at least one peer",
        ],
        [
            "networks in an ingress peer",
            anp("  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]"),
            'spec.ingress[0].from[0]: unknown field "networks"; accepted: namespaces, pods',
        ],
        [
            "a port range that ends before it starts",
            anp(
                "  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 90, end: 80}}]}]",
            ),
            "spec.ingress[0].ports[0].portRange: port range 90-80 ends before it starts",
        ],
        [
            "a baseline not named default",
            "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: base}\nspec: {subject: {namespaces: {}}}",
            'must be named "default"',
        ],
        [
            "Pass in a baseline",
            "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec: {subject: {namespaces: {}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}",
            'action "Pass" is not one of Allow, Deny',
        ],
        [
            "a ClusterNetworkPolicy without a tier",
            "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec: {priority: 1, subject: {namespaces: {}}}",
            "spec.tier: tier undefined is not Admin or Baseline",
        ],
        [
            "an empty protocols list",
            "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec: {tier: Admin, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}], protocols: []}]}",
            "spec.ingress[0].protocols: protocols needs at least one item when set",
        ],
        [
            "tcp: {} (MinProperties=1)",
            "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec: {tier: Admin, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {}}]}]}",
            "spec.ingress[0].protocols[0].tcp: tcp needs destinationPort",
        ],
        [
            "an empty ports list",
            anp("  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}], ports: []}]"),
            "spec.ingress[0].ports: ports needs at least one item when set",
        ],
    ])("%s", (_what, yaml, message) => {
        // Each kind judged by a release that enforces it (v1alpha2 ClusterNetworkPolicy from v3.32.0).
        expect(() => modelOf(pods + yaml, { calicoVersion: yaml.includes("v1alpha2") ? "3.32" : "3.30" })).toThrow(message);
    });
});

describe("Calico's conversion", () => {
    it("orders admin policies by priority, lowest first, all before namespaced policies", () => {
        const model = modelOf(
            pods +
                anp("  priority: 20\n  subject: {namespaces: {}}\n  ingress: [{action: Allow, from: [{namespaces: {}}]}]", "later") +
                anp("  priority: 3\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}]}]", "first") +
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: a}\nspec: {podSelector: {}, ingress: [{}]}\n",
        );
        expect(model.policies.map((p) => `${p.ref.id}@${p.tier}`)).toEqual([
            "anp:first@adminnetworkpolicy",
            "anp:later@adminnetworkpolicy",
            "knp:a/open@default",
        ]);
        expect(verdict(model, "b/client", "a/web", 8080).reason).toContain("denied by anp:first ingress[0]");
    });

    it("makes a port without protocol TCP and one rule per protocol", () => {
        const model = modelOf(
            pods +
                anp(
                    "  priority: 1\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\n  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    ports: [{portNumber: {port: 8080}}, {portNumber: {port: 53, protocol: UDP}}, {portRange: {start: 9000, end: 9100, protocol: UDP}}]",
                ),
        );
        const policy = model.policies[0]!;
        expect(policy.ingress.map((r) => [r.protocol, r.destination.ports])).toEqual([
            [6, [{ first: 8080, last: 8080 }]],
            [
                17,
                [
                    { first: 53, last: 53 },
                    { first: 9000, last: 9100 },
                ],
            ],
        ]);
        expect(verdict(model, "b/client", "a/web", 8080).allowed).toBe(false);
        expect(verdict(model, "b/client", "a/web", "8080/UDP").allowed).toBe(true);
        expect(verdict(model, "b/client", "a/web", "9050/UDP").allowed).toBe(false);
    });

    it("never selects pods on the host network (they meet host endpoint policy)", () => {
        const model = modelOf(
            pods.replace("serviceAccountName: default", "serviceAccountName: default\n      hostNetwork: true") +
                anp("  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}]}]"),
        );
        expect(verdict(model, "b/client", "a/web", 8080).explanation.ingress.decidedBy).toBe("not-enforced");
    });
});
