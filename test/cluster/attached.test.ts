import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { createCluster } from "../../components/cluster";
import { byName, PROVIDER, runLab, settled, useMocks } from "./harness";

const everyTool = { findCommand: (name: string) => `/usr/bin/${name}` };
const settings = (config: Record<string, string>) => parseLabConfig((key) => config[key]).cluster;
const CALICO_INSTALL = /tigera-operator|operator\.tigera\.io|kind create/;
const CALICOCTL_DOCUMENT = "pulumi-nodejs:dynamic/lab:CalicoctlDocument";
const CALICO_API_GATE = "pulumi-nodejs:dynamic/lab:CalicoApiGate";
/** Attached clusters need no provider plugin but Kubernetes: no command resources, whatever the stage. */
const commands = (registered: { type: string }[]) => registered.filter((r) => r.type.startsWith("command:"));

async function attach(config: Record<string, string>) {
    const registered = await useMocks();
    const cluster = createCluster(settings(config), { hostEndpoints: true }, everyTool);
    await settled(registered);
    return { registered, cluster };
}

describe("cluster=iks", () => {
    it("attaches to the kubeconfig context and never installs or reconfigures Calico", async () => {
        const { registered, cluster } = await attach({ cluster: "iks", kubeconfigContext: "lab-iks/abc123", stage: "lockdown" });
        expect(byName(registered, "iks", PROVIDER).inputs).toMatchObject({ context: "lab-iks/abc123" });
        expect(registered.filter((r) => CALICO_INSTALL.test(JSON.stringify(r.inputs)))).toEqual([]);
        expect(registered.map((r) => r.name)).not.toContain("iks-host-endpoints");
        expect(cluster.calicoReady).toEqual([]);
        expect(cluster.calicoResourceFactory).toBeDefined();
    });

    it("creates, updates and deletes Calico policies with calicoctl through a dynamic provider holding only the context and the document", async () => {
        const { registered } = await runLab({ cluster: "iks", kubeconfigContext: "lab-iks/abc123", stage: "lockdown" });
        const policies = registered.filter((r) => r.type === CALICOCTL_DOCUMENT);
        expect(policies.length).toBeGreaterThan(0);
        expect(commands(registered)).toEqual([]);
        for (const policy of policies) {
            expect(policy.inputs).toMatchObject({ context: "lab-iks/abc123", timeoutSeconds: 120 });
            expect(Object.keys(policy.inputs).sort()).toEqual(["__provider", "context", "document", "timeoutSeconds"]);
            expect(policy.secretInputs).toEqual([]);
            expect(parse(policy.inputs.document).apiVersion).toBe("projectcalico.org/v3");
            // The serialized provider runs calicoctl and never embeds a kubeconfig.
            expect(policy.inputs.__provider).toContain("runCalicoctl");
            expect(policy.inputs.__provider).not.toMatch(/client-key|certificate-authority-data|token:/);
            expect(policy.provider).toBe("");
        }
        // No Calico document goes through the Kubernetes API on IKS.
        expect(registered.filter((r) => r.type.startsWith("kubernetes:") && String(r.inputs.apiVersion).startsWith("projectcalico.org"))).toEqual([]);
        const lockdown = policies.map((p) => parse(p.inputs.document)).find((doc) => doc.spec.preDNAT === true);
        expect(lockdown?.spec.selector).toBe("ibm.role == 'worker_public'");
    });

    it("with calicoApply=api-server, policies go through the Kubernetes API after the projectcalico.org/v3 gate", async () => {
        const { registered } = await runLab({ cluster: "iks", calicoApply: "api-server", stage: "allow-proxy" });
        const gate = byName(registered, "iks-calico-api-ready", CALICO_API_GATE);
        expect(gate.inputs).toMatchObject({ context: "", timeoutSeconds: 600 });
        expect(commands(registered)).toEqual([]);
        const calicoPolicies = registered.filter((r) => String(r.inputs.apiVersion).startsWith("projectcalico.org"));
        expect(calicoPolicies.length).toBeGreaterThan(0);
        for (const policy of calicoPolicies) expect(policy.dependencies, policy.name).toContain(gate.urn);
    });
});

describe("cluster=existing", () => {
    it("uses the API server by default and waits for it", async () => {
        const { registered, cluster } = await attach({ cluster: "existing", kubeconfigContext: "mine" });
        expect(byName(registered, "existing", PROVIDER).inputs).toMatchObject({ context: "mine" });
        expect(cluster.calicoReady).toHaveLength(1);
        expect(cluster.calicoResourceFactory).toBeUndefined();
        const gate = byName(registered, "existing-calico-api-ready", CALICO_API_GATE);
        expect(gate.inputs).toMatchObject({ context: "mine", timeoutSeconds: 600 });
        expect(gate.secretInputs).toEqual([]);
        expect(gate.inputs.__provider).toContain("waitForCalicoApi");
        expect(commands(registered)).toEqual([]);
        expect(registered.filter((r) => CALICO_INSTALL.test(JSON.stringify(r.inputs)))).toEqual([]);
    });

    it("honours calicoApply=calicoctl", async () => {
        const { registered } = await runLab({ cluster: "existing", calicoApply: "calicoctl", stage: "deny-all" });
        const policies = registered.filter((r) => r.type === CALICOCTL_DOCUMENT);
        expect(policies.length).toBeGreaterThan(0);
        for (const policy of policies) expect(policy.inputs.context).toBe("");
        expect(registered.map((r) => r.name)).not.toContain("existing-calico-api-ready");
        expect(commands(registered)).toEqual([]);
    });

    it("needs no Calico gate for the kubernetes flavor", async () => {
        const { registered } = await runLab({ cluster: "existing", flavor: "kubernetes", stage: "allow-proxy" });
        expect(commands(registered)).toEqual([]);
        expect(registered.filter((r) => r.type.startsWith("pulumi-nodejs:"))).toEqual([]);
    });
});
