/**
 * What each Calico release from v3.28.0 to v3.32.1 enforces, as data: which kinds, in which tiers
 * and orders, the conversion quirks and the validator rules that change verdicts. Every row names the
 * file and tag it was read from (github.com/projectcalico/calico unless said otherwise). Spans are
 * half-open: `since` is the first release with the row, `until` the first without it.
 */
import { AnalysisInputError } from "../errors";
import type { Tier } from "../types";

export interface Span {
    readonly since: string;
    readonly until?: string;
}

export interface KindRow {
    readonly apiVersions: readonly string[];
    readonly kind: string;
    /** Releases that enforce objects of this kind (empty: none does). */
    readonly enforced: readonly Span[];
    /** Said in the warning when the release does not enforce it. */
    readonly why: string;
    readonly source: string;
    /**
     * Releases whose API serves the kind, when Calico itself brings it (absent: the kind's API does
     * not depend on the release, e.g. the network-policy-api's CRDs); on another release the API
     * server has no such kind and refuses the object.
     */
    readonly served?: { readonly spans: readonly Span[]; readonly why: string; readonly source: string };
}

export interface TierRow {
    readonly tier: Tier;
    readonly present: Span;
    readonly source: string;
}

/** How a named port of an admin policy's rule is converted. */
export type AdminNamedPorts =
    /** Not converted (conversion.go "TODO: Add support for NamedPorts"): the rule matches every protocol and port. */
    | "every-port"
    /** Converted to a Calico named port, protocol left open (the pod's port of that name, any protocol). */
    | "named-port";

export interface ValueRow<T> {
    readonly value: T;
    readonly span: Span;
    readonly source: string;
}

const CALICO_API = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];
const ADMIN_V1ALPHA1 = ["policy.networking.k8s.io/v1alpha1"];
const ADMIN_V1ALPHA2 = ["policy.networking.k8s.io/v1alpha2"];

/** The releases this table describes: the latest patch of each minor read, and the first and last modelled. */
export const LATEST_PATCH: Readonly<Record<string, string>> = {
    "3.28": "3.28.5",
    "3.29": "3.29.7",
    "3.30": "3.30.7",
    "3.31": "3.31.7",
    "3.32": "3.32.1",
};
/** The release the Pulumi program installs on kind by default (config.ts calicoVersion). */
export const DEFAULT_CALICO_VERSION = "v3.30.3";

const STAGED_WHY =
    "Calico evaluates staged policies only to report what they would do (flow logs), never enforces them; analyze --staged shows what enforcing them would change";

/** The staged kinds (v3.30.0 on) and the kind each one stages (staged.ts reads them). */
export const STAGED_KINDS = {
    StagedNetworkPolicy: { apiVersion: "same", kind: "NetworkPolicy" },
    StagedGlobalNetworkPolicy: { apiVersion: "same", kind: "GlobalNetworkPolicy" },
    StagedKubernetesNetworkPolicy: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
} as const;
export type StagedKind = keyof typeof STAGED_KINDS;

/** The first release serving the staged kinds. */
export const STAGED_SINCE = "3.30.0";

export const KIND_ROWS: readonly KindRow[] = [
    {
        apiVersions: CALICO_API,
        kind: "Tier",
        enforced: [{ since: "3.29.0" }],
        why: "open-source Calico has tiers from v3.29.0",
        source: "api/pkg/apis/projectcalico/v3/tier.go (absent at v3.28.5, present at v3.29.0)",
    },
    {
        apiVersions: ADMIN_V1ALPHA1,
        kind: "AdminNetworkPolicy",
        enforced: [{ since: "3.29.0", until: "3.32.0" }],
        why: "Calico converts AdminNetworkPolicy from v3.29.0 to v3.31.x; v3.32.0 removed it for ClusterNetworkPolicy",
        source: "libcalico-go/lib/backend/k8s/conversion/conversion.go K8sAdminNetworkPolicyToCalico (v3.29.0-v3.31.7; gone at v3.32.0)",
    },
    {
        apiVersions: ADMIN_V1ALPHA1,
        kind: "BaselineAdminNetworkPolicy",
        enforced: [{ since: "3.30.0", until: "3.32.0" }],
        why: "Calico converts BaselineAdminNetworkPolicy from v3.30.0 to v3.31.x; v3.32.0 removed it for ClusterNetworkPolicy",
        source: "conversion.go K8sBaselineAdminNetworkPolicyToCalico (v3.30.0-v3.31.7; gone at v3.32.0)",
    },
    {
        apiVersions: ADMIN_V1ALPHA2,
        kind: "ClusterNetworkPolicy",
        enforced: [{ since: "3.32.0" }],
        why: "Calico converts ClusterNetworkPolicy from v3.32.0",
        source: "libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go (first at v3.32.0; projectcalico/calico#10745, tigera/docs#2652)",
    },
    ...Object.keys(STAGED_KINDS).map(
        (kind): KindRow => ({
            apiVersions: CALICO_API,
            kind,
            enforced: [],
            why: STAGED_WHY,
            source: "api/pkg/apis/projectcalico/v3/staged*.go (open source from v3.30.0); felix/calc/endpoint_lookup_cache.go (staged matches recorded beside the enforced verdict)",
            served: {
                spans: [{ since: STAGED_SINCE }],
                why: `Calico serves the staged kinds from v${STAGED_SINCE} (its API server and CRDs have no ${kind} before: kubectl apply answers "no matches for kind")`,
                source: "api/pkg/apis/projectcalico/v3/staged*.go and libcalico-go/config/crd/crd.projectcalico.org_staged*.yaml (absent at v3.29.7, present at v3.30.0)",
            },
        }),
    ),
];

export const TIER_ROWS: readonly TierRow[] = [
    {
        tier: { name: "default", order: 1_000_000, defaultAction: "Deny" },
        present: { since: "3.28.0" },
        source: "api tier.go DefaultTierOrder (v3.29.0+); the only tier before",
    },
    {
        tier: { name: "adminnetworkpolicy", order: 1_000, defaultAction: "Pass" },
        present: { since: "3.29.0", until: "3.32.0" },
        source: "api tier.go AdminNetworkPolicyTierOrder, names/policy.go (v3.29.0-v3.31.7)",
    },
    {
        tier: { name: "baselineadminnetworkpolicy", order: 10_000_000, defaultAction: "Pass" },
        present: { since: "3.30.0", until: "3.32.0" },
        source: "api tier.go BaselineAdminNetworkPolicyTierOrder (v3.30.0-v3.31.7)",
    },
    {
        tier: { name: "kube-admin", order: 1_000, defaultAction: "Pass" },
        present: { since: "3.32.0" },
        source: "api tier.go KubeAdminTierOrder, names/policy.go KubeAdminTierName (v3.32.0)",
    },
    {
        tier: { name: "kube-baseline", order: 10_000_000, defaultAction: "Pass" },
        present: { since: "3.32.0" },
        source: "api tier.go KubeBaselineTierOrder (v3.32.0)",
    },
];

/** The order Calico gives the BaselineAdminNetworkPolicy inside its tier. */
export const BASELINE_ORDER: readonly ValueRow<number>[] = [
    {
        value: 1_000,
        span: { since: "3.30.0", until: "3.32.0" },
        source: "conversion.go K8sBaselineAdminNetworkPolicyToCalico `order := float64(1000)` (v3.30.0-v3.31.7); tigera/docs 3.30/3.31 tiered-policy.mdx",
    },
];

export const ADMIN_NAMED_PORTS: readonly ValueRow<AdminNamedPorts>[] = [
    {
        value: "every-port",
        span: { since: "3.29.0", until: "3.32.0" },
        source: 'conversion.go k8sAdminPolicyPortToCalicoFields "TODO: Add support for NamedPorts" returns no protocol and no port, and unpackANPPorts then keeps one rule for all protocols and ports (v3.29.0-v3.31.7)',
    },
    {
        value: "named-port",
        span: { since: "3.32.0" },
        source: "clusternetworkpolicy.go k8sCNPPortToCalicoFields numorstring.NamedPort, protocol nil (v3.32.0; projectcalico/calico#11916, #12227); felix calc/rule_scanner.go ProtocolAny",
    },
];

/** The key Felix sorts a tier's policies of equal order by (policy-names.ts). */
export type PolicyKeys =
    /** `default.<name>`, `<namespace>/knp.default.<name>`, `kanp.adminnetworkpolicy.<name>`: names as stored. */
    | "stored-name"
    /** `<name>/<namespace>/<kind>`, metadata.name as written. */
    | "name-namespace-kind";

export const POLICY_KEYS: readonly ValueRow<PolicyKeys>[] = [
    {
        value: "stored-name",
        span: { since: "3.28.0", until: "3.32.0" },
        source: "felix/calc/policy_sorter.go PolKVLess `i.Key.Name < j.Key.Name` (v3.28.5, v3.29.0-v3.31.7); libcalico-go names/policy.go TieredPolicyName, clientv3 convertPolicyNameForStorage",
    },
    {
        value: "name-namespace-kind",
        span: { since: "3.32.0" },
        source: "felix/calc/policy_sorter.go PolKVLess `<name>/<namespace>/<kind>` (v3.32.0); model.PolicyKey{Name, Namespace, Kind}, no stored-name prefixes",
    },
];

/** Validator rules that came with a release: where a span holds, the API server refuses the object. */
export const VALIDATOR_ROWS = {
    /** notNets [0.0.0.0/0] or [::/0]: "catch-all CIDR in negation creates logical contradiction". */
    catchAllNotNets: {
        spans: [{ since: "3.29.6", until: "3.30.0" }, { since: "3.30.3" }] as readonly Span[],
        source: "libcalico-go/lib/validator/v3/validator.go validateRule scanNets (v3.29.6, v3.30.3, v3.31.0+; #10563/#10688)",
    },
    /** Ports without a protocol pass when all of them are named ports. */
    namedPortsWithoutProtocol: {
        spans: [{ since: "3.32.0" }] as readonly Span[],
        source: "validator.go validateRule numorstring.AllPortsAreNamed (v3.32.0; before: ports need protocol TCP, UDP or SCTP)",
    },
};

/**
 * IPPool spec fields that only some releases serve (api/pkg/apis/projectcalico/v3/ippool.go at each
 * tag): outside its spans the API server refuses the field as unknown. The analyzer's one schema has
 * them all (validation/schemas.json); semantics.ts refuses each outside its spans.
 */
export const IPPOOL_FIELD_SPANS: Readonly<Record<string, { spans: readonly Span[]; source: string }>> = {
    assignmentMode: { spans: [{ since: "3.30.0" }], source: "ippool.go IPPoolSpec.AssignmentMode (v3.30.0)" },
    namespaceSelector: { spans: [{ since: "3.31.0" }], source: "ippool.go IPPoolSpec.NamespaceSelector (v3.31.0)" },
    ipip: { spans: [{ since: "3.0.0", until: "3.32.0" }], source: "ippool.go IPPoolSpec.IPIP (deprecated; removed in v3.32.0)" },
    "nat-outgoing": { spans: [{ since: "3.0.0", until: "3.32.0" }], source: "ippool.go IPPoolSpec.NATOutgoingV1 (deprecated; removed in v3.32.0)" },
};

// ------------------------------------------------------------------------------------ reading

export interface CalicoRelease {
    /** "3.30.3" */
    readonly version: string;
    readonly parts: readonly [number, number, number];
}

const parts = (version: string): [number, number, number] => version.split(".").map(Number) as [number, number, number];

function compare(a: readonly number[], b: readonly number[]): number {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
}

/** Spans' versions as numbers, read once: validation asks for every rule of a large input. */
const versionParts = new Map<string, readonly number[]>();

function partsOf(version: string): readonly number[] {
    let known = versionParts.get(version);
    if (!known) {
        known = parts(version);
        versionParts.set(version, known);
    }
    return known;
}

export function inSpan(release: CalicoRelease, span: Span): boolean {
    return compare(release.parts, partsOf(span.since)) >= 0 && (span.until === undefined || compare(release.parts, partsOf(span.until)) < 0);
}

export const inSpans = (release: CalicoRelease, spans: readonly Span[]) => spans.some((span) => inSpan(release, span));

export function valueAt<T>(release: CalicoRelease, rows: readonly ValueRow<T>[]): T | undefined {
    return rows.find((row) => inSpan(release, row.span))?.value;
}

/** The --calico-version option's help, the same for every command. */
export const CALICO_VERSION_HELP =
    `the Calico release whose enforcement is judged: which kinds it enforces, its tiers, conversions and validator rules ` +
    `(v3.28.0 to v${LATEST_PATCH["3.32"]}, or a minor such as 3.31 for its latest patch; default ${DEFAULT_CALICO_VERSION}, the release the lab installs)`;

const ACCEPTED = `a Calico release from v3.28.0 to v${LATEST_PATCH["3.32"]}, such as ${DEFAULT_CALICO_VERSION}, or a minor such as 3.30 (its latest patch modelled)`;

/** "v3.30.3", "3.30.3", or "3.30" (the latest patch modelled); anything else is an input error. */
export function calicoRelease(text: string = DEFAULT_CALICO_VERSION, setting = "--calico-version"): CalicoRelease {
    const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
    const minor = match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
    const latest = minor === undefined ? undefined : LATEST_PATCH[minor];
    if (!match || !latest) throw new AnalysisInputError(`Calico release ${JSON.stringify(text)} is not modelled: expected ${ACCEPTED}`, { key: setting });
    const version = match[3] === undefined ? latest : `${minor}.${Number(match[3])}`;
    return { version, parts: parts(version) };
}

/** Rows by apiVersion and kind (undefined: none), looked up once per pair: every object of an input asks. */
const rowsByApi = new Map<string, Map<string, (typeof KIND_ROWS)[number] | undefined>>();

export function kindRow(object: { apiVersion: string; kind: string }): (typeof KIND_ROWS)[number] | undefined {
    let byKind = rowsByApi.get(object.apiVersion);
    if (!byKind) {
        byKind = new Map();
        rowsByApi.set(object.apiVersion, byKind);
    }
    if (!byKind.has(object.kind))
        byKind.set(
            object.kind,
            KIND_ROWS.find((row) => row.kind === object.kind && row.apiVersions.includes(object.apiVersion)),
        );
    return byKind.get(object.kind);
}

/** The tiers the release has without any Tier object. */
export const builtinTiers = (release: CalicoRelease): Tier[] => TIER_ROWS.filter((row) => inSpan(release, row.present)).map((row) => row.tier);
