import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { stringify } from "yaml";
import type { FlowCheck } from "../scenarios/common/flows";
import { BASELINE_FILE } from "../scenarios/common/flows";
import { MANAGED_BY_LABEL } from "./zero-trust-documents";

/** The ConfigMap that states a stack's intended connectivity; the policy pack and verify read it. */
export const INTENT_CONFIG_MAP = {
    name: "zero-trust-intent",
    label: { "lab.calico-zero-trust/intent": "true" },
    flowsKey: "flows.yaml",
    baselineKey: "baseline.yaml",
    /** Which scenario and stage declared these flows ({scenario, number, name}): verify checks --stage against it. */
    stageKey: "stage.yaml",
    /** The Calico release the cluster runs: the policy pack judges the stack as that release enforces it. */
    calicoVersionKey: "calico-version",
} as const;

export interface IntentArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    checks: FlowCheck[];
    /** The stage these flows are of. */
    stage: { scenario: string; number: number; name: string };
    /** The pre-existing objects the flows name, as YAML; default baseline/cluster.yaml. */
    baseline?: string;
    /** The cluster's Calico release (config calicoVersion). */
    calicoVersion: string;
}

/**
 * Declares, next to the workloads, which flows this stage must allow and block (flows.yaml),
 * with the pre-existing objects those flows name (baseline.yaml: kube-dns, a neighbour
 * namespace). A declaration only: nothing in the cluster reads it.
 */
export function createIntentConfigMap(args: IntentArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(INTENT_CONFIG_MAP.name, {
        metadata: {
            name: INTENT_CONFIG_MAP.name,
            namespace: args.namespace,
            labels: { ...MANAGED_BY_LABEL, ...INTENT_CONFIG_MAP.label },
        },
        data: {
            [INTENT_CONFIG_MAP.flowsKey]: stringify(args.checks, { lineWidth: 0, aliasDuplicateObjects: false }),
            [INTENT_CONFIG_MAP.baselineKey]: args.baseline ?? fs.readFileSync(BASELINE_FILE, "utf8"),
            [INTENT_CONFIG_MAP.stageKey]: stringify({ scenario: args.stage.scenario, number: args.stage.number, name: args.stage.name }),
            [INTENT_CONFIG_MAP.calicoVersionKey]: args.calicoVersion,
        },
    }, opts);
}
