// npm run promote -- --from dev --to staging [--apply] [--up]
// Refuses unless the source stack's last verification passed for its current stage and the
// policy pack passes in mandatory mode. Dry run by default: prints the plan and changes nothing.
import { Command, Option } from "commander";
import { EXIT, stackName, withUsageExit } from "../live/cli";
import { urlRedactor } from "../live/redact";
import { decidePromotion, formatDecision, policyCheckApplies, PROJECT, PromotionFacts } from "../live/promotion";
import { loadRecord, resultsDirectory } from "../live/results";
import { backendUrl, lastUpdate, openExistingStack, policyCheckMandatory, pulumiFailure, REPO_DIR, stackConfig } from "../live/workspace";
import * as path from "path";
import { formatMissing, missingTools } from "../live/prerequisites";

// Every value is checked here, by commander, before Pulumi is asked anything.
const program = withUsageExit(new Command())
    .name("promote")
    .description("Promote a verified stage and its pinned images from one stack to the next")
    .addOption(new Option("--from <stack>", "source stack (verified)").argParser(stackName).makeOptionMandatory())
    .addOption(new Option("--to <stack>", "target stack").argParser(stackName).makeOptionMandatory())
    .option("--apply", "set the target's config and run pulumi preview there (default: dry run)")
    .option("--up", "with --apply: run pulumi up on the target instead of preview");

async function main(): Promise<number> {
    const options = program.parse().opts();
    if (options.up && !options.apply)
        program.error("error: --up deploys only together with --apply (--apply --up); alone it would look like a deploy and be a dry run");
    const missing = missingTools("render");
    if (missing.length > 0) throw new Error(formatMissing("render", missing).replace("cluster mode render needs", "promote needs"));
    const mode = options.apply ? (options.up ? "up" : "preview") : "dry-run";
    const source = await openExistingStack(options.from, `nothing was deployed or verified there (npm run lab -- --stack ${options.from})`);
    const target = await openExistingStack(
        options.to,
        // --no-select: the user's selected stack stays as it is (a `pulumi destroy` typed next must not hit the new one).
        `create it with \`pulumi stack init --no-select ${options.to}\` after \`. scripts/env.sh\` (Pulumi.${options.to}.yaml holds its config; it adds an encryptionsalt line there)`,
    );
    const directory = resultsDirectory(backendUrl(), REPO_DIR);
    const facts: PromotionFacts = {
        from: { name: options.from, config: await stackConfig(source), lastUpdate: await lastUpdate(source) },
        to: { name: options.to, config: await stackConfig(target) },
        verification: loadRecord(directory, options.from),
        verificationFile: path.join(directory, `${options.from}.json`),
    };
    // A render or never deployed stack is refused whatever the pack says; the preview would only cost time.
    if (policyCheckApplies(facts.from)) {
        process.stderr.write(`checking the policy pack in mandatory mode on ${options.from} (pulumi preview --policy-pack) ...\n`);
        facts.policy = await policyCheckMandatory(source);
    }
    const decision = decidePromotion(facts);
    process.stdout.write(`${formatDecision(facts, decision, mode, process.stdout.columns || 100)}\n`);
    if (!decision.allowed) return EXIT.differs;
    if (mode === "dry-run" || decision.changes.length === 0) return EXIT.ok;
    for (const change of decision.changes) await target.setConfig(`${PROJECT}:${change.key}`, { value: change.to });
    const onOutput = (text: string) => process.stdout.write(text);
    if (mode === "up") await target.up({ onOutput });
    else await target.preview({ onOutput });
    return EXIT.ok;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        // A failed `pulumi up`/`preview` printed its own errors above; say which command failed in one line.
        const message = pulumiFailure(error);
        process.stderr.write(`promote: ${urlRedactor().text(message)}\n`);
        process.exit(EXIT.cannotRun);
    },
);
