// The policy pack over every yaobank stage (under Pulumi mocks, cluster=render), with the
// scenario's pack config (scenarios/yaobank/policy-config.json: the customer is the edge).
// Stages 1-2 are not zero trust by design; from default-app-policy on, nothing is reported.
// The track's own text, run through the same pack, shows why the program departs from it.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../analysis";
import { PackConfig, resourcesOfObjects, runPolicies } from "../../policy-pack/lib/run";
import { policies } from "../../policy-pack/policies";
import { YAOBANK_STAGES } from "../../scenarios/yaobank/stages";
import { runProgram } from "../helpers/program";

const PACK_CONFIG = JSON.parse(fs.readFileSync(path.join(__dirname, "../../scenarios/yaobank/policy-config.json"), "utf8")) as PackConfig;
const TRACK = parseAllDocuments(fs.readFileSync(path.join(__dirname, "fixtures", "track-policies.yaml"), "utf8")).map((d) => d.toJS() as KubeObject);

async function objectsAt(stage: number): Promise<KubeObject[]> {
    const run = await runProgram({ cluster: "render", scenario: "yaobank", stage });
    return structuredClone(run.kubernetesObjects) as KubeObject[];
}

const mandatoryPolicies = (result: Awaited<ReturnType<typeof runPolicies>>) =>
    new Set(result.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy));

describe("yaobank: the policy pack", () => {
    it("stage 0 (namespaces only) has nothing to report", async () => {
        const result = await runPolicies(policies, resourcesOfObjects(await objectsAt(0)), { config: PACK_CONFIG });
        expect(result.violations).toEqual([]);
    });

    it.each([1, 2])("stage %i is not zero trust: default-deny fails it, the expected flows still hold", async (stage) => {
        const result = await runPolicies(policies, resourcesOfObjects(await objectsAt(stage)), { config: PACK_CONFIG });
        expect(mandatoryPolicies(result)).toContain("default-deny");
        expect(result.violations.filter((v) => v.policy === "expected-flows")).toEqual([]);
    });

    it.each(YAOBANK_STAGES.filter((s) => s.number >= 3).map((s) => [s.number, s.name] as const))(
        "stage %i (%s) passes every policy, advisory ones included",
        async (stage) => {
            const result = await runPolicies(policies, resourcesOfObjects(await objectsAt(stage)), { config: PACK_CONFIG });
            expect(result.violations.map((v) => `${v.policy}: ${v.message.split("\n")[0]}`)).toEqual([]);
            // Every policy applies but staged-policies: the track stages nothing.
            expect(result.notApplicable).toEqual([{ policy: "staged-policies", reason: "the stack holds no staged policy" }]);
        },
    );

    it("the track's policies as written fail it at stage 4: the findings the program's additions answer", async () => {
        const program = await objectsAt(4);
        const trackNames = new Set(TRACK.map((p) => p.metadata.name));
        const asWritten = [...program.filter((o) => !trackNames.has(o.metadata.name) || o.kind === "ConfigMap"), ...structuredClone(TRACK)];
        const result = await runPolicies(policies, resourcesOfObjects(asWritten), { config: PACK_CONFIG });
        expect(mandatoryPolicies(result)).toEqual(
            new Set([
                "default-deny", // the customer accepts any TCP port
                "no-broad-allow", // the summary accepts any pod of the cluster
                "edge-only-ingress", // ... and so any outside client that reaches a pod IP
                "dns-allowance", // DNS over UDP only
                "calico-policy-hygiene", // no order, no types
                "kubernetes-networkpolicy-hygiene", // no policyTypes
                "expected-flows", // this stack's intent: the scope and the refused flows above
            ]),
        );
        const flows = result.violations
            .filter((v) => v.policy === "expected-flows")
            .map((v) => v.message)
            .join("\n");
        expect(flows).toContain("local-path-storage/local-path-provisioner");
        expect(flows).toContain("yaobank-summary/summary");
    });
});
