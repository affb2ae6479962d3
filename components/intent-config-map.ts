import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { stringify } from "yaml";
import { FlowCheck, INTENT } from "../scenarios/common/intent";
import { BASELINE_FILE } from "../scenarios/common/flows";
import { MANAGED_BY_LABEL } from "./zero-trust-documents";

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
    return new k8s.core.v1.ConfigMap(
        INTENT.configMap,
        {
            metadata: {
                name: INTENT.configMap,
                namespace: args.namespace,
                labels: { ...MANAGED_BY_LABEL, [INTENT.label]: INTENT.labelValue },
            },
            data: {
                [INTENT.flowsKey]: stringify(args.checks, { lineWidth: 0, aliasDuplicateObjects: false }),
                [INTENT.baselineKey]: args.baseline ?? fs.readFileSync(BASELINE_FILE, "utf8"),
                [INTENT.stageKey]: stringify({ scenario: args.stage.scenario, number: args.stage.number, name: args.stage.name }),
                [INTENT.calicoVersionKey]: args.calicoVersion,
            },
        },
        opts,
    );
}
