// The yaobank scenario under Pulumi's mocks: what each stage of the track creates, the track's
// policies exactly as the track writes them, and the workloads as the track's manifests have them.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { yaobankFlowChecksAt } from "../../scenarios/yaobank/flows";
import { YAOBANK_STAGES, yaobankExpectationsAt } from "../../scenarios/yaobank/stages";
import { RENDER, RegisteredResource, runProgram } from "../helpers/program";

const YAOBANK = { ...RENDER, scenario: "yaobank" } as const;

function objectIds(resources: RegisteredResource[]): string[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined)
        .map((r) => `${r.inputs.kind} ${r.inputs.metadata.namespace ?? ""}/${r.inputs.metadata.name}`)
        .sort();
}

function find(resources: RegisteredResource[], kind: string, namespace: string | undefined, name: string): Record<string, any> {
    const found = resources.find((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name && r.inputs.metadata?.namespace === namespace);
    if (!found) throw new Error(`no ${kind} ${namespace ?? ""}/${name} among ${objectIds(resources).join(", ")}`);
    return found.inputs;
}

const NAMESPACES = ["Namespace /yaobank-customer", "Namespace /yaobank-database", "Namespace /yaobank-summary"];
const INTENT = ["ConfigMap yaobank-customer/zero-trust-intent"];
const APP = ["customer", "summary", "database"].flatMap((app) => [
    `Deployment yaobank-${app}/${app}`,
    `Service yaobank-${app}/${app}`,
    `ServiceAccount yaobank-${app}/${app}`,
]);
const KNP = ["NetworkPolicy yaobank-database/p-summary2database"];
const GNP = ["GlobalNetworkPolicy /default-app-policy"];
const CNPS = ["NetworkPolicy yaobank-customer/p-external2customer", "NetworkPolicy yaobank-summary/p-customer2summary"];

const EXPECTED_OBJECTS = [
    [...NAMESPACES, ...INTENT],
    [...NAMESPACES, ...INTENT, ...APP],
    [...NAMESPACES, ...INTENT, ...APP, ...KNP],
    [...NAMESPACES, ...INTENT, ...APP, ...KNP, ...GNP],
    [...NAMESPACES, ...INTENT, ...APP, ...KNP, ...GNP, ...CNPS],
];

describe("yaobank: each stage declares exactly its objects", () => {
    it.each(YAOBANK_STAGES.map((stage) => [stage.number, stage.name, EXPECTED_OBJECTS[stage.number]!] as const))(
        "stage %i (%s)",
        async (stage, name, objects) => {
            const byNumber = await runProgram({ ...YAOBANK, stage });
            expect(objectIds(byNumber.resources)).toEqual([...objects].sort());
            const byName = await runProgram({ ...YAOBANK, stage: name });
            expect(byName.kubernetesObjects).toEqual(byNumber.kubernetesObjects);
        },
    );

    it("keeps every object's identity from one stage to the next, so moving between stages never replaces a workload", async () => {
        const identities = [];
        for (const stage of YAOBANK_STAGES) {
            const run = await runProgram({ ...YAOBANK, stage: stage.number });
            identities.push(new Set(run.resources.map((r) => `${r.type}::${r.name}`)));
        }
        for (let i = 1; i < identities.length; i++) {
            for (const identity of identities[i - 1]!) expect(identities[i]!.has(identity), `${identity} at stage ${i}`).toBe(true);
        }
    });

    it("creates every object through the cluster's provider", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        for (const object of run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined)) {
            expect(object.provider, `${object.type} ${object.name}`).toMatch(/pulumi:providers:kubernetes::render::/);
        }
    });

    it("creates the Calico policies as projectcalico.org/v3 resources and the Kubernetes one as a NetworkPolicy", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        const types = Object.fromEntries(run.resources.filter((r) => /Policy$/.test(r.inputs.kind ?? "")).map((r) => [r.inputs.metadata.name, r.type]));
        expect(types).toEqual({
            "p-summary2database": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "default-app-policy": "kubernetes:projectcalico.org/v3:GlobalNetworkPolicy",
            "p-external2customer": "kubernetes:projectcalico.org/v3:NetworkPolicy",
            "p-customer2summary": "kubernetes:projectcalico.org/v3:NetworkPolicy",
        });
    });
});

describe("yaobank: the namespaces", () => {
    it.each(["customer", "summary", "database"])("yaobank-%s carries ns: %s (the policies select namespaces by it) and the scenario label", async (app) => {
        const run = await runProgram({ ...YAOBANK, stage: 0 });
        const namespace = find(run.resources, "Namespace", undefined, `yaobank-${app}`);
        expect(namespace.metadata.labels).toMatchObject({
            ns: app,
            "lab.calico-zero-trust/scenario": "yaobank",
            "pod-security.kubernetes.io/enforce": "baseline",
        });
    });
});

describe("yaobank: the workloads, as the track's manifests have them", () => {
    it.each([
        ["customer", 1, 80, { app: "yaobank", summary: "reader" }, { SUMMARY_URL: "summary.yaobank-summary" }],
        ["summary", 2, 80, { app: "yaobank", database: "reader" }, { DB_URL: "database.yaobank-database", DB_PORT: "2379" }],
        ["database", 1, 2379, { app: "yaobank" }, undefined],
    ] as const)("%s: %i replica(s), port %i, its own service account, env for its peer", async (app, replicas, port, saLabels, env) => {
        const run = await runProgram({ ...YAOBANK, stage: 1 });
        const namespace = `yaobank-${app}`;
        const deployment = find(run.resources, "Deployment", namespace, app);
        const service = find(run.resources, "Service", namespace, app);
        const serviceAccount = find(run.resources, "ServiceAccount", namespace, app);

        expect(deployment.spec.replicas).toBe(replicas);
        expect(deployment.spec.selector.matchLabels).toEqual({ app });
        expect(deployment.spec.template.metadata.labels).toEqual({ app, version: "v1" });
        const pod = deployment.spec.template.spec;
        expect(pod.serviceAccountName).toBe(app);
        expect(serviceAccount.metadata.labels).toEqual(saLabels);
        expect(serviceAccount.automountServiceAccountToken).toBe(false);

        const [container] = pod.containers;
        expect(container.image).toBe(`rezareza/yaobank-${app}:azure`);
        expect(container.ports).toHaveLength(1);
        expect(container.ports[0]).toMatchObject({ containerPort: port, protocol: "TCP" });
        expect(container.readinessProbe.tcpSocket.port).toBe(container.ports[0].name);
        expect(container.livenessProbe.tcpSocket.port).toBe(container.ports[0].name);
        expect(
            container.env === undefined ? undefined : Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value])),
        ).toEqual(env);

        expect(service.spec.selector).toEqual({ app });
        expect(service.spec.ports).toHaveLength(1);
        expect(service.spec.ports[0]).toMatchObject({ name: "http", port, targetPort: container.ports[0].name, protocol: "TCP" });
    });

    it("exposes the customer as NodePort 30180; summary and database stay ClusterIP", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 1 });
        expect(find(run.resources, "Service", "yaobank-customer", "customer").spec).toMatchObject({ type: "NodePort", ports: [{ nodePort: 30180 }] });
        expect(find(run.resources, "Service", "yaobank-summary", "summary").spec.type).toBe("ClusterIP");
        expect(find(run.resources, "Service", "yaobank-database", "database").spec.type).toBe("ClusterIP");
    });

    it("runs the database as the track does: etcd listening on 2379 for every client", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 1 });
        const [container] = find(run.resources, "Deployment", "yaobank-database", "database").spec.template.spec.containers;
        expect(container.command).toEqual(["etcd"]);
        expect(container.args).toEqual(["-advertise-client-urls", "http://database:2379", "-listen-client-urls", "http://0.0.0.0:2379"]);
        expect(container.readinessProbe.httpGet).toBeUndefined();
    });

    it("hardens what the track's root images allow: no privilege escalation, RuntimeDefault seccomp, only NET_BIND_SERVICE for port 80", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 1 });
        for (const app of ["customer", "summary", "database"]) {
            const pod = find(run.resources, "Deployment", `yaobank-${app}`, app).spec.template.spec;
            expect(pod.automountServiceAccountToken).toBe(false);
            expect(pod.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
            const expectedCapabilities = app === "database" ? { drop: ["ALL"] } : { drop: ["ALL"], add: ["NET_BIND_SERVICE"] };
            expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: expectedCapabilities });
        }
    });

    it("takes the images from yaobankImages, {app} standing for each tier", async () => {
        const run = await runProgram({
            ...YAOBANK,
            stage: 1,
            yaobankImages: "registry.example/yaobank-{app}@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        });
        for (const app of ["customer", "summary", "database"]) {
            const [container] = find(run.resources, "Deployment", `yaobank-${app}`, app).spec.template.spec.containers;
            expect(container.image).toBe(`registry.example/yaobank-${app}@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`);
        }
    });
});

const trackPolicies = parseAllDocuments(fs.readFileSync(path.join(__dirname, "fixtures", "track-policies.yaml"), "utf8")).map((d) => d.toJS());
const trackPolicy = (name: string) => trackPolicies.find((p) => p.metadata.name === name);

describe("yaobank: the track's policies, exactly", () => {
    it("come in the track's order: p-summary2database, default-app-policy, p-external2customer, p-customer2summary", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        const documents = run.outputs.policyDocuments as { metadata: { name: string } }[];
        expect(documents.map((d) => d.metadata.name)).toEqual(trackPolicies.map((p) => p.metadata.name));
        // Pulumi registers (and creates) them concurrently; the order is the documents' and the stages'.
        const registered = run.resources.filter((r) => /Policy$/.test(r.inputs.kind ?? "")).map((r) => r.inputs.metadata.name);
        expect(registered.sort()).toEqual(trackPolicies.map((p) => p.metadata.name).sort());
    });

    it("keep every selector of the track: the declared specs are the track's plus additions, nothing changed or removed", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        for (const track of trackPolicies) {
            const declared = run.kubernetesObjects.find((o) => o.metadata.name === track.metadata.name)!;
            expect(declared.apiVersion).toBe(track.apiVersion);
            expect(declared.kind).toBe(track.kind);
            expect(declared.metadata).toMatchObject(track.metadata);
            if (track.metadata.name !== "default-app-policy") expect(declared.spec, track.metadata.name).toMatchObject(track.spec);
        }
    });

    // The additions, each answering a policy-pack finding on the track's text (docs/yaobank.md).
    it("p-summary2database: the track's, with the policyTypes the API server would derive", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 2 });
        const track = trackPolicy("p-summary2database");
        expect(run.kubernetesObjects.find((o) => o.metadata.name === "p-summary2database")!.spec).toEqual({
            ...track.spec,
            policyTypes: ["Ingress", "Egress"],
        });
    });

    it("default-app-policy: the track's, ordered after the allows, scoped to the yaobank namespaces, DNS over UDP and TCP to kube-dns in kube-system", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 3 });
        const declared = run.kubernetesObjects.find((o) => o.metadata.name === "default-app-policy")!;
        const track = trackPolicy("default-app-policy");
        const dns = { ...track.spec.egress[0].destination, namespaceSelector: 'projectcalico.org/name == "kube-system"' };
        expect(declared.spec).toEqual({
            ...track.spec,
            order: 2000,
            namespaceSelector: 'lab.calico-zero-trust/scenario == "yaobank"',
            egress: [
                { ...track.spec.egress[0], destination: dns },
                { ...track.spec.egress[0], protocol: "TCP", destination: dns },
            ],
        });
        expect(declared.spec).not.toHaveProperty("selector");
    });

    it("p-external2customer: the track's (egress to the summary service account in ns == summary), ordered, typed, ingress on port 80 only", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        const track = trackPolicy("p-external2customer");
        expect(run.kubernetesObjects.find((o) => o.metadata.name === "p-external2customer")!.spec).toEqual({
            ...track.spec,
            order: 500,
            types: ["Ingress", "Egress"],
            ingress: [{ ...track.spec.ingress[0], destination: { ...track.spec.ingress[0].destination, ports: [80] } }],
        });
    });

    it("p-customer2summary: the track's (egress to app == database in yaobank-database), ordered, typed, ingress from the customer service account only", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 4 });
        const track = trackPolicy("p-customer2summary");
        expect(run.kubernetesObjects.find((o) => o.metadata.name === "p-customer2summary")!.spec).toEqual({
            ...track.spec,
            order: 500,
            types: ["Ingress", "Egress"],
            ingress: [{ ...track.spec.ingress[0], source: { serviceAccounts: { names: ["customer"] }, namespaceSelector: 'ns == "customer"' } }],
        });
    });
});

describe("yaobank: the intent and the stack outputs", () => {
    it.each([0, 3, 4])("stage %i declares its expected flows once, in yaobank-customer, with the baseline they name", async (stage) => {
        const run = await runProgram({ ...YAOBANK, stage });
        const intent = find(run.resources, "ConfigMap", "yaobank-customer", "zero-trust-intent");
        expect(parse(intent.data["flows.yaml"])).toEqual(yaobankFlowChecksAt(YAOBANK_STAGES[stage]!));
        expect(parse(intent.data["stage.yaml"])).toEqual({ scenario: "yaobank", number: stage, name: YAOBANK_STAGES[stage]!.name });
        expect(intent.data["baseline.yaml"]).toContain("local-path-provisioner");
        expect(intent.data["baseline.yaml"]).toContain("coredns");
        expect(run.outputs.flowQueries).toEqual(yaobankFlowChecksAt(YAOBANK_STAGES[stage]!));
    });

    it("give the stage with its scenario, the namespaces, the workloads and the track's checks", async () => {
        const run = await runProgram({ ...YAOBANK, stage: "calico-policies" });
        expect(run.outputs.stage).toMatchObject({ number: 4, name: "calico-policies", scenario: "yaobank" });
        expect(run.outputs.labNamespace).toEqual(["yaobank-customer", "yaobank-summary", "yaobank-database"]);
        expect(run.outputs.workloads).toEqual(["yaobank-customer/customer", "yaobank-summary/summary", "yaobank-database/database"]);
        const tryIt = run.outputs.tryIt as Record<string, string>;
        expect(tryIt.webUi).toBe('curl -s --connect-timeout 5 "http://$NODE_IP:30180/"');
        expect(tryIt.customerToDatabase).toBe(
            'kubectl exec -n yaobank-customer deploy/customer -- curl -s --connect-timeout 5 "http://database.yaobank-database:2379/v2/keys?recursive=true"',
        );
        expect(tryIt.customerToInternet).toBe("kubectl exec -n yaobank-customer deploy/customer -- curl -LIs --connect-timeout 5 https://www.google.com");
        const intent = run.outputs.zeroTrustIntent as Record<string, string>;
        expect(intent).toMatchObject({
            "01 world -> customer NodePort -> summary -> database": "allowed",
            "05 customer -> database:2379": "blocked",
            "06 customer -> internet:443": "blocked",
        });
        // Over nine rows: numbers zero-padded, so Pulumi's sorted keys are the truth table's order.
        const keys = Object.keys(intent);
        expect(keys.find((key) => key.includes("the web UI"))).toBeUndefined();
        expect(keys.map((key) => key.slice(3))).toEqual(
            yaobankExpectationsAt(YAOBANK_STAGES[4]!)
                .filter(({ expected }) => expected !== "-")
                .map(({ flow }) => flow.description.replace(/ \(.*\)$/, "")),
        );
        expect([...keys].sort()).toEqual(keys);
    });

    it("offer no checks for workloads stage 0 does not have", async () => {
        const run = await runProgram({ ...YAOBANK, stage: 0 });
        expect(run.outputs.workloads).toEqual([]);
        expect((run.outputs.tryIt as Record<string, unknown>).webUi).toBeUndefined();
    });
});

describe("the helloworld scenario is the default and unchanged", () => {
    it("scenario helloworld declares what no scenario key declares", async () => {
        const implicit = await runProgram({ ...RENDER, stage: 5 });
        const explicit = await runProgram({ ...RENDER, scenario: "helloworld", stage: 5 });
        expect(explicit.kubernetesObjects).toEqual(implicit.kubernetesObjects);
        expect(objectIds(implicit.resources).some((id) => id.includes("yaobank"))).toBe(false);
    });
});
