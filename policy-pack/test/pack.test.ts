// The pack as CrossGuard sees it: well-formed policies, Pulumi resources read as Kubernetes
// objects, preview unknowns left to the policy server, and the pack loading the way the Node
// language host loads it (ts-node with type checking, cwd = the pack).
import { spawn } from "child_process";
import * as path from "path";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as proxy from "@pulumi/policy/proxy";
import { describe, expect, it } from "vitest";
import { defaultsOf } from "../lib/config";
import { apiOfType, objectOfResource, typeOfObject } from "../lib/objects";
import { runPolicies } from "../lib/run";
import { policies } from "../policies";

const PACK = path.join(__dirname, "..");
/** The sentinel the policy server puts where a value is unknown during preview (internal to @pulumi/policy). */
const unknownStringValue = (proxy as unknown as Record<string, unknown>).unknownStringValue;

describe("the policies", () => {
    it("each has a unique valid name, a teaching description, an enforcement level and a configSchema with defaults", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const policy of policies) {
            expect(policy.name).toMatch(/^[a-z][a-z0-9-]*$/);
            expect(policy.name).not.toBe("all");
            expect(policy.description.length).toBeGreaterThan(80);
            expect(["advisory", "mandatory"]).toContain(policy.enforcementLevel);
            expect(policy.configSchema).toBeDefined();
            expect(Object.keys(policy.configSchema!.properties)).not.toContain("enforcementLevel");
            for (const [key, property] of Object.entries(policy.configSchema!.properties)) {
                expect(typeof property === "object" && property.default !== undefined, `${policy.name}.${key} has a default`).toBe(true);
            }
        }
    });

    it("defaults fit the lab: the edge is the proxy, system namespaces are exempt, DNS is kube-dns in kube-system", () => {
        const defaults = defaultsOf(policies.find((p) => p.name === "edge-only-ingress")!.configSchema);
        expect(defaults.edgeWorkloads).toEqual(["helloworld-proxy"]);
        expect(defaults.systemNamespaces).toEqual(expect.arrayContaining(["kube-system", "calico-system", "calico-apiserver", "tigera-operator"]));
        const dns = defaultsOf(policies.find((p) => p.name === "dns-allowance")!.configSchema);
        expect(dns).toMatchObject({ dnsNamespace: "kube-system", dnsLabels: { "k8s-app": "kube-dns" }, dnsPort: 53 });
    });

    it("zero-trust policies are mandatory; service exposure and named ports are advisory", () => {
        const levels = Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel]));
        expect(levels).toEqual({
            "default-deny": "mandatory",
            "dns-allowance": "mandatory",
            "edge-only-ingress": "mandatory",
            "no-broad-allow": "mandatory",
            "expected-flows": "mandatory",
            "unjudged-kinds": "mandatory",
            "calico-policy-hygiene": "mandatory",
            "kubernetes-networkpolicy-hygiene": "mandatory",
            "network-policy-named-ports": "advisory",
            "service-exposure": "advisory",
            "staged-policies": "advisory",
        });
    });
});

describe("Pulumi resources as Kubernetes objects", () => {
    it("maps type tokens to apiVersion and kind and back", () => {
        expect(apiOfType("kubernetes:core/v1:Service")).toEqual({ apiVersion: "v1", kind: "Service" });
        expect(apiOfType("kubernetes:projectcalico.org/v3:GlobalNetworkPolicy")).toEqual({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy" });
        expect(typeOfObject({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" })).toBe("kubernetes:networking.k8s.io/v1:NetworkPolicy");
        expect(typeOfObject({ apiVersion: "v1", kind: "Namespace" })).toBe("kubernetes:core/v1:Namespace");
    });

    it("reads props without provider bookkeeping, names auto-named objects after the resource, and skips non-Kubernetes resources", () => {
        const object = objectOfResource({
            type: "kubernetes:apps/v1:Deployment",
            name: "web",
            urn: "urn:x",
            props: { metadata: { namespace: "shop" }, spec: { replicas: 1 }, status: { ready: 1 }, __inputs: {} },
        });
        expect(object).toEqual({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { replicas: 1 } });
        expect(objectOfResource({ type: "kubernetes:helm.sh/v3:Release", name: "r", urn: "u", props: {} })).toBeUndefined();
        expect(objectOfResource({ type: "command:local:Command", name: "c", urn: "u", props: {} })).toBeUndefined();
        expect(objectOfResource({ type: "pulumi:providers:kubernetes", name: "p", urn: "u", props: {} })).toBeUndefined();
    });

    it("a value unknown during preview reaches the policy server as UnknownValueError (reported there as 'can't run policy during preview')", async () => {
        const resources = [
            {
                type: "kubernetes:core/v1:Namespace",
                name: "lab",
                urn: "urn:lab",
                props: unknownCheckingProxy({ apiVersion: "v1", kind: "Namespace", metadata: { name: unknownStringValue } }),
            },
        ];
        await expect(
            runPolicies(
                policies.filter((p) => p.name === "default-deny"),
                resources,
            ),
        ).rejects.toBeInstanceOf(UnknownValueError);
    });
});

describe("loading the pack", () => {
    it("starts the policy server the way `pulumi preview --policy-pack policy-pack` does (run-policy-pack, ts-node type check)", async () => {
        const runner = path.join(PACK, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
        });
        child.stderr.on("data", (chunk) => {
            stderr += chunk;
        });
        try {
            // Waits for the port or the exit, however long the type check takes on a loaded machine.
            await new Promise<void>((resolve, reject) => {
                child.stdout.on("data", () => {
                    if (/^\d+\s*$/m.test(stdout)) resolve();
                });
                child.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
            });
        } finally {
            child.kill();
        }
        expect(stdout.trim()).toMatch(/^\d+$/); // the gRPC port the engine connects to
    }, 600_000);
});

describe("the contract with the program", () => {
    it("uses the program's kube-dns as its default DNS", async () => {
        const { KUBE_DNS } = await import("../../components/zero-trust-documents");
        const defaults = defaultsOf(policies.find((p) => p.name === "dns-allowance")!.configSchema);
        expect(defaults).toMatchObject({ dnsNamespace: KUBE_DNS.namespace, dnsLabels: { [KUBE_DNS.labelKey]: KUBE_DNS.labelValue }, dnsPort: KUBE_DNS.port });
    });
});
