// The shell scripts the local commands run, executed by /bin/sh against stub tools that record
// their arguments and stdin: the exact commands, without Docker or a cluster.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CALICO_API_READY_SCRIPT, HOST_ENDPOINTS_DISABLE_SCRIPT, HOST_ENDPOINTS_ENABLE_SCRIPT } from "../../components/cluster/calico-api";
import { CALICOCTL_APPLY_SCRIPT, CALICOCTL_DELETE_SCRIPT } from "../../components/cluster/calicoctl";
import { CALICO_CUSTOM_RESOURCES_SCRIPT, calicoOperatorScript, parseCalicoVersion } from "../../components/cluster/calico-install";
import { KIND_CREATE_SCRIPT, KIND_DELETE_SCRIPT } from "../../components/cluster/kind";
import { withKubeAccess } from "../../components/cluster/kube-access";
import { stubTools } from "./harness";

const KUBECTL_STUB = [
    // Record the kubeconfig the command was given, and where it was.
    'if [ -n "${KUBECONFIG:-}" ]; then cp "$KUBECONFIG" "$(dirname "$0")/kubeconfig.seen"; echo "$KUBECONFIG" > "$(dirname "$0")/kubeconfig.path"; fi',
    'case "$*" in "get apiservice v3.projectcalico.org") exit "${STUB_APISERVICE_EXIT:-0}" ;; "config view"*) echo "minified: $*" ;; esac',
].join("\n");

function run(script: string, env: Record<string, string>, input = "", scripts: Record<string, string> = {}) {
    const { dir, log } = stubTools(["kind", "kubectl", "calicoctl"], { kubectl: KUBECTL_STUB, ...scripts });
    const result = spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin`, ...env }, input, encoding: "utf8", timeout: 120_000 });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    const file = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), "utf8") : undefined);
    return { ...result, calls, file };
}

describe("the kind scripts", () => {
    const KUBECONFIG = "apiVersion: v1\nkind: Config\n";
    const kindStub = {
        kind: `case "$1 $2" in "get kubeconfig") printf '${KUBECONFIG}' ;; "create cluster") echo "Creating cluster" >&2 ;; "get clusters") [ -n "\${STUB_EXISTING:-}" ] && echo "$STUB_EXISTING" ;; esac; exit 0`,
    };

    it("create: kind create cluster with the config from stdin, then prints only the kubeconfig", () => {
        const result = run(KIND_CREATE_SCRIPT, { KIND_CLUSTER_NAME: "calico-lab" }, "kind: Cluster\n", kindStub);
        expect(result.status).toBe(0);
        expect(result.calls).toEqual(["kind get clusters", "kind create cluster --name calico-lab --config -", "kind get kubeconfig --name calico-lab"]);
        expect(result.file("kind.stdin")).toBe("kind: Cluster\n");
        expect(result.stdout).toBe(KUBECONFIG);
        expect(result.stderr).toContain("Creating cluster");
    });

    it("create: refuses to adopt a kind cluster of the same name that the stack does not own", () => {
        const result = run(KIND_CREATE_SCRIPT, { KIND_CLUSTER_NAME: "calico-lab", STUB_EXISTING: "calico-lab" }, "", kindStub);
        expect(result.status).toBe(1);
        expect(result.calls).toEqual(["kind get clusters"]);
        expect(result.stderr).toContain("kind delete cluster --name calico-lab");
    });

    it("delete: kind delete cluster", () => {
        expect(run(KIND_DELETE_SCRIPT, { KIND_CLUSTER_NAME: "calico-lab" }).calls).toEqual(["kind delete cluster --name calico-lab"]);
    });
});

describe("cluster access from local commands", () => {
    it("writes a kubeconfig the program holds to a private temporary file, removed afterwards", () => {
        const result = run(withKubeAccess("kubectl get nodes"), { KUBECONFIG_DATA: "the-kubeconfig" });
        expect(result.status).toBe(0);
        expect(result.calls).toEqual(["kubectl get nodes"]);
        expect(result.file("kubeconfig.seen")).toBe("the-kubeconfig\n");
        expect(fs.existsSync(result.file("kubeconfig.path")!.trim())).toBe(false);
    });

    it("otherwise pins the configured context of the ambient kubeconfig", () => {
        expect(run(withKubeAccess("kubectl get nodes"), { KUBE_CONTEXT: "lab-iks/abc" }).calls).toEqual([
            "kubectl config view --raw --minify --context lab-iks/abc",
            "kubectl get nodes",
        ]);
        expect(run(withKubeAccess("kubectl get nodes"), { KUBE_CONTEXT: "" }).calls).toEqual(["kubectl config view --raw --minify", "kubectl get nodes"]);
    });
});

describe("the Calico scripts", () => {
    it("install the operator manifests in order and wait for the operator", () => {
        const result = run(withKubeAccess(calicoOperatorScript(parseCalicoVersion("v3.30.3"))), { KUBECONFIG_DATA: "k" });
        expect(result.status).toBe(0);
        expect(result.calls).toEqual([
            "kubectl apply --server-side --force-conflicts -f https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/operator-crds.yaml",
            "kubectl apply --server-side --force-conflicts -f https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/tigera-operator.yaml",
            "kubectl -n tigera-operator rollout status deployment/tigera-operator --timeout=300s",
        ]);
    });

    it("apply the Installation and APIServer from stdin once their CRDs are established", () => {
        const result = run(withKubeAccess(CALICO_CUSTOM_RESOURCES_SCRIPT), { KUBECONFIG_DATA: "k" }, "kind: Installation\n");
        expect(result.calls).toEqual([
            "kubectl wait --for=condition=Established --timeout=120s crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io",
            "kubectl apply --server-side --force-conflicts -f -",
        ]);
        expect(result.file("kubectl.stdin")).toBe("kind: Installation\n");
    });

    it("gate: waits for the APIService, its Available condition and a GlobalNetworkPolicy list", () => {
        const result = run(CALICO_API_READY_SCRIPT, { KUBECONFIG_DATA: "k", CALICO_API_TIMEOUT_SECONDS: "600" });
        expect(result.status).toBe(0);
        expect(result.calls).toEqual([
            "kubectl get apiservice v3.projectcalico.org",
            "kubectl wait --for=condition=Available apiservice/v3.projectcalico.org --timeout=600s",
            "kubectl get globalnetworkpolicies.projectcalico.org",
        ]);
    });

    it("gate: fails with a message when the cluster serves no projectcalico.org/v3 API", () => {
        const result = run(CALICO_API_READY_SCRIPT, { KUBECONFIG_DATA: "k", CALICO_API_TIMEOUT_SECONDS: "0", STUB_APISERVICE_EXIT: "1" });
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("serves no projectcalico.org/v3 API");
        expect(result.calls).not.toContain("kubectl get globalnetworkpolicies.projectcalico.org");
    });

    it("host endpoints: patch autoCreate Enabled on create and Disabled on delete", () => {
        const enable = run(HOST_ENDPOINTS_ENABLE_SCRIPT, { KUBECONFIG_DATA: "k", CALICO_API_TIMEOUT_SECONDS: "60" });
        expect(enable.calls).toEqual([
            "kubectl get kubecontrollersconfigurations.projectcalico.org default",
            `kubectl patch kubecontrollersconfigurations.projectcalico.org default --type=merge -p {"spec":{"controllers":{"node":{"hostEndpoint":{"autoCreate":"Enabled"}}}}}`,
        ]);
        expect(run(HOST_ENDPOINTS_DISABLE_SCRIPT, { KUBECONFIG_DATA: "k" }).calls).toEqual([
            `kubectl patch kubecontrollersconfigurations.projectcalico.org default --type=merge -p {"spec":{"controllers":{"node":{"hostEndpoint":{"autoCreate":"Disabled"}}}}}`,
        ]);
    });

    it("calicoctl: apply and delete the document given on stdin", () => {
        const document = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n";
        const apply = run(CALICOCTL_APPLY_SCRIPT, { KUBE_CONTEXT: "ctx", DATASTORE_TYPE: "kubernetes" }, document);
        expect(apply.status).toBe(0);
        expect(apply.calls).toEqual(["kubectl config view --raw --minify --context ctx", "calicoctl apply -f -"]);
        expect(apply.file("calicoctl.stdin")).toBe(document);
        const remove = run(CALICOCTL_DELETE_SCRIPT, { KUBE_CONTEXT: "ctx" }, document);
        expect(remove.calls).toEqual(["kubectl config view --raw --minify --context ctx", "calicoctl delete --skip-not-exists -f -"]);
        expect(remove.file("calicoctl.stdin")).toBe(document);
    });
});
