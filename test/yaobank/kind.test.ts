// The yaobank scenario on cluster=kind: the same cluster, provider and Calico gate as the
// helloworld lab (components/cluster), reached through the scenario dispatch in index.ts.
import { describe, expect, it } from "vitest";
import { YAOBANK_STAGE_NAMES } from "../../scenarios/yaobank/stages";
import { byName, PROVIDER, runLab } from "../cluster/harness";

describe("yaobank on kind", () => {
    it("previews a brand-new stack at every stage although the kubeconfig is unknown", async () => {
        for (const stage of YAOBANK_STAGE_NAMES) {
            const { registered } = await runLab({ scenario: "yaobank", stage }, { preview: true });
            expect(byName(registered, "calico-lab", PROVIDER).unknownInputs, stage).toContain("kubeconfig");
            expect(byName(registered, "yaobank-customer").type, stage).toBe("kubernetes:core/v1:Namespace");
        }
    });

    it("creates every object through the kind cluster's provider; the Calico policies after the projectcalico.org/v3 API, deleted with the cluster", async () => {
        const { registered } = await runLab({ scenario: "yaobank", stage: "calico-policies" });
        const provider = byName(registered, "calico-lab", PROVIDER);
        const cluster = byName(registered, "calico-lab-cluster");
        const gate = byName(registered, "calico-lab-calico-api-ready");
        const objects = registered.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined);
        expect(objects.length).toBeGreaterThan(15);
        for (const object of objects) expect(object.provider, `${object.type} ${object.name}`).toBe(`${provider.urn}::${provider.name}-id`);
        const calico = registered.filter((r) => String(r.inputs.apiVersion).startsWith("projectcalico.org"));
        expect(calico.map((p) => p.inputs.metadata.name).sort()).toEqual(["default-app-policy", "p-customer2summary", "p-external2customer"]);
        for (const policy of calico) {
            expect(policy.dependencies, policy.name).toContain(gate.urn);
            expect(policy.deletedWith, policy.name).toBe(cluster.urn);
        }
        // No lockdown stage here: the automatic host endpoints stay off.
        expect(registered.map((r) => r.name)).not.toContain("calico-lab-host-endpoints");
    });
});
