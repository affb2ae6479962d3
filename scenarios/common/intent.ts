// The zero-trust-intent ConfigMap: how a stack states its intended connectivity, declared once.
// The program writes it (components/intent-config-map.ts), verify reads it back from the cluster
// (live/readback.ts), the policy pack reads it from the stack's resources (policy-pack/lib/intent.ts).
import type { Connection } from "../../analysis";

export const INTENT = {
    configMap: "zero-trust-intent",
    /** The label that marks the ConfigMap (value `labelValue`), in whichever namespace it is. */
    label: "lab.calico-zero-trust/intent",
    labelValue: "true",
    /** The flows this stage must allow and block: YAML, a list of FlowCheck. */
    flowsKey: "flows.yaml",
    /** The pre-existing objects those flows name (kube-dns, a neighbour namespace): multi-document YAML. */
    baselineKey: "baseline.yaml",
    /** Which scenario and stage declared these flows: YAML, an IntentStage. */
    stageKey: "stage.yaml",
    /** The Calico release the cluster runs: the policy pack judges the stack as that release enforces it. */
    calicoVersionKey: "calico-version",
} as const;

/** A flow (docs/glossary.md): a named expectation over one or more connections. */
export interface FlowCheck {
    id: string;
    description: string;
    expected: "allowed" | "blocked";
    /** The flow is allowed only when every leg is allowed. */
    legs: Connection[];
}

/** The stage whose flows an intent ConfigMap declares (its stage.yaml). */
export interface IntentStage {
    scenario: string;
    number: number;
    name: string;
}

/** Whether an object is an intent ConfigMap (a v1 ConfigMap carrying the intent label). */
export function isIntentConfigMap(object: { apiVersion?: unknown; kind?: unknown; metadata?: { labels?: Record<string, string> } }): boolean {
    return object.apiVersion === "v1" && object.kind === "ConfigMap" && object.metadata?.labels?.[INTENT.label] === INTENT.labelValue;
}
