// staged-policies (advisory): Calico's staged policies (v3.30+: StagedNetworkPolicy,
// StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy) are how Calico teaches "stage, observe,
// enforce". Calico never enforces one, so they change no verdict of the other policies and never fail
// a stack. This policy says what enforcing them would break: each flow of the stack's intent
// (zero-trust-intent) that matches the intent now and would not once a staged policy is enforced,
// naming the staged policy, the flow and the rule deciding it before and after. Flows only
// enforcing several staged policies together would break are reported once, for all of them. On a
// Calico release that does not serve the staged kinds (before v3.30.0) it says so per object:
// applying the stack there fails.
import { type ClusterModel, enforceStaged, inSpans, isStaged, type KubeObject, kindRow, type StagedChange, verdictLine } from "../../analysis";
import { schemaOf } from "../lib/config";
import { describe } from "../lib/objects";
import { Intent, INTENT, intentsOf } from "../lib/intent";
import { clusterPolicy, type Report } from "../lib/policy";
import { type FlowResult, judgeFlows } from "./expected-flows";

const matches = (result: FlowResult) => result.observed === result.flow.expected && !result.partial;

/** What a set of staged changes does, in words: `StagedNetworkPolicy shop/x (stagedAction Set: replaces np:shop/x)`. */
const changeText = (change: StagedChange) => `${describe(change.staged)} (stagedAction ${change.action}: ${change.effect} ${change.policy})`;

function brokenFlowsMessage(changes: readonly StagedChange[], broken: { now: FlowResult; enforced: FlowResult }[], intent: Intent): string {
    const what =
        changes.length === 1 ? `Enforcing ${changeText(changes[0]!)}` : `Enforcing the staged policies together (${changes.map(changeText).join("; ")})`;
    return [
        `${what} would break ${broken.length} intent flow${broken.length > 1 ? "s" : ""}:`,
        ...broken.flatMap(({ now, enforced }) => [
            `  - Flow ${now.flow.id} (${now.flow.description}), intended ${now.flow.expected}, would be ${enforced.observed}${enforced.partial ? " (allowed on some paths only)" : ""}:`,
            ...now.flow.legs.flatMap((leg, i) => {
                const [before, after] = [now.verdicts[i]!, enforced.verdicts[i]!];
                if (before.allowed === after.allowed && !after.partial) return [];
                return [
                    `      - ${leg.src} -> ${leg.dst} ${leg.port}/${leg.protocol}`,
                    `          now:      ${verdictLine(before)}`,
                    `          enforced: ${verdictLine(after)}`,
                ];
            }),
        ]),
        `Why it matters: a staged policy previews a change ("stage, observe, enforce"); enforced as it is, it breaks what the stack declares. ` +
            `Calico does not enforce it yet, so this is advisory.`,
        `Fix: before enforcing it, add the allow the flow needs to the staged policy (or narrow its deny), or change the intent if the flow is meant to end. ` +
            `npm run --silent analyze -- <manifests> --staged shows every flow enforcing it would change.`,
        `The intent is declared in ConfigMap ${intent.source.metadata.namespace}/${intent.source.metadata.name} (${INTENT.flowsKey}).`,
    ].join("\n");
}

/** The intent's flows that match now and would not in `enforced`. */
function broken(intent: Intent, now: FlowResult[], enforced: ClusterModel): { now: FlowResult; enforced: FlowResult }[] {
    const after = judgeFlows(intent, enforced);
    return now.flatMap((result, i) => (matches(result) && !matches(after[i]!) ? [{ now: result, enforced: after[i]! }] : []));
}

const notServedMessage = (object: KubeObject, version: string, why: string) =>
    [
        `${describe(object)} is a staged policy, which Calico v${version} does not serve: applying the stack fails there, and the analyzer leaves it out.`,
        `Why it matters: ${why}.`,
        `Fix: judge (and run) Calico v3.30 or later (the pack's calicoVersion setting, or the intent's), or leave the staged policy out of this stack.`,
    ].join("\n");

export const stagedPolicies = clusterPolicy({
    name: "staged-policies",
    description:
        "Calico staged policies never fail a stack (Calico does not enforce them); this reports, advisory, the intent flows enforcing each of them would break, " +
        "naming the staged policy, the flow and the rule deciding it now and once enforced.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: schemaOf(["hostEndpoints"]),
    judge(view, report: Report, args) {
        const staged = view.subjects.filter(isStaged);
        if (!staged.length) return args.notApplicable("the stack holds no staged policy");
        const release = view.model.options.calicoRelease;
        const served = kindRow(staged[0]!)!.served!;
        if (!inSpans(release, served.spans)) {
            for (const object of staged) report(notServedMessage(object, release.version, served.why), object);
            return;
        }
        const intents = intentsOf(view.subjects);
        if (!intents.length) return args.notApplicable("no intent declares the flows enforcing the staged policies could break");
        const others = view.subjects.filter((o) => !isStaged(o));
        const nowByIntent = intents.map((intent) => judgeFlows(intent, view.model));
        const alone = new Set<string>();
        for (const object of staged) {
            const { objects, changes } = enforceStaged([...others, object]);
            const enforced = view.modelWith(() => objects);
            intents.forEach((intent, i) => {
                const flows = broken(intent, nowByIntent[i]!, enforced);
                for (const flow of flows) alone.add(`${i}|${flow.now.flow.id}`);
                if (flows.length) report(brokenFlowsMessage(changes, flows, intent), object);
            });
        }
        if (staged.length < 2) return;
        const { objects, changes } = enforceStaged(view.subjects);
        const together = view.modelWith(() => objects);
        intents.forEach((intent, i) => {
            const flows = broken(intent, nowByIntent[i]!, together).filter((flow) => !alone.has(`${i}|${flow.now.flow.id}`));
            if (flows.length) report(brokenFlowsMessage(changes, flows, intent), intent.source);
        });
    },
});
