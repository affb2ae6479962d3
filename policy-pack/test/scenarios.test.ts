// Failure modes of the syntax-only tools, as readable manifests in
// test/scenarios/: which policies each one fails, and what the message says. "shop" has a frontend
// (the edge, configured below) and an api behind it.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../analysis";
import { resourcesOfObjects, runPolicies } from "../lib/run";
import { policies } from "../policies";

const SHOP = {
    "edge-only-ingress": { edgeWorkloads: ["frontend"] },
    "no-broad-allow": { edgeWorkloads: ["frontend"] },
    "service-exposure": { edgeWorkloads: ["frontend"] },
};

interface Scenario {
    file: string;
    /** A scenario loaded before the file, which adds to it. */
    base?: string;
    /** Policies with violations (mandatory and advisory). */
    fails: string[];
    /** Fragments the messages must contain. */
    says?: string[];
    /** Fragments no message may contain. */
    passes?: string[];
}

const SCENARIOS: Scenario[] = [
    { file: "zero-trust-kubernetes.yaml", fails: [] },
    { file: "zero-trust-calico.yaml", fails: [] },
    {
        file: "kyverno-dns.yaml",
        fails: ["dns-allowance", "kubernetes-networkpolicy-hygiene"],
        says: [
            "shop/api is isolated for Egress but cannot reach cluster DNS",
            "shop/api -> kube-system/coredns 53/UDP: blocked",
            "selects namespaces by the label name=kube-system, which Kubernetes does not set",
        ],
    },
    {
        file: "egress-only-deny.yaml",
        fails: ["default-deny", "edge-only-ingress"],
        says: [
            "Namespace shop is not isolated for Ingress",
            "shop/api accepts TCP 47123 from external:203.0.113.10",
            "shop/api is not an edge workload but is reachable from outside the cluster",
        ],
    },
    {
        file: "allow-all-ingress.yaml",
        fails: ["default-deny", "edge-only-ingress", "no-broad-allow"],
        says: [
            "Rule ingress[0] of knp:shop/api-open is a broad allow: a pod of any namespace may connect to shop/api on TCP 9000",
            "the rule ingress[0] of knp:shop/api-open allows any peer on any port, which undoes the default deny",
        ],
    },
    {
        file: "unjudged-kinds.yaml",
        base: "zero-trust-kubernetes.yaml",
        fails: ["unjudged-kinds"],
        says: [
            "CiliumNetworkPolicy shop/api-l7 (cilium.io/v2) may change which connections are allowed",
            "AuthorizationPolicy shop/api-allow-all (security.istio.io/v1)",
        ],
        // A staged policy is never enforced by Calico (analysis/model/calico-releases.ts): judged, left out of the verdicts.
        passes: ["StagedNetworkPolicy shop/trial-open"],
    },
    {
        file: "anp-reopens-namespace.yaml",
        base: "zero-trust-kubernetes.yaml",
        fails: ["default-deny", "no-broad-allow"],
        says: ["Namespace shop is not isolated for Ingress", "anp:open-shop"],
    },
    {
        file: "namespace-selector-all.yaml",
        fails: ["no-broad-allow"],
        says: ["knp:shop/api-from-cluster is a broad allow: a pod of any namespace may connect to shop/api on TCP 9000"],
    },
    {
        file: "ipblock-corporate.yaml",
        fails: ["edge-only-ingress"],
        says: ["external:10.0.0.1 -> shop/api 9000/TCP: allowed"],
    },
    {
        file: "gnp-unscoped.yaml",
        fails: ["calico-policy-hygiene", "dns-allowance"],
        says: [
            "selects every endpoint of the cluster (selector all() without a namespaceSelector)",
            "shop/api -> kube-system/coredns 53/UDP: blocked",
            "Fix: gnp:deny-everything isolates the kube-dns pods' ingress: scope it away from kube-system",
        ],
    },
    {
        file: "calico-hygiene.yaml",
        fails: ["calico-policy-hygiene"],
        says: ["has no explicit order", "has no explicit types", "ingress[0] passes in the default tier"],
    },
    {
        file: "kubernetes-hygiene.yaml",
        fails: ["kubernetes-networkpolicy-hygiene", "network-policy-named-ports"],
        says: ["NetworkPolicy shop/sloppy has no explicit policyTypes", 'names port "metrics"/TCP, which shop/api does not declare'],
    },
    { file: "nodeport-untracked-deny.yaml", base: "zero-trust-calico.yaml", fails: [] },
    {
        file: "staged-trial.yaml",
        base: "zero-trust-kubernetes.yaml",
        // Advisory only: the zero-trust policies pass, Calico enforces no staged policy.
        fails: ["staged-policies"],
        says: [
            "Enforcing StagedKubernetesNetworkPolicy shop/api (stagedAction Set: replaces knp:shop/api) would break 1 intent flow:\n" +
                "  - Flow frontend-to-api (frontend -> api:9000), intended allowed, would be blocked:\n" +
                "      - shop/frontend -> shop/api 9000/TCP\n" +
                "          now:      allowed: allowed by knp:shop/frontend egress[0].to[0], ports[0] (tier default); allowed by knp:shop/api ingress[0].from[0], ports[0] (tier default)\n" +
                "          enforced: blocked at shop/api's ingress: denied at the end of tier default: knp:shop/api, knp:shop/default-deny select ingress of shop/api but no rule matches\n" +
                "Why it matters: a staged policy previews a change",
        ],
        passes: ["StagedNetworkPolicy shop/api-no-world"],
    },
    {
        file: "mixed-workloads.yaml",
        fails: ["default-deny", "dns-allowance", "edge-only-ingress", "service-exposure", "unjudged-kinds"],
        says: [
            "Namespace team-b is not isolated for Ingress",
            "team-a/backup is isolated for Egress but cannot reach cluster DNS",
            "team-a/db is isolated for Egress but cannot reach cluster DNS",
            "Service team-a/solo-lb is LoadBalancer (nodePort assigned by Kubernetes (probed as 32767), assigned by Kubernetes (probed as 32766))",
            "Widget team-b/w1 (example.com/v1) may change which connections are allowed",
        ],
    },
];

const STACK_POLICIES = policies.filter((p) => "validateStack" in p).map((p) => p.name);

describe("scenarios", () => {
    it.each(SCENARIOS)("$file", async ({ file, base, fails, says, passes }) => {
        const objects = loadManifests([...(base ? [base] : []), file].map((f) => path.join(__dirname, "scenarios", f)));
        const result = await runPolicies(policies, resourcesOfObjects(objects), { config: SHOP });
        const text = result.violations.map((v) => `${v.policy}: ${v.message}`).join("\n\n");
        if (file === "staged-trial.yaml") expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect([...new Set(result.violations.map((v) => v.policy))].sort(), text).toEqual([...fails].sort());
        for (const fragment of says ?? []) expect(text).toContain(fragment);
        for (const fragment of passes ?? []) expect(text).not.toContain(fragment);
    });

    it("invalid-ports.yaml: the hygiene policies name the mistakes; the stack policies refuse to judge, blaming the object", async () => {
        const file = path.join(__dirname, "scenarios", "invalid-ports.yaml");
        const result = await runPolicies(policies, resourcesOfObjects(loadManifests([file])), { config: SHOP });
        const text = result.violations.map((v) => v.message).join("\n");
        expect(text).toContain("NetworkPolicy shop/icmp-ports ingress[0] matches ports with protocol ICMP");
        expect(text).toContain('NetworkPolicy shop/named-range ingress[0].ports[0] has endPort 9100 but port "http" is not a number');
        expect(text).toContain('NetworkPolicy shop/lower-case ingress[0].ports[0] has protocol "tcp"');
        const refusals = result.violations.filter((v) => v.message.includes("cannot judge this stack"));
        expect(refusals.map((v) => v.policy).sort()).toEqual([...STACK_POLICIES].sort());
        expect(
            refusals.every(
                (v) => v.enforcementLevel === "mandatory" || ["service-exposure", "network-policy-named-ports", "staged-policies"].includes(v.policy),
            ),
        ).toBe(true);
        expect(refusals[0]!.resource).toMatch(/^NetworkPolicy shop\/(icmp-ports|named-range|lower-case) \(/);
    });

    it("names the file a violation comes from", async () => {
        const file = path.join(__dirname, "scenarios", "calico-hygiene.yaml");
        const result = await runPolicies(policies, resourcesOfObjects(loadManifests([file])), { config: SHOP });
        const hygiene = result.violations.find((v) => v.policy === "calico-policy-hygiene")!;
        expect(hygiene.resource).toBe(`NetworkPolicy shop/sloppy (${file} document 10)`);
    });
});
