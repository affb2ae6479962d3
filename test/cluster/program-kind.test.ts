// The whole program (index.ts) on cluster=kind, the dev stack's default.
import { describe, expect, it } from "vitest";
import { PrerequisiteError } from "../../components/cluster/prerequisites";
import { byName, inspect, PROVIDER, Registered, runLab } from "./harness";

const kubernetesObjects = (registered: Registered[]) => registered.filter((r) => r.type.startsWith("kubernetes:"));
const calicoPolicies = (registered: Registered[]) => registered.filter((r) => String(r.inputs.apiVersion).startsWith("projectcalico.org"));

describe("the program on kind", () => {
    it("previews a brand-new stack at every stage although the kubeconfig is unknown", async () => {
        for (const stage of ["cluster", "helloworld", "proxy", "deny-all", "allow-proxy", "lockdown"]) {
            const { registered, program } = await runLab({ stage }, { preview: true });
            expect(byName(registered, "calico-lab", PROVIDER).unknownInputs, stage).toContain("kubeconfig");
            expect((await inspect(program.kubeconfig as any)).known, stage).toBe(false);
            expect(byName(registered, "lab").type).toBe("kubernetes:core/v1:Namespace");
        }
    });

    it("creates every lab object through the kind cluster's provider", async () => {
        const { registered } = await runLab({ stage: "lockdown" });
        const provider = byName(registered, "calico-lab", PROVIDER);
        const objects = kubernetesObjects(registered);
        expect(objects.length).toBeGreaterThan(5);
        for (const object of objects) {
            expect(object.provider, `${object.type} ${object.name}`).toBe(`${provider.urn}::${provider.name}-id`);
        }
    });

    it("creates Calico policies only after the projectcalico.org/v3 API and the host endpoints, deleted with the cluster", async () => {
        const { registered } = await runLab({ stage: "lockdown" });
        const gate = byName(registered, "calico-lab-calico-api-ready");
        const heps = byName(registered, "calico-lab-host-endpoints");
        const cluster = byName(registered, "calico-lab-cluster");
        const policies = calicoPolicies(registered);
        expect(policies.map((p) => p.inputs.kind)).toContain("GlobalNetworkPolicy");
        for (const policy of policies) {
            expect(policy.dependencies, policy.name).toEqual(expect.arrayContaining([gate.urn, heps.urn]));
            expect(policy.deletedWith, policy.name).toBe(cluster.urn);
        }
    });

    it.each([[{ stage: "lockdown" }], [{ stage: "allow-proxy", flavor: "kubernetes" }], [{ scenario: "yaobank", stage: "calico-policies" }]])(
        "deletes every object inside the cluster with the cluster, so destroy removes the kind cluster instead of each object: %j",
        async (config) => {
            const { registered } = await runLab(config);
            const cluster = byName(registered, "calico-lab-cluster");
            const objects = kubernetesObjects(registered);
            expect(objects.map((o) => o.inputs.kind)).toEqual(expect.arrayContaining(["Namespace", "Deployment", "Service", "ConfigMap"]));
            for (const object of objects) {
                expect(object.deletedWith, `${object.type} ${object.name}`).toBe(cluster.urn);
            }
        },
    );

    it("enables automatic host endpoints at the lockdown stage only: a lower stage removes the resource, whose delete disables them", async () => {
        for (const stage of ["cluster", "deny-all", "allow-proxy"]) {
            const { registered } = await runLab({ stage });
            expect(
                registered.map((r) => r.name),
                stage,
            ).not.toContain("calico-lab-host-endpoints");
        }
        const { registered } = await runLab({ stage: "lockdown" });
        expect(byName(registered, "calico-lab-host-endpoints").inputs.delete).toContain('"autoCreate":"Disabled"');
    });

    it("exports the kubeconfig as a secret", async () => {
        const { program } = await runLab({ stage: "cluster" });
        expect(await inspect(program.kubeconfig as any)).toMatchObject({ secret: true, known: true });
    });

    it("stops before registering anything when kind is not installed", async () => {
        // (index.ts is imported afresh, so the error is of that import's PrerequisiteError class)
        await expect(runLab({ stage: "cluster" }, { tools: ["docker", "kubectl"] })).rejects.toMatchObject({
            name: PrerequisiteError.name,
            cause: { missing: ["kind"] },
        });
        await expect(runLab({ stage: "cluster" }, { tools: ["docker", "kubectl"] })).rejects.toThrow(/Install kind/);
    });
});
