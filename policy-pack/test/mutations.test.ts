// Mutations of the lab's real stage resources: each one breaks zero trust in a way syntax-only
// tools miss, and each must be caught by the policy named, with a message that says why.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../analysis";
import { policies } from "../policies";
import { check, Flavor, stackObjects } from "./helpers";

const NS = "zero-trust-lab";

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
    return found;
}

const defaultDenyOf = (objects: KubeObject[], flavor: Flavor) =>
    flavor === "calico" ? find(objects, "GlobalNetworkPolicy", `${NS}-default-deny`) : find(objects, "NetworkPolicy", "default-deny");

async function mandatoryPolicies(objects: KubeObject[]) {
    const result = await check(policies, objects);
    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
    return { policies: new Set(mandatory.map((v) => v.policy)), text: mandatory.map((v) => `${v.policy}: ${v.message}`).join("\n\n") };
}

describe.each(["calico", "kubernetes"] as const)("mutations of the %s flavor's stage 4", (flavor) => {
    it("the unmutated stage passes (the baseline for every mutation below)", async () => {
        expect((await mandatoryPolicies(await stackObjects(4, flavor))).policies).toEqual(new Set());
    });

    it("dropping the TCP DNS rule is caught: DNS over TCP is blocked", async () => {
        const objects = await stackObjects(4, flavor);
        const deny = defaultDenyOf(objects, flavor);
        if (flavor === "calico") deny.spec.egress = deny.spec.egress.filter((r: any) => r.protocol !== "TCP");
        else deny.spec.egress[0].ports = deny.spec.egress[0].ports.filter((p: any) => p.protocol !== "TCP");
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["dns-allowance", "expected-flows"]));
        expect(text).toContain(`${NS}/helloworld is isolated for Egress but cannot reach cluster DNS`);
        expect(text).toMatch(/zero-trust-lab\/helloworld -> kube-system\/coredns 53\/TCP: blocked/);
        expect(text).toContain("Flow lab-pods-to-kube-dns");
    });

    it("widening the proxy -> helloworld ingress rule to every source is caught", async () => {
        const objects = await stackObjects(4, flavor);
        const rule = find(objects, "NetworkPolicy", "allow-helloworld-from-proxy").spec.ingress[0];
        if (flavor === "calico") delete rule.source;
        else delete rule.from;
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["edge-only-ingress", "no-broad-allow", "expected-flows"]));
        expect(text).toContain(`${NS}/helloworld is not an edge workload but is reachable from outside the cluster`);
        expect(text).toMatch(/Rule ingress\[0\].* of (knp|np):zero-trust-lab\/allow-helloworld-from-proxy is a broad allow/);
        expect(text).toContain("Flow other-namespace-to-helloworld");
    });

    it("forgetting the Egress type of the default deny is caught", async () => {
        const objects = await stackObjects(4, flavor);
        const deny = defaultDenyOf(objects, flavor);
        if (flavor === "calico") deny.spec.types = ["Ingress"];
        else deny.spec.policyTypes = ["Ingress"];
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed.has("default-deny")).toBe(true);
        expect(failed.has("expected-flows")).toBe(true); // lab pods -> internet:443 becomes allowed
        expect(text).toContain(`Namespace ${NS} is not isolated for Egress`);
        // The hygiene policy names the cause: egress rules that are now ignored.
        expect(text).toMatch(/has egress rules but (policyTypes|types) does not list Egress/);
    });

    it("moving the default deny to the wrong namespace is caught", async () => {
        const objects = await stackObjects(4, flavor);
        const deny = defaultDenyOf(objects, flavor);
        if (flavor === "calico") deny.spec.namespaceSelector = "projectcalico.org/name == 'default'";
        else deny.metadata.namespace = "default";
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed.has("default-deny")).toBe(true);
        expect(text).toContain(`Namespace ${NS} is not isolated for Egress`);
        expect(text).toContain("zero-trust-lab/helloworld can connect to external:203.0.113.10 on TCP 47123");
    });

    it("a DNS allowance to all of kube-system (podSelector dropped) is caught as too broad", async () => {
        const objects = await stackObjects(4, flavor);
        const deny = defaultDenyOf(objects, flavor);
        if (flavor === "calico") for (const rule of deny.spec.egress) delete rule.destination.selector;
        else delete deny.spec.egress[0].to[0].podSelector;
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["dns-allowance"]));
        expect(text).toContain("The DNS allowance of zero-trust-lab/helloworld is broader than cluster DNS");
        expect(text).toContain("any pod in kube-system, not only kube-dns");
    });

    it("DNS allowed to 0.0.0.0/0 on port 53 is caught as too broad", async () => {
        const objects = await stackObjects(4, flavor);
        const deny = defaultDenyOf(objects, flavor);
        if (flavor === "calico") for (const rule of deny.spec.egress) rule.destination = { nets: ["0.0.0.0/0"], ports: [53] };
        else deny.spec.egress[0].to = [{ ipBlock: { cidr: "0.0.0.0/0" } }];
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["dns-allowance"]));
        expect(text).toContain("any address, inside or outside the cluster (e.g. 0.0.0.0/0 on port 53)");
    });

    it("egress to 0.0.0.0/0 on every port for helloworld is caught as a broad allow", async () => {
        const objects = await stackObjects(4, flavor);
        objects.push(
            flavor === "calico"
                ? {
                      apiVersion: "projectcalico.org/v3",
                      kind: "NetworkPolicy",
                      metadata: { name: "allow-all-out", namespace: NS },
                      spec: {
                          order: 400,
                          selector: "app == 'helloworld'",
                          types: ["Egress"],
                          egress: [{ action: "Allow", destination: { nets: ["0.0.0.0/0"] } }],
                      },
                  }
                : {
                      apiVersion: "networking.k8s.io/v1",
                      kind: "NetworkPolicy",
                      metadata: { name: "allow-all-out", namespace: NS },
                      spec: {
                          podSelector: { matchLabels: { app: "helloworld" } },
                          policyTypes: ["Egress"],
                          egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
                      },
                  },
        );
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed.has("no-broad-allow")).toBe(true);
        expect(failed.has("default-deny")).toBe(true);
        expect(text).toContain("zero-trust-lab/helloworld may connect to any address on any port");
        expect(text).toMatch(/allow-all-out is a broad allow/);
    });

    it("an intent the stack does not meet is reported with the explanation chain", async () => {
        const objects = await stackObjects(4, flavor);
        const intent = find(objects, "ConfigMap", "zero-trust-intent");
        intent.data = {
            ...(intent.data as object),
            "flows.yaml": (intent.data as any)["flows.yaml"].replace(/(id: helloworld-to-proxy[\s\S]*?expected: )blocked/, "$1allowed"),
        };
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["expected-flows"]));
        expect(text).toContain("Flow helloworld-to-proxy (helloworld -> proxy:8080) is blocked but the stack's intent says allowed.");
        expect(text).toMatch(/zero-trust-lab\/helloworld -> zero-trust-lab\/helloworld-proxy 8080\/TCP: blocked/);
        expect(text).toMatch(/denied at the end of tier default/);
    });
});

describe("the namespaced Calico policy trap", () => {
    it("a namespaced Calico default deny whose DNS rule selector never leaves its namespace is caught", async () => {
        const objects = (await stackObjects(4, "calico")).filter((o) => o.metadata.name !== `${NS}-default-deny`);
        // Looks right, and many tutorials write it: but in a namespaced Calico NetworkPolicy the rule
        // selector only matches pods of the policy's own namespace, where there is no kube-dns.
        objects.push({
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: NS },
            spec: {
                order: 2000,
                selector: "all()",
                types: ["Ingress", "Egress"],
                egress: ["UDP", "TCP"].map((protocol) => ({ action: "Allow", protocol, destination: { selector: "k8s-app == 'kube-dns'", ports: [53] } })),
            },
        });
        const { policies: failed, text } = await mandatoryPolicies(objects);
        expect(failed).toEqual(new Set(["dns-allowance", "expected-flows"]));
        expect(text).toContain("cannot reach cluster DNS");
        expect(text).toContain("a rule selector alone only matches pods of the policy's own namespace");
    });

    it("the same policy with a namespaceSelector on the rule passes", async () => {
        const objects = (await stackObjects(4, "calico")).filter((o) => o.metadata.name !== `${NS}-default-deny`);
        objects.push({
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: NS },
            spec: {
                order: 2000,
                selector: "all()",
                types: ["Ingress", "Egress"],
                egress: ["UDP", "TCP"].map((protocol) => ({
                    action: "Allow",
                    protocol,
                    destination: { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] },
                })),
            },
        });
        expect((await mandatoryPolicies(objects)).policies).toEqual(new Set());
    });
});
