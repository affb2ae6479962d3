// The lab, top to bottom: config -> the scenario's program -> outputs.
// The `scenario` key picks this lab (helloworld, scenarios/helloworld/program.ts) or Tigera's
// yaobank track (scenarios/yaobank/program.ts); both give the stack outputs below.
import { loadLabConfig, parseScenario, stackConfigReader } from "./config";
import { helloworldProgram } from "./scenarios/helloworld/program";
import { parseYaobankConfig } from "./scenarios/yaobank/config";
import { yaobankProgram } from "./scenarios/yaobank/program";
import { checkConfigKeys, reportUserErrors } from "./user-errors";

// A bad or unknown key, or a missing tool, is reported as Pulumi reports a user error: the message only.
const outputs = reportUserErrors(() => {
    checkConfigKeys();
    const read = stackConfigReader();
    return parseScenario(read) === "yaobank" ? yaobankProgram(parseYaobankConfig(read)) : helloworldProgram(loadLabConfig());
});

export const stage = outputs.stage;
export const flavor = outputs.flavor;
export const labNamespace = outputs.labNamespace;
export const workloads = outputs.workloads;
export const tryIt = outputs.tryIt;
export const expectedFlows = outputs.expectedFlows;
export const flowQueries = outputs.flowQueries;
export const policyDocuments = outputs.policyDocuments;
export const kubeconfig = outputs.kubeconfig;
// No cluster of the program's own (render, existing, iks): no kubeconfig output at all, rather than
// Pulumi's warning on every up that the undefined value "will not show as a stack output".
if (kubeconfig === undefined && typeof module !== "undefined") delete (module.exports as Record<string, unknown>).kubeconfig;
