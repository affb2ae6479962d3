// The program under Pulumi's mocks: what each stage of docs/lab.md creates, resource by resource.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { STAGES } from "../scenarios/helloworld/stages";
import { RENDER, RegisteredResource, runProgram } from "./helpers/program";

const NS = "zero-trust-lab";

/** "Kind namespace/name" of every Kubernetes object the program declares, sorted. */
function objectIds(resources: RegisteredResource[]): string[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined)
        .map((r) => `${r.inputs.kind} ${r.inputs.metadata.namespace ?? ""}/${r.inputs.metadata.name}`)
        .sort();
}

const WORKLOAD_IDS = {
    helloworld: [`Deployment ${NS}/helloworld`, `Service ${NS}/helloworld`],
    proxy: [`Deployment ${NS}/helloworld-proxy`, `Service ${NS}/helloworld-proxy`],
};
const BASE = [`Namespace /${NS}`];
const INTENT = [`ConfigMap ${NS}/zero-trust-intent`];

const EXPECTED_OBJECTS = {
    calico: [
        BASE,
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld],
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld, ...WORKLOAD_IDS.proxy],
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld, ...WORKLOAD_IDS.proxy, `GlobalNetworkPolicy /${NS}-default-deny`],
        [
            ...BASE,
            ...INTENT,
            ...WORKLOAD_IDS.helloworld,
            ...WORKLOAD_IDS.proxy,
            `GlobalNetworkPolicy /${NS}-default-deny`,
            `NetworkPolicy ${NS}/allow-helloworld-from-proxy`,
            `NetworkPolicy ${NS}/allow-proxy-to-helloworld`,
            `NetworkPolicy ${NS}/allow-world-to-proxy`,
        ],
        [
            ...BASE,
            ...INTENT,
            ...WORKLOAD_IDS.helloworld,
            ...WORKLOAD_IDS.proxy,
            `GlobalNetworkPolicy /${NS}-default-deny`,
            `NetworkPolicy ${NS}/allow-helloworld-from-proxy`,
            `NetworkPolicy ${NS}/allow-proxy-to-helloworld`,
            `NetworkPolicy ${NS}/allow-world-to-proxy`,
            `GlobalNetworkPolicy /${NS}-nodeport-lockdown`,
        ],
    ],
    kubernetes: [
        BASE,
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld],
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld, ...WORKLOAD_IDS.proxy],
        [...BASE, ...INTENT, ...WORKLOAD_IDS.helloworld, ...WORKLOAD_IDS.proxy, `NetworkPolicy ${NS}/default-deny`],
        [
            ...BASE,
            ...INTENT,
            ...WORKLOAD_IDS.helloworld,
            ...WORKLOAD_IDS.proxy,
            `NetworkPolicy ${NS}/default-deny`,
            `NetworkPolicy ${NS}/allow-helloworld-from-proxy`,
            `NetworkPolicy ${NS}/allow-proxy-to-helloworld`,
            `NetworkPolicy ${NS}/allow-world-to-proxy`,
        ],
    ],
} as const;

function find(resources: RegisteredResource[], kind: string, name: string): Record<string, any> {
    const found = resources.find((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
    if (!found) throw new Error(`no ${kind} ${name} among ${objectIds(resources).join(", ")}`);
    return found.inputs;
}

describe.each(["calico", "kubernetes"] as const)("the %s flavor", (flavor) => {
    const stages = EXPECTED_OBJECTS[flavor];
    it.each(stages.map((objects, stage) => [stage, STAGES[stage].name, objects] as const))(
        "stage %i (%s) declares exactly its objects",
        async (stage, _name, objects) => {
            const run = await runProgram({ ...RENDER, flavor, stage });
            expect(objectIds(run.resources)).toEqual([...objects].sort());
        },
    );
});

describe("workloads", () => {
    it.each([
        ["helloworld", 3, 30080],
        ["helloworld-proxy", 1, 30081],
    ] as const)("%s: Deployment and Service of that exact name, port 8080 named http-server, NodePort %i", async (name, replicas, nodePort) => {
        const run = await runProgram({ ...RENDER, stage: "proxy" });
        const deployment = find(run.resources, "Deployment", name);
        const service = find(run.resources, "Service", name);

        expect(deployment.metadata).toMatchObject({ name, namespace: NS, labels: { app: name } });
        expect(deployment.spec.replicas).toBe(replicas);
        expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
        expect(deployment.spec.template.metadata.labels).toEqual({ app: name });

        const [container] = deployment.spec.template.spec.containers;
        expect(container.image).toBe("remkohdev/helloworld:latest");
        expect(container.ports).toEqual([{ name: "http-server", containerPort: 8080, protocol: "TCP" }]);
        expect(container.readinessProbe.tcpSocket.port).toBe("http-server");
        expect(container.livenessProbe.tcpSocket.port).toBe("http-server");
        expect(container.resources.limits).toEqual({ cpu: "500m", memory: "512Mi" });
        expect(container.resources.requests).toBeDefined();

        expect(service.metadata).toMatchObject({ name, namespace: NS });
        expect(service.spec.type).toBe("NodePort");
        expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
        expect(service.spec.ports).toEqual([{ name: "http", port: 8080, targetPort: "http-server", protocol: "TCP", nodePort }]);
    });

    it("run as non-root with a read-only root filesystem and no capabilities (the restricted Pod Security Standard the namespace enforces)", async () => {
        const run = await runProgram({ ...RENDER, stage: "proxy" });
        const namespace = find(run.resources, "Namespace", NS);
        expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        for (const name of ["helloworld", "helloworld-proxy"]) {
            const pod = find(run.resources, "Deployment", name).spec.template.spec;
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(pod.automountServiceAccountToken).toBe(false);
            expect(pod.containers[0].securityContext).toEqual({
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            });
        }
    });

    it("take images, replicas and NodePorts from config", async () => {
        const run = await runProgram({
            ...RENDER,
            stage: "proxy",
            appImage: "registry.example/hello@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            appReplicas: 2,
            proxyReplicas: 4,
            appNodePort: 31000,
            proxyNodePort: 31001,
        });
        expect(find(run.resources, "Deployment", "helloworld").spec.replicas).toBe(2);
        expect(find(run.resources, "Deployment", "helloworld-proxy").spec.replicas).toBe(4);
        expect(find(run.resources, "Deployment", "helloworld-proxy").spec.template.spec.containers[0].image).toBe(
            "registry.example/hello@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        );
        expect(find(run.resources, "Service", "helloworld").spec.ports[0].nodePort).toBe(31000);
        expect(find(run.resources, "Service", "helloworld-proxy").spec.ports[0].nodePort).toBe(31001);
    });

    it("the proxy targets the app by its Service DNS name", async () => {
        const run = await runProgram({ ...RENDER, stage: "proxy" });
        const proxy = find(run.resources, "Deployment", "helloworld-proxy");
        expect(proxy.spec.template.metadata.annotations).toEqual({ "lab.calico-zero-trust/upstream": "helloworld:8080" });
        expect((run.outputs.tryIt as Record<string, string>).viaProxy).toContain('"host":"helloworld:8080"');
    });
});

describe("the Calico release", () => {
    it("is stated in the zero-trust-intent ConfigMap from config calicoVersion, so the policy pack judges the stack as that release enforces it", async () => {
        for (const calicoVersion of [undefined, "v3.32.0"]) {
            const run = await runProgram({ ...RENDER, stage: 1, ...(calicoVersion ? { calicoVersion } : {}) });
            expect(find(run.resources, "ConfigMap", "zero-trust-intent").data["calico-version"]).toBe(calicoVersion ?? "v3.30.3");
        }
    });
});

describe("every lab resource uses the cluster's provider", () => {
    it.each([0, 5])("stage %i", async (stage) => {
        const run = await runProgram({ ...RENDER, stage });
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined);
        for (const object of objects) {
            expect(object.provider, `${object.type} ${object.name}`).toMatch(/pulumi:providers:kubernetes::render::/);
        }
    });
});

describe("moving between stages", () => {
    it("keeps every object's identity (type and name) from one stage to the next, so going forwards or backwards never replaces a workload", async () => {
        const identities = [];
        for (const stage of STAGES) {
            const run = await runProgram({ ...RENDER, stage: stage.number });
            identities.push(new Set(run.resources.map((r) => `${r.type}::${r.name}`)));
        }
        for (let i = 1; i < identities.length; i++) {
            for (const identity of identities[i - 1]) {
                expect(identities[i].has(identity), `${identity} at stage ${i}`).toBe(true);
            }
        }
    });

    it("declares the same workloads whichever stage came before (the program is a pure function of its config)", async () => {
        await runProgram({ ...RENDER, stage: 5 });
        const afterLockdown = await runProgram({ ...RENDER, stage: 2 });
        const fresh = await runProgram({ ...RENDER, stage: 2 });
        expect(objectIds(afterLockdown.resources)).toEqual(objectIds(fresh.resources));
        expect(afterLockdown.kubernetesObjects).toEqual(fresh.kubernetesObjects);
    });
});

describe("configuration errors stop the program before any resource is registered", () => {
    it.each([
        [{ stage: "9" }, /calico-zero-trust-lab:stage = "9"/],
        [{ stage: "lockdown", flavor: "kubernetes" }, /needs Calico policies/],
        [{ appReplicas: 0 }, /appReplicas/],
    ])("%j", async (config, message) => {
        const attempt = runProgram({ ...RENDER, ...config });
        await expect(attempt).rejects.toThrow(message);
    });

    it("as a Pulumi user error (pulumi.RunError: Pulumi prints the message alone, no stack frames)", async () => {
        const error = await runProgram({ ...RENDER, stage: "9" }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect((error as Error).name).toBe("ConfigError");
    });

    it("names a key the program does not read, with the keys it probably meant and how to remove it", async () => {
        const error = await runProgram({ ...RENDER, replicas: 0, stage: "helloworld" }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain(
            "calico-zero-trust-lab:replicas (did you mean appReplicas or proxyReplicas?); remove it with: pulumi config rm replicas",
        );
    });
});

describe("stack outputs", () => {
    it("give the stage, the lab's curl calls and the stage's expected flows", async () => {
        const run = await runProgram({ ...RENDER, stage: "allow-proxy" });
        expect(run.outputs.stage).toMatchObject({ number: 4, name: "allow-proxy" });
        const tryIt = run.outputs.tryIt as Record<string, string>;
        expect(tryIt.direct).toBe(
            `curl -s --connect-timeout 5 -X POST "http://$NODE_IP:30080/api/messages" -H 'Content-Type: application/json' -d '{"sender":"lab"}'`,
        );
        expect(tryIt.viaProxy).toBe(
            `curl -s --connect-timeout 5 -X POST "http://$NODE_IP:30081/proxy/api/messages" -H 'Content-Type: application/json' -d '{"sender":"lab","host":"helloworld:8080"}'`,
        );
        // Numbered in truth-table order (Pulumi prints keys sorted), remarks in parentheses left to the docs.
        expect(run.outputs.zeroTrustIntent).toEqual({
            "1 world -> helloworld NodePort": "blocked",
            "2 world -> proxy NodePort": "allowed",
            "3 world -> proxy -> helloworld": "allowed",
            "4 proxy -> helloworld:8080": "allowed",
            "5 helloworld -> proxy:8080": "blocked",
            "6 helloworld -> helloworld:8080": "blocked",
            "7 lab pods -> kube-dns:53 UDP and TCP": "allowed",
            "8 lab pods -> internet:443": "blocked",
            "9 pods in other namespaces -> helloworld:8080": "blocked",
        });
    });

    it("end with the expected flows: Pulumi prints outputs sorted by name (byte order), zeroTrustIntent last", async () => {
        const run = await runProgram({ ...RENDER, stage: "allow-proxy" });
        expect(Object.keys(run.outputs).sort().at(-1)).toBe("zeroTrustIntent");
    });

    it("leave out of the expected flows those of workloads the stage does not have, keeping the rows' numbers", async () => {
        const run = await runProgram({ ...RENDER, stage: "helloworld" });
        expect(Object.keys(run.outputs.zeroTrustIntent as object)).toEqual([
            "1 world -> helloworld NodePort",
            "6 helloworld -> helloworld:8080",
            "7 lab pods -> kube-dns:53 UDP and TCP",
            "8 lab pods -> internet:443",
            "9 pods in other namespaces -> helloworld:8080",
        ]);
        expect((await runProgram({ ...RENDER, stage: 0 })).outputs.zeroTrustIntent).toEqual({});
    });

    it("offer no curl for a workload the stage does not have", async () => {
        const run = await runProgram({ ...RENDER, stage: "helloworld" });
        const tryIt = run.outputs.tryIt as Record<string, string | undefined>;
        expect(tryIt.direct).toBeDefined();
        expect(tryIt.viaProxy).toBeUndefined();
    });
});
