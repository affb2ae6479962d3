// The track's policies as plain documents, in the track's order (tigera/ccol2azure
// week2: 00_default_deny.yaml, 01_allow_summary.yaml, 02_allow_customer.yaml). Pure data in, documents out: the program creates them through the same
// createPolicyResources as the helloworld lab; tests and the analyzer read them as they are.
//
// Every selector of the track is kept as the track writes it (serviceAccounts and
// namespaceSelector included). What this file adds, each for a policy-pack finding on the
// track's text (docs/yaobank.md, "Departures from the track"; test/yaobank/fixtures holds the
// track's YAML and the tests assert the difference is exactly this):
// - default-app-policy is scoped to the namespaces labelled lab.calico-zero-trust/scenario ==
//   "yaobank" instead of "every namespace but kube-system, calico-system, calico-apiserver",
//   which would also isolate kind's local-path-storage, IKS's IBM namespaces and the helloworld
//   lab; its DNS rule is UDP and TCP 53 (truncated answers retry over TCP), to kube-dns in
//   kube-system only (a global rule selector without namespaceSelector matches any namespace);
// - explicit order (Calico policies; deny 2000 after the allows' 500, as the helloworld lab),
//   types and policyTypes: what Calico and Kubernetes would infer, written down;
// - p-external2customer admits TCP 80 only (the track: any TCP port of the customer);
// - p-customer2summary admits the customer's service account only (the track: any pod of the
//   cluster, and the database through p-summary2database's egress rule).
import { CALICO_ORDER, KUBE_DNS, MANAGED_BY_LABEL, PolicyDocument } from "../../components/zero-trust-documents";
import { YAOBANK_SCENARIO_LABEL, YAOBANK_WORKLOADS, YaobankFeatures } from "./stages";

export const YAOBANK_POLICY_NAMES = {
    summaryToDatabase: "p-summary2database",
    defaultAppPolicy: "default-app-policy",
    externalToCustomer: "p-external2customer",
    customerToSummary: "p-customer2summary",
} as const;

const [scenarioLabelKey, scenarioLabelValue] = Object.entries(YAOBANK_SCENARIO_LABEL)[0]!;
const metadata = (name: string, namespace?: string) => ({ name, ...(namespace === undefined ? {} : { namespace }), labels: { ...MANAGED_BY_LABEL } });
const { customer, summary, database } = YAOBANK_WORKLOADS;

/** Kubernetes NetworkPolicy, the previous track's (tigera/ccol2azure week2 01_allow_summary.yaml). */
export function summaryToDatabase(): PolicyDocument {
    // The two peers are OR'ed; the podSelector-only peer means app=summary pods in the database
    // namespace (there are none). No ports: any port. The track sets no policyTypes; the API
    // server would derive these two from the sections present.
    const summaryPeers = [{ namespaceSelector: { matchLabels: { ns: "summary" } } }, { podSelector: { matchLabels: { app: "summary" } } }];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(YAOBANK_POLICY_NAMES.summaryToDatabase, database.namespace),
        spec: {
            podSelector: { matchLabels: { app: "database" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: summaryPeers }],
            egress: [{ to: summaryPeers }],
        },
    };
}

/** Calico GlobalNetworkPolicy: default deny for the yaobank namespaces, DNS excepted. */
export function defaultAppPolicy(): PolicyDocument {
    const dnsDestination = {
        selector: `${KUBE_DNS.labelKey} == "${KUBE_DNS.labelValue}"`,
        namespaceSelector: `projectcalico.org/name == "${KUBE_DNS.namespace}"`,
        ports: [KUBE_DNS.port],
    };
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalNetworkPolicy",
        metadata: metadata(YAOBANK_POLICY_NAMES.defaultAppPolicy),
        spec: {
            order: CALICO_ORDER.defaultDeny,
            namespaceSelector: `${scenarioLabelKey} == "${scenarioLabelValue}"`,
            types: ["Ingress", "Egress"],
            egress: [
                { action: "Allow", protocol: "UDP", destination: dnsDestination },
                { action: "Allow", protocol: "TCP", destination: dnsDestination },
            ],
        },
    };
}

/** Calico NetworkPolicy: anyone may reach the customer's web port; the customer may reach the summary service account only. */
export function externalToCustomer(): PolicyDocument {
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: metadata(YAOBANK_POLICY_NAMES.externalToCustomer, customer.namespace),
        spec: {
            order: CALICO_ORDER.allow,
            selector: 'app == "customer"',
            types: ["Ingress", "Egress"],
            ingress: [{ action: "Allow", protocol: "TCP", destination: { selector: 'app == "customer"', ports: [customer.port] } }],
            egress: [
                {
                    action: "Allow",
                    protocol: "TCP",
                    destination: { serviceAccounts: { names: ["summary"] }, namespaceSelector: 'ns == "summary"' },
                },
            ],
        },
    };
}

/** Calico NetworkPolicy: the customer's service account may reach the summary on 80; the summary may reach the database only. */
export function customerToSummary(): PolicyDocument {
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: metadata(YAOBANK_POLICY_NAMES.customerToSummary, summary.namespace),
        spec: {
            order: CALICO_ORDER.allow,
            selector: 'app == "summary"',
            types: ["Ingress", "Egress"],
            ingress: [
                {
                    action: "Allow",
                    protocol: "TCP",
                    source: { serviceAccounts: { names: ["customer"] }, namespaceSelector: 'ns == "customer"' },
                    destination: { selector: 'app == "summary"', ports: [summary.port] },
                },
            ],
            egress: [
                {
                    action: "Allow",
                    protocol: "TCP",
                    destination: { selector: 'app == "database"', namespaceSelector: `projectcalico.org/name == "${database.namespace}"` },
                },
            ],
        },
    };
}

/** The stage's policies, in the order the track applies them. */
export function yaobankPolicyDocuments(features: YaobankFeatures): PolicyDocument[] {
    return [
        ...(features.summaryToDatabase ? [summaryToDatabase()] : []),
        ...(features.defaultAppPolicy ? [defaultAppPolicy()] : []),
        ...(features.calicoPolicies ? [externalToCustomer(), customerToSummary()] : []),
    ];
}
