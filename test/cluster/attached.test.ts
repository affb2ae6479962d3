import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseLabConfig } from "../../config";
import { createCluster } from "../../components/cluster";
import { CALICOCTL_APPLY_SCRIPT, CALICOCTL_DELETE_SCRIPT } from "../../components/cluster/calicoctl";
import { byName, PROVIDER, runLab, settled, useMocks } from "./harness";

const everyTool = { findCommand: (name: string) => `/usr/bin/${name}` };
const settings = (config: Record<string, string>) => parseLabConfig((key) => config[key]).cluster;
const CALICO_INSTALL = /tigera-operator|operator\.tigera\.io|kind create/;

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

    it("creates, updates and deletes Calico policies with calicoctl, the document on stdin, against the Kubernetes datastore", async () => {
        const { registered } = await runLab({ cluster: "iks", kubeconfigContext: "lab-iks/abc123", stage: "lockdown" });
        const policies = registered.filter((r) => r.type === "command:local:Command" && r.inputs.create === CALICOCTL_APPLY_SCRIPT);
        expect(policies.length).toBeGreaterThan(0);
        for (const policy of policies) {
            expect(policy.inputs.update).toBe(CALICOCTL_APPLY_SCRIPT);
            expect(policy.inputs.delete).toBe(CALICOCTL_DELETE_SCRIPT);
            expect(policy.inputs.environment).toEqual({ KUBE_CONTEXT: "lab-iks/abc123", DATASTORE_TYPE: "kubernetes" });
            expect(parse(policy.inputs.stdin).apiVersion).toBe("projectcalico.org/v3");
            expect(policy.provider).toBe("");
        }
        expect(CALICOCTL_APPLY_SCRIPT).toContain("calicoctl apply -f -");
        expect(CALICOCTL_DELETE_SCRIPT).toContain("calicoctl delete --skip-not-exists -f -");
        // No Calico document goes through the Kubernetes API on IKS.
        expect(registered.filter((r) => r.type.startsWith("kubernetes:") && String(r.inputs.apiVersion).startsWith("projectcalico.org"))).toEqual([]);
        const lockdown = policies.map((p) => parse(p.inputs.stdin)).find((doc) => doc.spec.preDNAT === true);
        expect(lockdown?.spec.selector).toBe("ibm.role == 'worker_public'");
    });

    it("with calicoApply=api-server, policies go through the Kubernetes API after the projectcalico.org/v3 gate", async () => {
        const { registered } = await runLab({ cluster: "iks", calicoApply: "api-server", stage: "allow-proxy" });
        const gate = byName(registered, "iks-calico-api-ready");
        expect(gate.inputs.environment).toMatchObject({ KUBE_CONTEXT: "" });
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
        expect(byName(registered, "existing-calico-api-ready").inputs.create).toContain("apiservice/v3.projectcalico.org");
        expect(registered.filter((r) => CALICO_INSTALL.test(JSON.stringify(r.inputs)))).toEqual([]);
    });

    it("honours calicoApply=calicoctl", async () => {
        const { registered } = await runLab({ cluster: "existing", calicoApply: "calicoctl", stage: "deny-all" });
        const policies = registered.filter((r) => r.inputs.create === CALICOCTL_APPLY_SCRIPT);
        expect(policies.length).toBeGreaterThan(0);
        expect(registered.map((r) => r.name)).not.toContain("existing-calico-api-ready");
    });

    it("needs no Calico gate for the kubernetes flavor", async () => {
        const { registered } = await runLab({ cluster: "existing", flavor: "kubernetes", stage: "allow-proxy" });
        expect(registered.filter((r) => r.type === "command:local:Command")).toEqual([]);
    });
});
