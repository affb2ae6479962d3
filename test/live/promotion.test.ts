// Promotion rules: what must hold on the source stack before a stage moves on, and what moves.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { PrerequisiteError } from "../../components/cluster/prerequisites";
import { decidePromotion, formatDecision, policyCheckApplies, PromotionFacts } from "../../live/promotion";
import { loadRecord, resultsDirectory, saveRecord, VerificationRecord } from "../../live/results";
import { programError } from "../../live/workspace";
import { temporaryDirectory } from "../helpers/temporary";

const verified: VerificationRecord = {
    stack: "dev",
    stage: { number: 4, name: "allow-proxy" },
    namespace: "zero-trust-lab",
    passed: true,
    interrupted: false,
    startedAt: "2026-07-10T10:00:00.000Z",
    finishedAt: "2026-07-10T10:01:00.000Z",
    counts: { flows: 9, passed: 9, differences: 0, notObserved: 0 },
    problems: [],
    imageDigests: {
        "helloworld/helloworld": "docker.io/remkohdev/helloworld@sha256:aaaaaaaa",
        "helloworld-proxy/helloworld-proxy": "docker.io/remkohdev/helloworld@sha256:aaaaaaaa",
    },
};

function facts(overrides: Partial<PromotionFacts> = {}): PromotionFacts {
    return {
        from: { name: "dev", config: { stage: "allow-proxy", appImage: "remkohdev/helloworld:latest" }, lastUpdate: "2026-07-10T09:59:00.000Z" },
        to: { name: "staging", config: { stage: "cluster", cluster: "iks" } },
        verification: verified,
        verificationFile: "/state/.calico-zero-trust-lab/verifications/dev.json",
        policy: { passed: true, summary: "no violations" },
        ...overrides,
    };
}

describe("promotion from dev to staging", () => {
    it("a verified stage moves with the digest verification saw running; a dry run only prints the plan", () => {
        const decision = decidePromotion(facts());
        expect(decision.refusals).toEqual([]);
        expect(decision.changes).toEqual([
            { key: "stage", from: "cluster", to: "allow-proxy" },
            { key: "appImage", from: undefined, to: "docker.io/remkohdev/helloworld@sha256:aaaaaaaa" },
            { key: "proxyImage", from: undefined, to: "docker.io/remkohdev/helloworld@sha256:aaaaaaaa" },
        ]);
        const text = formatDecision(facts(), decision, "dry-run");
        expect(text).toContain("calico-zero-trust-lab:stage: cluster -> allow-proxy");
        expect(text).toContain("then: pulumi preview --stack staging");
        expect(text).toContain("ALLOWED (dry run: nothing changed");
    });

    it("an image already pinned in config is promoted as configured", () => {
        const decision = decidePromotion(
            facts({
                from: {
                    name: "dev",
                    config: { stage: "helloworld", appImage: "registry.example/hello@sha256:bbbbbbbb" },
                    lastUpdate: "2026-07-10T09:59:00.000Z",
                },
            }),
        );
        expect(decision.changes).toContainEqual({ key: "appImage", from: undefined, to: "registry.example/hello@sha256:bbbbbbbb" });
        expect(decision.changes.map((c) => c.key)).not.toContain("proxyImage");
    });

    it("is refused without a recorded verification", () => {
        const decision = decidePromotion(facts({ verification: undefined }));
        expect(decision.allowed).toBe(false);
        expect(decision.refusals).toEqual([
            "stack dev has no recorded verification (no /state/.calico-zero-trust-lab/verifications/dev.json). Next: `npm run verify -- --stack dev`, then `npm run promote -- --from dev --to staging`",
        ]);
    });

    it("is refused when the last verification failed, naming the flows", () => {
        const decision = decidePromotion(
            facts({
                verification: {
                    ...verified,
                    passed: false,
                    problems: ["helloworld-to-helloworld: the analyzer predicts blocked, the probes observed allowed"],
                },
            }),
        );
        expect(decision.refusals.join("\n")).toMatch(/failed \(helloworld-to-helloworld: the analyzer predicts blocked/);
    });

    it("is refused when the verification is of another stage or older than the stack's last update", () => {
        expect(
            decidePromotion(facts({ from: { name: "dev", config: { stage: "lockdown" }, lastUpdate: "2026-07-10T09:59:00.000Z" } })).refusals.join("\n"),
        ).toContain("stack dev is at stage 5 (lockdown) but its last verification was of stage 4 (allow-proxy). Next: `npm run verify -- --stack dev`");
        expect(
            decidePromotion(facts({ from: { name: "dev", config: { stage: "allow-proxy" }, lastUpdate: "2026-07-10T11:00:00.000Z" } })).refusals.join("\n"),
        ).toContain(
            "stack dev was updated after its last verification, so what runs there now is unverified (updated 2026-07-10T11:00:00.000Z, verification started 2026-07-10T10:00:00.000Z)",
        );
    });

    it("is refused when the policy pack fails in mandatory mode", () => {
        const decision = decidePromotion(facts({ policy: { passed: false, summary: "mandatory: default-deny-per-namespace on zero-trust-lab" } }));
        expect(decision.refusals.join("\n")).toContain(
            "the policy pack refuses stack dev with every policy mandatory (mandatory: default-deny-per-namespace on zero-trust-lab). Next: `pulumi preview --stack dev --policy-pack policy-pack` shows every violation",
        );
        expect(formatDecision(facts(), decision, "dry-run")).toContain("REFUSED:");
    });

    it("a render stack is refused as such, pointing at a cluster walk: never at verify, which refuses render stacks", () => {
        const render = facts({ from: { name: "local-render", config: { cluster: "render", stage: "deny-all" } }, verification: undefined, policy: undefined });
        const decision = decidePromotion(render);
        expect(decision.refusals).toEqual([
            "stack local-render renders manifests (cluster: render), so no stage of it was ever verified on a cluster, and only a verified stage is promoted. Next: walk and verify the stage on a cluster stack, e.g. the local kind lab: `npm run lab -- --stack dev --to deny-all --yes`, then `npm run promote -- --from dev --to staging`",
        ]);
        const text = formatDecision(render, decision, "dry-run");
        expect(text).not.toContain("npm run verify");
        expect(text).toContain("policy pack (mandatory): not run (refused before it)");
    });

    it("a stack never deployed (pulumi stack init alone) is refused as such, pointing at the walk that deploys and verifies it; the pack is not run", () => {
        const initOnly = facts({ from: { name: "dev", config: { cluster: "kind", stage: "allow-proxy" } }, verification: undefined, policy: undefined });
        expect(policyCheckApplies(initOnly.from)).toBe(false);
        expect(policyCheckApplies(facts().from)).toBe(true);
        expect(policyCheckApplies({ name: "local-render", config: { cluster: "render" }, lastUpdate: "2026-07-10T09:59:00.000Z" })).toBe(false);
        const decision = decidePromotion(initOnly);
        // Not `npm run verify`: with nothing deployed it finds no cluster either.
        expect(decision.refusals).toEqual([
            "stack dev has no recorded verification and was never deployed (no update in its history). Next: `npm run lab -- --stack dev --to allow-proxy --yes` deploys and verifies it, then `npm run promote -- --from dev --to staging`",
        ]);
        expect(formatDecision(initOnly, decision, "dry-run")).toContain("policy pack (mandatory): not run (refused before it)");
    });

    it("a preview that fails before the pack judges is quoted whole: a heading's list of missing tools too", () => {
        const missing = new PrerequisiteError("kind", [
            { tool: "docker", why: "kind runs the cluster's nodes as Docker containers", problem: "not found on PATH" },
            { tool: "kind", why: "the program creates and deletes the kind cluster with it", problem: "not found on PATH" },
        ]);
        expect(missing.message.split("\n")[0]).toMatch(/:$/);
        const why = programError([missing.message, "preview failed"]);
        expect(why).toMatch(/^cluster=kind needs tools that are missing or not working: - docker \(kind runs .*: not found on PATH\. Install .* - kind \(/);
        expect(why).not.toContain("\n");
        expect(programError(["preview failed"])).toBeUndefined();
    });

    it("every refusal is one paragraph: what and which stack, the evidence, one next step; wrapped to the terminal", () => {
        const decision = decidePromotion(
            facts({
                from: { name: "dev", config: { stage: "lockdown" }, lastUpdate: "2026-07-10T11:00:00.000Z" },
                verification: { ...verified, passed: false, imageDigests: {}, problems: ["a: x", "b: y", "c: z", "d: w"] },
                policy: { passed: false, summary: "default-deny: Namespace zero-trust-lab is not isolated for Ingress" },
            }),
        );
        expect(decision.refusals.length).toBeGreaterThan(3);
        for (const refusal of decision.refusals) {
            expect(refusal).toMatch(/^[a-z-]+[^\n]*\bdev\b[^\n]*\. Next: [^\n]*`[^`]+`/);
            expect(refusal.match(/Next:/g)).toHaveLength(1);
        }
        expect(decision.refusals.join("\n")).toContain("the last verification of dev failed (a: x; b: y; c: z; and 1 more)");
        const text = formatDecision(facts(), decision, "dry-run", 60);
        const paragraphs = text.split("REFUSED:\n")[1]!.split("\n\n").filter(Boolean);
        expect(paragraphs).toHaveLength(decision.refusals.length);
        // A command is never broken: one longer than the width gets a line of its own.
        for (const line of text.split("REFUSED:")[1]!.split("\n")) expect(line.length <= 60 || /^ *`[^`]*`\S*$/.test(line), line).toBe(true);
    });

    it("is refused when no image digest is known", () => {
        const decision = decidePromotion(facts({ verification: { ...verified, imageDigests: {} } }));
        expect(decision.refusals.join("\n")).toContain("the helloworld image of dev is not pinned by digest");
    });
});

describe("where verification results are kept", () => {
    it("next to the file:// backend's state, one JSON per stack", () => {
        const dir = temporaryDirectory("results");
        const results = resultsDirectory(`file://${dir}`, "/repo");
        expect(results).toBe(path.join(dir, ".calico-zero-trust-lab", "verifications"));
        expect(resultsDirectory("https://api.pulumi.com", "/repo")).toBe("/repo/.pulumi-lab-results/verifications");
        const file = saveRecord(results, verified);
        expect(file).toBe(path.join(results, "dev.json"));
        expect(loadRecord(results, "dev")).toEqual(verified);
        expect(loadRecord(results, "staging")).toBeUndefined();
    });
});
