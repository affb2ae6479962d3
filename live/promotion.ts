// Promotion rules: a stage moves from one stack to the next only when the source stack's last
// verification passed for what the source stack is now (same stage, no update since) and the
// policy pack passes in mandatory mode. What moves: the stage and the scenario's images
// (Scenario.promotedImages), pinned by digest; the stages are read against the source stack's
// scenario's table. Pure: the CLI gathers the facts, these rules decide and plan.
import { findStageIn } from "../scenarios/common/stages";
import { defaultScenario, findScenario, SCENARIOS } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import type { VerificationRecord } from "./results";
import { wrap } from "./text";

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
    /** Undefined when not run: a render or never deployed source is refused without the 30-60 s preview (policyCheckApplies). */
    policy?: PolicyCheck;
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
    if (running)
        return {
            image: running,
            note: `${workload}: ${configured ?? "the default image"} is not pinned; promoting the digest verification saw running: ${running}`,
        };
    return {};
}

/**
 * One refusal as one short paragraph: what is wrong and on which stack, the evidence, and the
 * next command, which must work for that stack (never `verify` for a render stack).
 */
function refusal(what: string, evidence: string | undefined, next: string): string {
    return `${what}${evidence ? ` (${evidence})` : ""}. Next: ${next}`;
}

/** A command to type, as the refusals quote it. */
const command = (text: string) => `\`${text}\``;
const verifyCommand = (stack: string) => command(`npm run verify -- --stack ${stack}`);

/**
 * Whether the policy pack's preview (30-60 s) can tell anything about the source: not for a render
 * stack or a stack never deployed, which are refused as such whatever the pack says.
 */
export function policyCheckApplies(from: StackFacts): boolean {
    return from.config.cluster !== "render" && from.lastUpdate !== undefined;
}

/** @param scenarios Where the stacks' scenarios are found (default scenarios/registry.ts). */
export function decidePromotion(facts: PromotionFacts, scenarios: readonly Scenario[] = SCENARIOS): PromotionDecision {
    const refusals: string[] = [];
    const notes: string[] = [];
    const { from, to, verification } = facts;
    const promoteAgain = command(`npm run promote -- --from ${from.name} --to ${to.name}`);
    if (from.name === to.name)
        refusals.push(
            refusal(
                `--from and --to name the same stack, ${from.name}`,
                undefined,
                `name the next environment as --to, e.g. ${command(`npm run promote -- --from ${from.name} --to staging`)}`,
            ),
        );

    const scenario = scenarioOf(from, scenarios);
    if (!scenario)
        refusals.push(
            refusal(
                `stack ${from.name} runs a scenario this checkout does not have`,
                `scenario: ${JSON.stringify(from.config.scenario)}; scenarios/registry.ts has ${scenarios.map((s) => s.name).join(", ")}`,
                command(`pulumi config set --stack ${from.name} scenario <one of them>`),
            ),
        );
    const target = scenarioOf(to, scenarios);
    if (scenario && target && target !== scenario) {
        refusals.push(
            refusal(
                `stack ${to.name} runs the ${target.name} scenario, ${from.name} the ${scenario.name} scenario`,
                undefined,
                `${command(`pulumi config set --stack ${to.name} scenario ${scenario.name}`)}, then ${promoteAgain}`,
            ),
        );
    }
    const sourceStage = findStageOf(scenario, from.config.stage);
    if (scenario && !sourceStage)
        refusals.push(
            refusal(
                `stack ${from.name} has no valid stage`,
                `stage: ${JSON.stringify(from.config.stage)}; ${scenario.name} has ${scenario.stages.map((s) => s.name).join(", ")}`,
                command(`pulumi config set --stack ${from.name} stage <one of them>`),
            ),
        );

    const toStage = sourceStage ? ` --to ${sourceStage.name}` : "";
    if (from.config.cluster === "render") {
        // verify refuses a render stack: there is no cluster where its stage could have been observed.
        refusals.push(
            refusal(
                `stack ${from.name} renders manifests (cluster: render), so no stage of it was ever verified on a cluster, and only a verified stage is promoted`,
                undefined,
                `walk and verify the stage on a cluster stack, e.g. the local kind lab: ${command(`npm run lab -- --stack dev${toStage} --yes`)}, then ${command(`npm run promote -- --from dev --to ${to.name}`)}`,
            ),
        );
    } else if (from.lastUpdate === undefined) {
        // `pulumi stack init` alone: verify would find no cluster, the pack's preview only what is missing to create one.
        refusals.push(
            refusal(
                `stack ${from.name} has no recorded verification and was never deployed`,
                "no update in its history",
                `${command(`npm run lab -- --stack ${from.name}${toStage} --yes`)} deploys and verifies it, then ${promoteAgain}`,
            ),
        );
    } else if (!verification) {
        refusals.push(
            refusal(`stack ${from.name} has no recorded verification`, `no ${facts.verificationFile}`, `${verifyCommand(from.name)}, then ${promoteAgain}`),
        );
    } else {
        if (!verification.passed) {
            const why = verification.interrupted ? "was interrupted" : "failed";
            const evidence = verification.interrupted
                ? `finished ${verification.finishedAt}`
                : `${verification.problems.slice(0, 3).join("; ") || "see its report"}${verification.problems.length > 3 ? `; and ${verification.problems.length - 3} more` : ""}`;
            refusals.push(
                refusal(
                    `the last verification of ${from.name} ${why}`,
                    evidence,
                    `fix the stage, then ${verifyCommand(from.name)} (its report shows every flow)`,
                ),
            );
        }
        if (sourceStage && verification.stage && verification.stage.number !== sourceStage.number) {
            refusals.push(
                refusal(
                    `stack ${from.name} is at stage ${stageOf(scenario, from.config.stage)} but its last verification was of stage ${verification.stage.number} (${verification.stage.name})`,
                    undefined,
                    `${verifyCommand(from.name)}, then ${promoteAgain}`,
                ),
            );
        }
        if (!verification.stage)
            refusals.push(
                refusal(
                    `the last verification of ${from.name} does not say which stage it verified`,
                    facts.verificationFile,
                    `${verifyCommand(from.name)}, then ${promoteAgain}`,
                ),
            );
        if (from.lastUpdate && Date.parse(from.lastUpdate) > Date.parse(verification.startedAt)) {
            refusals.push(
                refusal(
                    `stack ${from.name} was updated after its last verification, so what runs there now is unverified`,
                    `updated ${from.lastUpdate}, verification started ${verification.startedAt}`,
                    `${verifyCommand(from.name)}, then ${promoteAgain}`,
                ),
            );
        }
    }
    if (facts.policy && !facts.policy.passed) {
        refusals.push(
            refusal(
                `the policy pack refuses stack ${from.name} with every policy mandatory`,
                facts.policy.summary,
                `${command(`pulumi preview --stack ${from.name} --policy-pack policy-pack`)} shows every violation; fix the stage, ${command(`pulumi up --stack ${from.name}`)}, ${verifyCommand(from.name)}`,
            ),
        );
    }

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
        // Without a verification the refusal above says to verify, which records the running digests.
        if (!image && verification) {
            const seen = promoted.defaultsTo === undefined ? "and verification saw no running digest" : undefined;
            refusals.push(
                refusal(
                    `the ${promoted.workload} image of ${from.name} is not pinned by digest`,
                    [`${promoted.key}: ${configured ?? "the default image"}`, seen].filter(Boolean).join(", "),
                    `${command(`pulumi config set --stack ${from.name} ${promoted.key} <image>@sha256:<digest>`)}, ${command(`pulumi up --stack ${from.name}`)}, ${verifyCommand(from.name)}`,
                ),
            );
        }
        if (found.note) notes.push(found.note);
        pinned.set(promoted.key, image);
        propose(promoted.key, image);
    }
    return { allowed: refusals.length === 0, refusals, changes, notes };
}

/** @param width Columns to wrap the refusals to (the terminal's). */
export function formatDecision(facts: PromotionFacts, decision: PromotionDecision, mode: "dry-run" | "preview" | "up", width = 100): string {
    const lines = [`Promotion ${facts.from.name} -> ${facts.to.name} (${mode})`];
    const scenario = scenarioOf(facts.from, SCENARIOS);
    lines.push(`  source stage: ${stageOf(scenario, facts.from.config.stage)}; target stage: ${stageOf(scenario, facts.to.config.stage)}`);
    lines.push(
        `  verification: ${facts.verification ? `${facts.verification.passed ? "passed" : "FAILED"} at ${facts.verification.finishedAt} (${facts.verificationFile})` : facts.from.config.cluster === "render" ? "none (a render stack is never verified)" : `none (${facts.verificationFile})`}`,
    );
    lines.push(
        `  policy pack (mandatory): ${facts.policy ? `${facts.policy.passed ? "passed" : "FAILED"}: ${facts.policy.summary}` : "not run (refused before it)"}`,
    );
    const plan = decision.allowed ? "plan" : "plan, once allowed";
    lines.push(
        decision.changes.length > 0 ? `  ${plan}: set in Pulumi.${facts.to.name}.yaml` : `  ${plan}: the target's config already matches; nothing to change`,
    );
    for (const change of decision.changes) lines.push(`    ${PROJECT}:${change.key}: ${change.from ?? "(unset)"} -> ${change.to}`);
    if (decision.changes.length > 0) lines.push(`    then: pulumi ${mode === "up" ? "up" : "preview"} --stack ${facts.to.name}`);
    for (const note of decision.notes) lines.push(`  note: ${note}`);
    if (decision.allowed) {
        lines.push(mode === "dry-run" ? "ALLOWED (dry run: nothing changed; add --apply to set the config and preview, --apply --up to deploy)" : "ALLOWED");
    } else {
        lines.push(`REFUSED${mode === "dry-run" ? "" : " (nothing changed)"}:`);
        for (const refusal of decision.refusals) lines.push("", ...wrap(refusal, Math.max(40, width - 2)).map((line) => `  ${line}`));
    }
    return lines.join("\n");
}
