// expected-flows: when the stack states its intended flows (the lab's `zero-trust-intent`
// ConfigMap, one per stage), the analyzer's verdicts equal them. A flow is allowed when every leg
// is allowed; every extra allow (permissiveness) and every missing allow (breakage) is reported
// with the analyzer's explanation chain. The analyzer judges the stack's objects plus the intent's
// baseline (the pre-existing kube-dns and neighbour namespace the flows name).
import type { Verdict } from "../../analysis";
import { AnalysisInputError, buildModel, query } from "../../analysis";
import { schemaOf } from "../lib/config";
import { explainVerdict } from "../lib/explain";
import type { FlowCheck } from "../../scenarios/common/intent";
import { Intent, INTENT, intentsOf } from "../lib/intent";
import { clusterPolicy } from "../lib/policy";

export interface FlowResult {
    flow: FlowCheck;
    observed: "allowed" | "blocked";
    verdicts: Verdict[];
    /** Some leg is allowed on some paths only (it depends on where the pods run). */
    partial: boolean;
}

export function judgeFlows(intent: Intent, model: ReturnType<typeof buildModel>): FlowResult[] {
    return intent.flows.map((flow) => {
        const verdicts = flow.legs.map((leg, i) => {
            try {
                return query(model, leg);
            } catch (error) {
                if (error instanceof AnalysisInputError) {
                    throw new AnalysisInputError(`flow ${flow.id} leg ${i + 1}: ${error.message}`, {
                        object: `ConfigMap ${intent.source.metadata.namespace}/${intent.source.metadata.name}`,
                        key: `data.${INTENT.flowsKey}`,
                    });
                }
                throw error;
            }
        });
        const observed = verdicts.every((v) => v.allowed) ? "allowed" : "blocked";
        return { flow, observed, verdicts, partial: verdicts.some((v) => v.partial) };
    });
}

function mismatchMessage(result: FlowResult, intent: Intent): string {
    const { flow, observed } = result;
    const unexpectedAllow = flow.expected === "blocked";
    // For a missing allow the blocked legs say why; for an extra allow every leg is part of the path.
    const legs = unexpectedAllow ? result.verdicts : result.verdicts.filter((v) => !v.allowed);
    return [
        `Flow ${flow.id} (${flow.description}) is ${observed}${result.partial ? " (allowed on some paths only)" : ""} but the stack's intent says ${flow.expected}.`,
        ...legs.map((v) => `  - ${explainVerdict(v, "      ")}`),
        unexpectedAllow
            ? `Why it matters: an allow nobody intended is exactly what zero trust exists to prevent. Fix: remove or narrow the policy rule named above, or add the missing deny.`
            : `Why it matters: the stage's application path is broken. Fix: add an allow for the blocked leg at the enforcement point named above (both the source's egress and the destination's ingress must allow).`,
        `The intent is declared in ConfigMap ${intent.source.metadata.namespace}/${intent.source.metadata.name} (${INTENT.flowsKey}).`,
    ].join("\n");
}

const configSchema = schemaOf(["hostEndpoints"]);

export const expectedFlows = clusterPolicy({
    name: "expected-flows",
    description:
        "When the stack declares its intended connectivity (a ConfigMap labelled lab.calico-zero-trust/intent=true with flows.yaml, as every lab stage from 1 on does), " +
        "the analyzer's verdict for every flow equals it: each extra allow and each missing allow is reported with the chain of policy decisions that explains it.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    judge(view, report, args) {
        const intents = intentsOf(view.subjects);
        if (intents.length === 0) args.notApplicable(`no ConfigMap labelled ${INTENT.label}=true declares the intended flows`);
        for (const intent of intents) {
            // The view's model is the stack plus the baseline (and probe endpoints, which no flow names).
            for (const result of judgeFlows(intent, view.model)) {
                const matches = result.observed === result.flow.expected && !result.partial;
                if (!matches) report(mismatchMessage(result, intent), intent.source);
            }
        }
    },
});
