/**
 * Every address and CIDR field the analyzer reads, checked as the API server that owns the kind
 * parses it (ip-text.ts), before any verdict: a value the cluster refuses is refused here, naming
 * the key, the value and what is accepted. Valid IPv6 values pass (the model then ignores them).
 * The table is data; each row names its source.
 */
import { enforcedCounterpart, isStaged } from "../model/staged";
import { IPSyntax, parseCIDRText, parseIP } from "../ip-text";
import type { KubeObject } from "../types";
import type { SemanticProblem } from "./semantics";

/** How a field is read. */
type Form =
    | "cidr" // address/prefix (net.ParseCIDR)
    | "cidr-or-ip" // either (libcalico-go ParseCIDROrIP, the `cidr` validator tag)
    | "net" // either, with no host bits set (the `net` validator tag, validateIPNetwork)
    | "rule-net" // address/prefix with no host bits set: `net` tag plus validateRule's cnet.ParseCIDR
    | "ip"; // an address (net.ParseIP)

const ALLOWED: Record<Form, string> = {
    cidr: "an IPv4 or IPv6 network with its prefix length, such as 10.0.0.0/24 or fd00::/64",
    "cidr-or-ip": "an IPv4 or IPv6 address or network, such as 10.0.0.1, 10.0.0.0/24 or fd00::/64",
    net: "an IPv4 or IPv6 address, or a network with no bits set after its prefix, such as 10.0.0.0/24 (not 10.0.0.1/24) or fd00::/64",
    "rule-net": "an IPv4 or IPv6 network with its prefix length and no bits set after it, such as 10.0.0.0/24 (not 10.0.0.1/24 or 10.0.0.1) or fd00::/64",
    ip: "an IPv4 or IPv6 address, such as 10.0.0.1 or fd00::1",
};

interface AddressField {
    apiVersions: readonly string[];
    kinds: readonly string[];
    /** Dotted paths; `[]` walks every element of a list. */
    paths: readonly string[];
    form: Form;
    syntax: IPSyntax;
    /** Values that are not addresses and are accepted (Service clusterIP "None"). */
    except?: readonly string[];
    skip?: (object: KubeObject) => boolean;
    source: string;
}

const CALICO = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];
const ADMIN = ["policy.networking.k8s.io/v1alpha1", "policy.networking.k8s.io/v1alpha2"];
const calicoRuleNets = ["ingress", "egress"].flatMap((direction) =>
    ["source", "destination"].flatMap((side) => ["nets", "notNets"].map((field) => `spec.${direction}[].${side}.${field}[]`)),
);

export const ADDRESS_FIELDS: readonly AddressField[] = [
    {
        apiVersions: CALICO,
        kinds: ["NetworkPolicy", "GlobalNetworkPolicy"],
        paths: calicoRuleNets,
        form: "rule-net",
        syntax: "go",
        source: "libcalico-go lib/validator/v3/validator.go validateIPNetwork (tag `net` on EntityRule nets/notNets, api policy_common.go) and validateRule scanNets (cnet.ParseCIDR), v3.28.0-v3.32.1",
    },
    {
        apiVersions: CALICO,
        kinds: ["NetworkSet", "GlobalNetworkSet"],
        paths: ["spec.nets[]"],
        form: "cidr-or-ip",
        syntax: "go",
        source: "libcalico-go validator.go validateCIDR (tag `cidr`, api globalnetworkset.go / networkset.go)",
    },
    { apiVersions: CALICO, kinds: ["HostEndpoint"], paths: ["spec.expectedIPs[]"], form: "ip", syntax: "go", source: "api hostendpoint.go (tag `ip`)" },
    {
        apiVersions: CALICO,
        kinds: ["IPPool"],
        paths: ["spec.cidr"],
        form: "net",
        syntax: "go",
        source: "api ippool.go (tag `net`), validator.go validateIPNetwork",
    },
    {
        apiVersions: ["networking.k8s.io/v1"],
        kinds: ["NetworkPolicy"],
        form: "cidr",
        syntax: "kubernetes",
        paths: [
            "spec.ingress[].from[].ipBlock.cidr",
            "spec.ingress[].from[].ipBlock.except[]",
            "spec.egress[].to[].ipBlock.cidr",
            "spec.egress[].to[].ipBlock.except[]",
        ],
        source: "kubernetes v1.30 pkg/apis/networking/validation ValidateIPBlock (netutils.ParseCIDRSloppy)",
    },
    {
        apiVersions: ["v1"],
        kinds: ["Service"],
        paths: ["spec.clusterIP", "spec.clusterIPs[]", "spec.externalIPs[]"],
        form: "ip",
        syntax: "kubernetes",
        except: ["None", ""],
        source: "kubernetes v1.30 pkg/apis/core/validation ValidateService (validateClusterIPFlags, ParseIPSloppy)",
    },
    {
        apiVersions: ["v1"],
        kinds: ["Pod"],
        paths: ["status.podIP", "status.podIPs[].ip", "status.hostIP"],
        form: "ip",
        syntax: "kubernetes",
        source: "kubernetes v1.30 pkg/apis/core/validation ValidatePodStatusUpdate (validatePodIPs)",
    },
    {
        apiVersions: ["v1"],
        kinds: ["Endpoints"],
        paths: ["subsets[].addresses[].ip", "subsets[].notReadyAddresses[].ip"],
        form: "ip",
        syntax: "kubernetes",
        source: "kubernetes v1.30 pkg/apis/core/validation validateEndpointAddress",
    },
    {
        apiVersions: ["discovery.k8s.io/v1"],
        kinds: ["EndpointSlice"],
        paths: ["endpoints[].addresses[]"],
        form: "ip",
        syntax: "kubernetes",
        skip: (object) => (object as { addressType?: unknown }).addressType === "FQDN",
        source: "kubernetes v1.30 pkg/apis/discovery/validation validateEndpoints (IPv4 / IPv6 address types)",
    },
    {
        apiVersions: ADMIN,
        kinds: ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"],
        paths: ["spec.egress[].to[].networks[]"],
        form: "cidr",
        syntax: "cel",
        source: "network-policy-api apis/v1alpha1/shared_types.go, apis/v1alpha2 type CIDR (CEL isCIDR)",
    },
];

function accepts(form: Form, syntax: IPSyntax, text: string): boolean {
    switch (form) {
        case "ip":
            return parseIP(text, syntax) !== undefined;
        case "cidr":
            return parseCIDRText(text, syntax) !== undefined;
        case "cidr-or-ip":
            return (text.includes("/") ? parseCIDRText(text, syntax) : parseIP(text, syntax)) !== undefined;
        case "net":
            return text.includes("/") ? parseCIDRText(text, syntax)?.masked === true : parseIP(text, syntax) !== undefined;
        case "rule-net":
            return parseCIDRText(text, syntax)?.masked === true;
    }
}

/** One step of a path: a field, and whether the path walks each element of the list there. */
interface Step {
    name: string;
    each: boolean;
}

const compiledPaths = new Map<string, Step[]>();

/** "spec.a[].b" -> [{a, each}, {b}], once per path. */
function stepsOf(path: string): Step[] {
    let steps = compiledPaths.get(path);
    if (!steps) {
        steps = path.split(".").map((step) => (step.endsWith("[]") ? { name: step.slice(0, -2), each: true } : { name: step, each: false }));
        compiledPaths.set(path, steps);
    }
    return steps;
}

/**
 * Calls `visit` for every value reached by `steps` from `value`: "spec.a[].b" walks each element
 * of spec.a. `at` holds the list indexes taken so far, from which keyAt names the value's key; no
 * key text is made for the (valid) values of a large input.
 */
function walk(value: unknown, steps: Step[], depth: number, at: number[], visit: (value: unknown, at: number[]) => void): void {
    if (depth === steps.length) {
        visit(value, at);
        return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    const step = steps[depth]!;
    const next = (value as Record<string, unknown>)[step.name];
    if (next === undefined || next === null) return;
    if (!step.each) {
        walk(next, steps, depth + 1, at, visit);
        return;
    }
    if (!Array.isArray(next)) return;
    for (let i = 0; i < next.length; i++) {
        at.push(i);
        walk(next[i], steps, depth + 1, at, visit);
        at.pop();
    }
}

/** The key of a value walk reached: "spec.ingress[0].source.nets[1]". */
function keyAt(steps: Step[], at: number[]): string {
    let key = "",
        index = 0;
    for (const step of steps) {
        key = key ? `${key}.${step.name}` : step.name;
        if (step.each) key += `[${at[index++]}]`;
    }
    return key;
}

/** The address and CIDR fields of `object` its API server would refuse (a staged policy's: those of the policy it stages). */
export function addressProblems(object: KubeObject): SemanticProblem[] {
    if (isStaged(object)) return addressProblems(enforcedCounterpart(object));
    const problems: SemanticProblem[] = [];
    for (const field of ADDRESS_FIELDS) {
        if (!field.apiVersions.includes(object.apiVersion) || !field.kinds.includes(object.kind) || field.skip?.(object)) continue;
        for (const path of field.paths) {
            const steps = stepsOf(path);
            walk(object, steps, 0, [], (value, at) => {
                if (typeof value === "string" && (field.except?.includes(value) || accepts(field.form, field.syntax, value))) return;
                problems.push({
                    key: keyAt(steps, at),
                    message: `${JSON.stringify(value)} is not a valid address here: expected ${ALLOWED[field.form]} (${field.source})`,
                    source: "ADDRESSES",
                });
            });
        }
    }
    return problems;
}
