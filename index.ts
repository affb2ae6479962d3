// The lab, top to bottom: config -> the stack's scenario (scenarios/registry.ts) -> its program
// (scenarios/<name>/program.ts) -> the stack outputs below, the same names for every scenario.
import "./required-node";
import * as pulumi from "@pulumi/pulumi";
import { stackConfigReader } from "./config";
import { runScenario } from "./scenarios/run";
import { checkConfigKeys, reportUserErrors } from "./user-errors";

// A bad or unknown key, or a missing tool, is reported as Pulumi reports a user error: the message only.
const outputs = reportUserErrors(() => {
    checkConfigKeys();
    return runScenario(stackConfigReader());
});

export const stage = outputs.stage;
export const flavor = outputs.flavor;
export const labNamespace = outputs.labNamespace;
export const workloads = outputs.workloads;
export const tryIt = outputs.tryIt;
export const expectedFlows = outputs.expectedFlows;
// The machine outputs (every flow as analyzer queries, every policy document: 150-700 lines per
// stage) are marked secret for one reason: Pulumi then shows each as one `[secret]` line instead
// of its whole diff, twice per `pulumi up`, burying what a learner reads. Nothing in them is
// secret; read them with `pulumi stack output --show-secrets --json flowQueries` (the Automation
// API returns them as any output).
export const flowQueries = pulumi.secret(outputs.flowQueries);
export const policyDocuments = pulumi.secret(outputs.policyDocuments);
export const kubeconfig = outputs.kubeconfig;
// No cluster of the program's own (render, existing, iks): no kubeconfig output at all, rather than
// Pulumi's warning on every up that the undefined value "will not show as a stack output".
if (kubeconfig === undefined && typeof module !== "undefined") delete (module.exports as Record<string, unknown>).kubeconfig;
