// The pack over every stage of the lab program (under Pulumi mocks, cluster=render), both flavors.
// Stages 1-2 are deliberately not zero trust: mandatory violations, shown as advisory on request.
// From stage 3 on the mandatory run passes.
import { describe, expect, it } from "vitest";
import { runPolicies } from "../lib/run";
import { policies } from "../policies";
import { FLAVORS, iksStackResources, stackResources } from "./helpers";

const STAGES_OF = { calico: [0, 1, 2, 3, 4, 5], kubernetes: [0, 1, 2, 3, 4] } as const;

describe.each(FLAVORS)("the pack over every stage, %s flavor", (flavor) => {
    it.each(STAGES_OF[flavor].filter((s) => s <= 2))("stage %i is not zero trust: default-deny and edge-only-ingress fail it", async (stage) => {
        const result = await runPolicies(policies, await stackResources(stage, flavor));
        const mandatory = new Set(result.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy));
        if (stage === 0) {
            // Only the namespace exists: nothing to isolate, no intent to check.
            expect(mandatory).toEqual(new Set());
            expect(result.notApplicable.map((n) => n.policy)).toContain("expected-flows");
            return;
        }
        expect(mandatory).toEqual(new Set(["default-deny", "edge-only-ingress"]));
        // The stage does what the lab says it does: the intended flows hold even though they are not zero trust.
        expect(result.violations.filter((v) => v.policy === "expected-flows")).toEqual([]);
    });

    it.each(STAGES_OF[flavor].filter((s) => s === 1 || s === 2))("stage %i run as advisory reports the same findings without failing", async (stage) => {
        const resources = await stackResources(stage, flavor);
        const mandatory = await runPolicies(policies, resources);
        const advisory = await runPolicies(policies, resources, { advisory: true });
        expect(advisory.violations.map((v) => [v.policy, v.message])).toEqual(mandatory.violations.map((v) => [v.policy, v.message]));
        expect(advisory.violations.every((v) => v.enforcementLevel === "advisory")).toBe(true);
    });

    it.each(STAGES_OF[flavor].filter((s) => s >= 3))("stage %i passes every mandatory policy", async (stage) => {
        const result = await runPolicies(policies, await stackResources(stage, flavor));
        expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        // Every policy applies but staged-policies: the lab stages nothing.
        expect(result.notApplicable).toEqual([{ policy: "staged-policies", reason: "the stack holds no staged policy" }]);
    });
});

describe("advisory findings on the zero-trust stages", () => {
    it("stages 3-4 keep the helloworld NodePort open at the node (service-exposure); the lockdown closes it", async () => {
        for (const stage of [3, 4]) {
            const result = await runPolicies(policies, await stackResources(stage, "calico"));
            expect(result.violations.map((v) => v.policy)).toEqual(["service-exposure"]);
            expect(result.violations[0]!.message).toContain("Service zero-trust-lab/helloworld is NodePort");
        }
        const lockdown = await runPolicies(policies, await stackResources(5, "calico"));
        expect(lockdown.violations).toEqual([]);
    });

    it("on an iks stack, with IBM's host endpoints and default policies, the findings are the same: stage 4 keeps the NodePort open, the lockdown closes it", async () => {
        const open = await runPolicies(policies, await iksStackResources(4));
        expect(open.violations.map((v) => v.policy)).toEqual(["service-exposure"]);
        expect(open.violations[0]!.message).toContain("Pod policy blocks it today");
        expect((await runPolicies(policies, await iksStackResources(5))).violations).toEqual([]);
    });

    it("violations name the resource by URN", async () => {
        const result = await runPolicies(policies, await stackResources(1, "kubernetes"));
        const defaultDeny = result.violations.find((v) => v.policy === "default-deny")!;
        expect(defaultDeny.resource).toBe("urn:pulumi:test::calico-zero-trust-lab::kubernetes:core/v1:Namespace::lab");
        expect(defaultDeny.message).toContain("Namespace zero-trust-lab is not isolated for Ingress");
    });
});

describe("Calico documents applied with calicoctl (IKS, no Calico API server)", () => {
    /** The stage's resources with every Calico CustomResource replaced by a calicoctl command whose stdin is the document. */
    async function throughCalicoctl(stage: number) {
        const { stringify } = await import("yaml");
        return (await stackResources(stage, "calico")).map((r) =>
            r.type.startsWith("kubernetes:projectcalico.org/")
                ? { ...r, type: "command:local:Command", props: { create: "calicoctl apply -f -", stdin: stringify(r.props) } }
                : r,
        );
    }

    it("the pack judges the documents the same way: stage 4 passes", async () => {
        const result = await runPolicies(policies, await throughCalicoctl(4));
        expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    });

    it("a calicoctl document without order or types is caught by calico-policy-hygiene", async () => {
        const { parse, stringify } = await import("yaml");
        const resources = (await throughCalicoctl(4)).map((r) => {
            if (r.type !== "command:local:Command") return r;
            const document = parse(r.props.stdin);
            delete document.spec.order;
            return { ...r, props: { ...r.props, stdin: stringify(document) } };
        });
        const result = await runPolicies(policies, resources);
        const hygiene = result.violations.filter((v) => v.policy === "calico-policy-hygiene");
        expect(hygiene.length).toBe(4);
        expect(hygiene[0]!.message).toContain("has no explicit order");
        expect(hygiene[0]!.resource).toMatch(/^urn:pulumi:test::calico-zero-trust-lab::/);
    });
});
