import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { createCluster } from "../../components/cluster";
import { calicoManifestUrls, parseCalicoVersion } from "../../components/cluster/calico-install";
import { KindCluster, KIND_CREATE_SCRIPT, KIND_DELETE_SCRIPT } from "../../components/cluster/kind";
import { byName, FAKE_KUBECONFIG, inspect, PROVIDER, settled, useMocks } from "./harness";

const everyTool = { findCommand: (name: string) => `/usr/bin/${name}` };
const settings = (config: Record<string, string> = {}) => parseLabConfig((key) => config[key]).cluster;

async function kind(config: Record<string, string> = {}, needs = { hostEndpoints: false }, preview = false) {
    const registered = await useMocks({ preview });
    const cluster = createCluster(settings({ cluster: "kind", ...config }), needs, everyTool) as KindCluster;
    await settled(registered);
    return { registered, cluster };
}

describe("cluster=kind: the kind cluster", () => {
    it("is created with `kind create cluster` from the generated config on stdin and deleted with `kind delete cluster`", async () => {
        const { registered } = await kind({ kindClusterName: "lab-a", kindWorkers: "2" });
        const command = byName(registered, "lab-a-cluster");
        expect(command.type).toBe("command:local:Command");
        expect(command.inputs.create).toBe(KIND_CREATE_SCRIPT);
        expect(command.inputs.create).toContain('kind create cluster --name "$KIND_CLUSTER_NAME" --config -');
        expect(command.inputs.delete).toBe(KIND_DELETE_SCRIPT);
        expect(command.inputs.delete).toContain('kind delete cluster --name "$KIND_CLUSTER_NAME"');
        expect(command.inputs.environment).toEqual({ KIND_CLUSTER_NAME: "lab-a" });
        const config = parse(command.inputs.stdin);
        expect(config.networking).toMatchObject({ disableDefaultCNI: true, podSubnet: "192.168.0.0/16" });
        expect(config.nodes.map((node: { role: string }) => node.role)).toEqual(["control-plane", "worker", "worker"]);
    });

    it("is replaced, old one deleted first, when its configuration changes (a kind cluster cannot be edited)", async () => {
        const { registered } = await kind();
        const command = byName(registered, "calico-lab-cluster");
        expect(command.inputs.triggers).toEqual([command.inputs.stdin]);
        expect(command.deleteBeforeReplace).toBe(true);
    });

    it("keeps the kubeconfig secret: a secret output, a secret provider input, never logged", async () => {
        const { registered, cluster } = await kind();
        const command = byName(registered, "calico-lab-cluster");
        expect(command.additionalSecretOutputs).toContain("stdout");
        expect(command.inputs.logging).toBe("stderr");
        const kubeconfig = await inspect(cluster.kubeconfig);
        expect(kubeconfig).toMatchObject({ value: FAKE_KUBECONFIG, secret: true });
        const provider = byName(registered, "calico-lab", PROVIDER);
        expect(provider.type).toBe("pulumi:providers:kubernetes");
        expect(provider.inputs.kubeconfig).toBe(FAKE_KUBECONFIG);
        expect(provider.secretInputs).toContain("kubeconfig");
        for (const name of ["calico-lab-calico-operator", "calico-lab-calico-installation", "calico-lab-calico-api-ready"]) {
            expect(byName(registered, name).secretInputs, name).toContain("environment");
        }
    });

    it("orders cluster -> Calico operator -> Installation -> projectcalico.org/v3 API ready, and the provider after the Installation", async () => {
        const { registered } = await kind();
        const urn = (name: string) => byName(registered, name).urn;
        expect(byName(registered, "calico-lab-calico-operator").dependencies).toContain(urn("calico-lab-cluster"));
        expect(byName(registered, "calico-lab-calico-installation").dependencies).toContain(urn("calico-lab-calico-operator"));
        expect(byName(registered, "calico-lab-calico-api-ready").dependencies).toContain(urn("calico-lab-calico-installation"));
        expect(byName(registered, "calico-lab", PROVIDER).dependencies).toContain(urn("calico-lab-calico-installation"));
    });

    it("installs the pinned Calico through the tigera-operator, with the IP pool = the pod subnet and the API server", async () => {
        const { registered } = await kind({ podSubnet: "10.244.0.0/16", calicoVersion: "v3.30.3" });
        const operator = byName(registered, "calico-lab-calico-operator");
        expect(operator.inputs.create).toContain(
            "kubectl apply --server-side --force-conflicts -f https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/operator-crds.yaml",
        );
        expect(operator.inputs.create).toContain("https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/tigera-operator.yaml");
        const installation = byName(registered, "calico-lab-calico-installation");
        const documents = parseAllDocuments(installation.inputs.stdin).map((doc) => doc.toJS());
        expect(documents.map((doc) => `${doc.apiVersion} ${doc.kind}/${doc.metadata.name}`)).toEqual([
            "operator.tigera.io/v1 Installation/default",
            "operator.tigera.io/v1 APIServer/default",
        ]);
        expect(documents[0].spec.calicoNetwork.ipPools).toEqual([
            expect.objectContaining({ cidr: "10.244.0.0/16", encapsulation: "VXLANCrossSubnet", natOutgoing: "Enabled" }),
        ]);
        expect(installation.inputs.create).toContain("kubectl apply --server-side --force-conflicts -f -");
    });

    it("waits for the APIService v3.projectcalico.org to be Available and for GlobalNetworkPolicy to answer", async () => {
        const { registered, cluster } = await kind();
        const gate = byName(registered, "calico-lab-calico-api-ready");
        expect(gate.inputs.create).toContain("kubectl wait --for=condition=Available apiservice/v3.projectcalico.org");
        expect(gate.inputs.create).toContain("kubectl get globalnetworkpolicies.projectcalico.org");
        expect(cluster.calicoReady).toEqual([cluster.calicoApiReady]);
    });

    it("enables automatic host endpoints only when the stage needs them, after the API is ready, and disables them on delete", async () => {
        const without = await kind({}, { hostEndpoints: false });
        expect(without.registered.map((r) => r.name)).not.toContain("calico-lab-host-endpoints");
        expect(without.cluster.hostEndpoints).toBeUndefined();

        const withHeps = await kind({}, { hostEndpoints: true });
        const heps = byName(withHeps.registered, "calico-lab-host-endpoints");
        expect(heps.inputs.create).toContain(
            `kubectl patch kubecontrollersconfigurations.projectcalico.org default --type=merge -p '{"spec":{"controllers":{"node":{"hostEndpoint":{"autoCreate":"Enabled"}}}}}'`,
        );
        expect(heps.inputs.delete).toContain(`'{"spec":{"controllers":{"node":{"hostEndpoint":{"autoCreate":"Disabled"}}}}}'`);
        expect(heps.dependencies).toContain(byName(withHeps.registered, "calico-lab-calico-api-ready").urn);
        expect(withHeps.cluster.calicoReady).toContain(withHeps.cluster.hostEndpoints);
    });

    it("deletes the objects inside the cluster with the cluster, which goes last", async () => {
        const { registered } = await kind({}, { hostEndpoints: true });
        const clusterUrn = byName(registered, "calico-lab-cluster").urn;
        for (const name of ["calico-lab-calico-operator", "calico-lab-calico-installation", "calico-lab-calico-api-ready", "calico-lab-host-endpoints"]) {
            expect(byName(registered, name).deletedWith, name).toBe(clusterUrn);
        }
        expect(byName(registered, "calico-lab-cluster").dependencies).toEqual([]);
    });

    it("previews on a brand-new stack: the kubeconfig is unknown and nothing throws", async () => {
        const { registered, cluster } = await kind({}, { hostEndpoints: true }, true);
        expect((await inspect(cluster.kubeconfig)).known).toBe(false);
        expect(byName(registered, "calico-lab", PROVIDER).unknownInputs).toContain("kubeconfig");
        expect(registered.map((r) => r.name)).toEqual(
            expect.arrayContaining([
                "calico-lab-cluster",
                "calico-lab-calico-operator",
                "calico-lab-calico-installation",
                "calico-lab",
                "calico-lab-calico-api-ready",
                "calico-lab-host-endpoints",
            ]),
        );
    });
});

describe("Calico versions", () => {
    it("applies the CRDs from where each release keeps them (3.32 moved them out of the operator)", () => {
        const files = (tag: string) => calicoManifestUrls(parseCalicoVersion(tag)).map((url) => url.split("/").slice(-3).join("/"));
        expect(files("v3.29.4")).toEqual(["v3.29.4/manifests/tigera-operator.yaml"]);
        expect(files("v3.30.3")).toEqual(["v3.30.3/manifests/operator-crds.yaml", "v3.30.3/manifests/tigera-operator.yaml"]);
        expect(files("v3.31.7")).toEqual(["v3.31.7/manifests/operator-crds.yaml", "v3.31.7/manifests/tigera-operator.yaml"]);
        expect(files("v3.32.1")).toEqual(["v3.32.1/manifests/v1_crd_projectcalico_org.yaml", "v3.32.1/manifests/tigera-operator.yaml"]);
    });

    it("a bad calicoVersion or podSubnet stops the program before anything is registered", async () => {
        const configs: Record<string, string>[] = [{ calicoVersion: "latest" }, { podSubnet: "10.96.0.0/12" }];
        for (const config of configs) {
            const registered = await useMocks();
            expect(() => createCluster(settings({ cluster: "kind", ...config }), { hostEndpoints: false }, everyTool)).toThrow(/Invalid configuration/);
            await settled(registered);
            expect(registered, JSON.stringify(config)).toEqual([]);
        }
    });

    it("refuses a version it does not know how to install, naming the key", () => {
        expect(() => parseCalicoVersion("3.30.3")).toThrow(/calicoVersion/);
        expect(() => parseCalicoVersion("v3.27.0")).toThrow(/v3\.28\.0 or later/);
    });
});
