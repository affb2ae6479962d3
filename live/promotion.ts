// Promotion rules: a stage moves from one stack to the next only when the source stack's last
// verification passed for what the source stack is now (same stage, no update since) and the
// policy pack passes in mandatory mode. What moves: the stage and the scenario's images
// (Scenario.promotedImages), pinned by digest; the stages are read against the source stack's
// scenario's table. Pure: the CLI gathers the facts, these rules decide and plan.
import { findStageIn } from "../scenarios/common/stages";
import { defaultScenario, findScenario, SCENARIOS } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import type { VerificationRecord } from "./results";

export const PROJECT = "calico-zero-trust-lab";
/** `stage`, or one of the scenario's promoted image keys. */
export type PromotedKey = string;

export interface StackFacts {
    name: string;
    /** Raw config values without the project prefix (stage, appImage, proxyImage ...). */
    config: Partial<Record<string, string>>;
    /** When the stack was last updated (pulumi up / destroy), ISO time; undefined if never. */
    lastUpdate?: string;
}

export interface PolicyCheck {
    passed: boolean;
    /** What ran and what it said (violations), to print. */
    summary: string;
}

export interface PromotionFacts {
    from: StackFacts;
    to: StackFacts;
    verification?: VerificationRecord;
    verificationFile: string;
    policy: PolicyCheck;
}

export interface ConfigChange {
    key: PromotedKey;
    from?: string;
    to: string;
}

export interface PromotionDecision {
    allowed: boolean;
    /** Every reason to refuse, each with what to do about it. */
    refusals: string[];
    changes: ConfigChange[];
    /** Notes that do not block (e.g. where a digest came from). */
    notes: string[];
}

const DIGEST = /@sha256:[0-9a-f]{6,}$/;

/** The scenario a stack runs: its `scenario` key, else the default. */
function scenarioOf(stack: StackFacts, scenarios: readonly Scenario[]): Scenario | undefined {
    return stack.config.scenario === undefined ? defaultScenario(scenarios) : findScenario(stack.config.scenario, scenarios);
}

/** A stack's stage in the scenario's table; an unset stage is stage 0. */
function findStageOf(scenario: Scenario | undefined, value: string | undefined) {
    return scenario === undefined ? undefined : findStageIn(scenario.stages, value ?? scenario.stages[0]!.name);
}

function stageOf(scenario: Scenario | undefined, value: string | undefined): string {
    const stage = findStageOf(scenario, value);
    return stage ? `${stage.number} (${stage.name})` : `invalid (${value})`;
}

/** An image pinned by digest: the config's own if pinned, else what verification saw running. */
function pinnedImage(configured: string | undefined, workload: string, verification: VerificationRecord | undefined): { image?: string; note?: string } {
    if (configured && DIGEST.test(configured)) return { image: configured };
    const running = Object.entries(verification?.imageDigests ?? {}).find(([key]) => key.startsWith(`${workload}/`))?.[1];
    if (running) return { image: running, note: `${workload}: ${configured ?? "the default image"} is not pinned; promoting the digest verification saw running: ${running}` };
    return {};
}

/** @param scenarios Where the stacks' scenarios are found (default scenarios/registry.ts). */
export function decidePromotion(facts: PromotionFacts, scenarios: readonly Scenario[] = SCENARIOS): PromotionDecision {
    const refusals: string[] = [];
    const notes: string[] = [];
    const { from, to, verification } = facts;
    if (from.name === to.name) refusals.push(`--from and --to are the same stack (${from.name})`);

    const scenario = scenarioOf(from, scenarios);
    if (!scenario) refusals.push(`stack ${from.name} runs an unknown scenario ${JSON.stringify(from.config.scenario)}`);
    const target = scenarioOf(to, scenarios);
    if (scenario && target && target !== scenario) {
        refusals.push(`stack ${to.name} runs the ${target.name} scenario, ${from.name} the ${scenario.name} scenario: set ${PROJECT}:scenario of ${to.name} first`);
    }
    const sourceStage = findStageOf(scenario, from.config.stage);
    if (scenario && !sourceStage) refusals.push(`stack ${from.name} has an invalid stage ${JSON.stringify(from.config.stage)}`);

    if (!verification) {
        refusals.push(`stack ${from.name} has no recorded verification (${facts.verificationFile}): run \`npm run verify -- --stack ${from.name}\` first`);
    } else {
        if (!verification.passed) {
            const why = verification.interrupted ? "was interrupted" : `failed (${verification.problems.slice(0, 3).join("; ") || "see its report"})`;
            refusals.push(`the last verification of ${from.name} (${verification.finishedAt}) ${why}: fix the stage and run \`npm run verify -- --stack ${from.name}\``);
        }
        if (sourceStage && verification.stage && verification.stage.number !== sourceStage.number) {
            refusals.push(`the last verification of ${from.name} was of stage ${verification.stage.number} (${verification.stage.name}), the stack is now at stage ${stageOf(scenario, from.config.stage)}: verify again`);
        }
        if (!verification.stage) refusals.push(`the last verification of ${from.name} does not say which stage it verified: verify again with --stack ${from.name}`);
        if (from.lastUpdate && Date.parse(from.lastUpdate) > Date.parse(verification.startedAt)) {
            refusals.push(`stack ${from.name} was updated (${from.lastUpdate}) after its last verification started (${verification.startedAt}): verify again`);
        }
    }
    if (!facts.policy.passed) refusals.push(`the policy pack does not pass in mandatory mode on ${from.name}: ${facts.policy.summary}`);

    const changes: ConfigChange[] = [];
    const propose = (key: PromotedKey, value: string | undefined) => {
        if (value === undefined) return;
        if ((to.config[key] ?? "") !== value) changes.push({ key, from: to.config[key], to: value });
    };
    if (sourceStage) propose("stage", sourceStage.name);
    const pinned = new Map<string, string | undefined>();
    for (const promoted of scenario?.promotedImages ?? []) {
        if (!sourceStage || sourceStage.number < promoted.fromStage) continue;
        const own = from.config[promoted.key];
        const configured = own || (promoted.defaultsTo === undefined ? undefined : from.config[promoted.defaultsTo]);
        const found = pinnedImage(configured, promoted.workload, verification);
        // An image that falls back to another key's runs that image unless its own key says otherwise.
        const image = found.image ?? (own || promoted.defaultsTo === undefined ? undefined : pinned.get(promoted.defaultsTo));
        if (!image) {
            refusals.push(promoted.defaultsTo === undefined
                ? `the ${promoted.workload} image of ${from.name} is not pinned by digest and verification saw no running digest: set ${promoted.key} to <image>@sha256:<digest>`
                : `the ${promoted.workload} image of ${from.name} is not pinned by digest: set ${promoted.key} to <image>@sha256:<digest>`);
        }
        if (found.note) notes.push(found.note);
        pinned.set(promoted.key, image);
        propose(promoted.key, image);
    }
    return { allowed: refusals.length === 0, refusals, changes, notes };
}

export function formatDecision(facts: PromotionFacts, decision: PromotionDecision, mode: "dry-run" | "preview" | "up"): string {
    const lines = [`Promotion ${facts.from.name} -> ${facts.to.name} (${mode})`];
    const scenario = scenarioOf(facts.from, SCENARIOS);
    lines.push(`  source stage: ${stageOf(scenario, facts.from.config.stage)}; target stage: ${stageOf(scenario, facts.to.config.stage)}`);
    lines.push(`  verification: ${facts.verification ? `${facts.verification.passed ? "passed" : "FAILED"} at ${facts.verification.finishedAt} (${facts.verificationFile})` : `none (${facts.verificationFile})`}`);
    lines.push(`  policy pack (mandatory): ${facts.policy.passed ? "passed" : "FAILED"}: ${facts.policy.summary}`);
    lines.push(decision.changes.length > 0 ? "  plan: set in Pulumi." + facts.to.name + ".yaml" : "  plan: the target's config already matches; nothing to change");
    for (const change of decision.changes) lines.push(`    ${PROJECT}:${change.key}: ${change.from ?? "(unset)"} -> ${change.to}`);
    if (decision.changes.length > 0) lines.push(`    then: pulumi ${mode === "up" ? "up" : "preview"} --stack ${facts.to.name}`);
    for (const note of decision.notes) lines.push(`  note: ${note}`);
    if (decision.allowed) {
        lines.push(mode === "dry-run" ? "ALLOWED (dry run: nothing changed; add --apply to set the config and preview, --apply --up to deploy)" : "ALLOWED");
    } else {
        lines.push("REFUSED:");
        for (const refusal of decision.refusals) lines.push(`  - ${refusal}`);
    }
    return lines.join("\n");
}
