// Promotion rules: what must hold on the source stack before a stage moves on, and what moves.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { decidePromotion, formatDecision, PromotionFacts } from "../../live/promotion";
import { loadRecord, resultsDirectory, saveRecord, VerificationRecord } from "../../live/results";
import { temporaryDirectory } from "../helpers/temporary";

const verified: VerificationRecord = {
    stack: "dev", stage: { number: 4, name: "allow-proxy" }, namespace: "zero-trust-lab", passed: true, interrupted: false,
    startedAt: "2026-07-10T10:00:00.000Z", finishedAt: "2026-07-10T10:01:00.000Z",
    counts: { flows: 9, passed: 9, differences: 0, notObserved: 0 }, problems: [],
    imageDigests: { "helloworld/helloworld": "docker.io/remkohdev/helloworld@sha256:aaaaaaaa", "helloworld-proxy/helloworld-proxy": "docker.io/remkohdev/helloworld@sha256:aaaaaaaa" },
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
        const decision = decidePromotion(facts({ from: { name: "dev", config: { stage: "helloworld", appImage: "registry.example/hello@sha256:bbbbbbbb" } } }));
        expect(decision.changes).toContainEqual({ key: "appImage", from: undefined, to: "registry.example/hello@sha256:bbbbbbbb" });
        expect(decision.changes.map((c) => c.key)).not.toContain("proxyImage");
    });

    it("is refused without a recorded verification", () => {
        const decision = decidePromotion(facts({ verification: undefined }));
        expect(decision.allowed).toBe(false);
        expect(decision.refusals.join("\n")).toContain("has no recorded verification (/state/.calico-zero-trust-lab/verifications/dev.json): run `npm run verify -- --stack dev` first");
    });

    it("is refused when the last verification failed, naming the flows", () => {
        const decision = decidePromotion(facts({ verification: { ...verified, passed: false, problems: ["helloworld-to-helloworld: the analyzer predicts blocked, the probes observed allowed"] } }));
        expect(decision.refusals.join("\n")).toMatch(/failed \(helloworld-to-helloworld: the analyzer predicts blocked/);
    });

    it("is refused when the verification is of another stage or older than the stack's last update", () => {
        expect(decidePromotion(facts({ from: { name: "dev", config: { stage: "lockdown" } } })).refusals.join("\n")).toContain("was of stage 4 (allow-proxy), the stack is now at stage 5 (lockdown)");
        expect(decidePromotion(facts({ from: { name: "dev", config: { stage: "allow-proxy" }, lastUpdate: "2026-07-10T11:00:00.000Z" } })).refusals.join("\n")).toContain("was updated (2026-07-10T11:00:00.000Z) after its last verification");
    });

    it("is refused when the policy pack fails in mandatory mode", () => {
        const decision = decidePromotion(facts({ policy: { passed: false, summary: "mandatory: default-deny-per-namespace on zero-trust-lab" } }));
        expect(decision.refusals.join("\n")).toContain("the policy pack does not pass in mandatory mode on dev: mandatory: default-deny-per-namespace");
        expect(formatDecision(facts(), decision, "dry-run")).toContain("REFUSED:");
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
