/**
 * The benchmark's synthetic cluster (also used by tests that need a cluster larger than a scenario):
 * namespaces of 100 workloads, 20 apps of 5 workloads each, three tiers, about one policy per
 * workload, selecting workloads per app, per tier and per namespace as real clusters do. Flavor
 * "calico" mixes Kubernetes and Calico policies (a global default deny, tiers of order); flavor
 * "kubernetes" says about the same with Kubernetes NetworkPolicies only; flavor "services" is
 * "calico" with a ClusterIP Service in front of every Deployment, as most clusters have.
 */
import type { KubeObject } from "../analysis";

const WORKLOADS_PER_NAMESPACE = 100;
const APPS_PER_NAMESPACE = 20;
const TIERS = ["web", "api", "db"] as const;
export const PORT = { web: 8080, api: 9000, db: 5432 } as const;

export type SyntheticFlavor = "calico" | "kubernetes" | "services";

/** The synthetic cluster: namespaces of 100 workloads, 20 apps of 5 workloads each, three tiers. */
export function syntheticCluster(workloads: number, flavor: SyntheticFlavor = "calico"): KubeObject[] {
    const withCalico = flavor !== "kubernetes";
    const objects: KubeObject[] = [];
    const namespaces = Math.max(1, Math.ceil(workloads / WORKLOADS_PER_NAMESPACE));
    objects.push(
        deployment("kube-system", "coredns", { "k8s-app": "kube-dns" }, [
            { containerPort: 53, protocol: "UDP", name: "dns" },
            { containerPort: 53, protocol: "TCP", name: "dns-tcp" },
        ]),
    );
    // One global default deny with a DNS allowance for every application namespace (Calico docs' recommendation).
    if (withCalico)
        objects.push(
            calico("GlobalNetworkPolicy", "default-deny", undefined, {
                namespaceSelector: "has(team) && projectcalico.org/name != 'kube-system'",
                types: ["Ingress", "Egress"],
                egress: [{ action: "Allow", protocol: "UDP", destination: { selector: "k8s-app == 'kube-dns'", ports: [53] } }],
            }),
        );
    for (let n = 0; n < namespaces; n++) {
        const ns = `team-${n}`;
        objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { team: `t${n % 10}`, env: n % 3 ? "prod" : "dev" } } });
        // Per namespace: a Kubernetes deny-all and a Calico policy letting the monitoring tier scrape.
        objects.push(knp(ns, "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
        objects.push(
            withCalico
                ? calico("NetworkPolicy", "allow-monitoring", ns, {
                      order: 500,
                      selector: "all()",
                      types: ["Ingress"],
                      ingress: [
                          {
                              action: "Allow",
                              protocol: "TCP",
                              source: { namespaceSelector: "env == 'prod'", selector: "tier == 'api'" },
                              destination: { ports: [9100] },
                          },
                      ],
                  })
                : knp(ns, "allow-monitoring", {
                      podSelector: {},
                      policyTypes: ["Ingress"],
                      ingress: [
                          {
                              from: [{ namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { tier: "api" } } }],
                              ports: [{ port: 9100 }],
                          },
                      ],
                  }),
        );
        for (let a = 0; a < APPS_PER_NAMESPACE; a++) {
            const app = `app-${a}`;
            // Per app: web -> api -> db inside the app, and the api from the web tier of every namespace.
            objects.push(
                knp(ns, `${app}-web-to-api`, {
                    podSelector: { matchLabels: { app, tier: "api" } },
                    ingress: [
                        {
                            from: [
                                { podSelector: { matchLabels: { app, tier: "web" } } },
                                { namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { tier: "web" } } },
                            ],
                            ports: [{ port: "api" }],
                        },
                    ],
                }),
            );
            objects.push(
                withCalico
                    ? calico("NetworkPolicy", `${app}-api-to-db`, ns, {
                          order: 800,
                          selector: `app == '${app}' && tier == 'db'`,
                          ingress: [
                              { action: "Allow", protocol: "TCP", source: { selector: `app == '${app}' && tier == 'api'` }, destination: { ports: [PORT.db] } },
                          ],
                          egress: [{ action: "Deny", protocol: "TCP", destination: { notNets: ["10.0.0.0/8"] } }],
                      })
                    : knp(ns, `${app}-api-to-db`, {
                          podSelector: { matchLabels: { app, tier: "db" } },
                          ingress: [{ from: [{ podSelector: { matchLabels: { app, tier: "api" } } }], ports: [{ port: PORT.db }] }],
                      }),
            );
        }
    }
    for (let i = 0; i < workloads; i++) {
        const ns = `team-${Math.floor(i / WORKLOADS_PER_NAMESPACE)}`;
        const app = `app-${i % APPS_PER_NAMESPACE}`;
        const tier = TIERS[i % TIERS.length]!;
        const name = `w${i}`;
        objects.push(
            deployment(
                ns,
                name,
                { app, tier, component: name },
                [
                    { containerPort: PORT[tier], protocol: "TCP", name: tier },
                    { containerPort: 9100, protocol: "TCP", name: "metrics" },
                ],
                i % 7 === 0 ? "privileged" : "default",
            ),
        );
        if (flavor === "services") {
            objects.push({
                apiVersion: "v1",
                kind: "Service",
                metadata: { name, namespace: ns },
                spec: { selector: { component: name }, ports: [{ name: "http", port: 80, targetPort: tier }] },
            });
        }
        // Per workload: its own egress policy, alternating Kubernetes and Calico (about one policy per workload).
        if (i % 2 === 0 || !withCalico) {
            objects.push(
                knp(ns, `${name}-egress`, {
                    podSelector: { matchLabels: { component: name } },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ podSelector: { matchLabels: { app } } }] }, { ports: [{ port: 53, protocol: "UDP" }] }],
                }),
            );
        } else {
            objects.push(
                calico("NetworkPolicy", `${name}-egress`, ns, {
                    order: 900,
                    selector: `component == '${name}'`,
                    types: ["Egress"],
                    egress: [{ action: "Allow", protocol: "TCP", destination: { selector: `app == '${app}' || tier == 'api'` } }],
                }),
            );
        }
    }
    return objects;
}

function deployment(namespace: string, name: string, labels: Record<string, string>, ports: object[], serviceAccountName = "default"): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { serviceAccountName, containers: [{ name: "c", image: "x", ports }] } },
        },
    };
}
const knp = (namespace: string, name: string, spec: object): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec,
});
const calico = (kind: string, name: string, namespace: string | undefined, spec: object): KubeObject => ({
    apiVersion: "projectcalico.org/v3",
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec,
});

/**
 * The synthetic cluster as a running cluster's API server holds it (bench/live-read.bench.ts): its
 * Deployments as `pods` Pods, each with an address in 192.168.0.0/16 and a node of 10, the first
 * `policies` of its policies (the namespaces' own first, then the per-workload ones), the Nodes,
 * and the ClusterInformation of the release the lab installs.
 */
export function syntheticLiveCluster(pods: number, policies: number): KubeObject[] {
    const POLICY_KINDS = new Set(["NetworkPolicy", "GlobalNetworkPolicy"]);
    const objects: KubeObject[] = [];
    let pod = 0,
        policy = 0;
    for (const object of syntheticCluster(pods, "calico")) {
        if (POLICY_KINDS.has(object.kind)) {
            if (policy++ < policies) objects.push(object);
        } else if (object.kind === "Deployment") {
            const i = pod++;
            const template = object.spec.template;
            objects.push({
                apiVersion: "v1",
                kind: "Pod",
                metadata: {
                    name: `${object.metadata.name}-${(i * 2654435761) % 100000}`,
                    namespace: object.metadata.namespace,
                    labels: template.metadata.labels,
                },
                spec: { ...template.spec, nodeName: `node-${i % 10}` },
                status: { phase: "Running", podIP: `192.168.${((i + 1) >> 8) & 255}.${(i + 1) & 255}` },
            });
        } else objects.push(object);
    }
    for (let n = 0; n < 10; n++)
        objects.push({
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: `node-${n}`, labels: { "kubernetes.io/hostname": `node-${n}`, "kubernetes.io/os": "linux" } },
            status: { addresses: [{ type: "InternalIP", address: `172.18.0.${n + 2}` }] },
        } as KubeObject);
    objects.push({ apiVersion: "projectcalico.org/v3", kind: "ClusterInformation", metadata: { name: "default" }, spec: { calicoVersion: "v3.30.3" } });
    return objects;
}
