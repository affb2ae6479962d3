// calico-policy-hygiene: Calico (Global)NetworkPolicy written so that what it does is what it
// says. Resource level: each object on its own.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { parseCalicoSelector, SelectorSyntaxError } from "../../analysis";
import { schemaOf, settingsOf } from "../lib/config";
import { apiOfType, CALICOCTL_COMMAND, describe, objectOfResource } from "../lib/objects";

const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];
const POLICY_KINDS = ["NetworkPolicy", "GlobalNetworkPolicy"];
const PORT_PROTOCOLS = new Set(["TCP", "UDP", "SCTP", "UDPLITE", "6", "17", "132", "136"]);

export function isCalicoPolicyType(type: string): boolean {
    const api = apiOfType(type);
    return api !== undefined && CALICO_API_VERSIONS.includes(api.apiVersion) && POLICY_KINDS.includes(api.kind);
}

interface HygieneSettings {
    allowPassInDefaultTier: boolean;
}

function isAll(selector: unknown): boolean {
    if (selector === undefined || selector === null || selector === "") return true;
    if (typeof selector !== "string") return false;
    try {
        return parseCalicoSelector(selector).root.op === "all";
    } catch (error) {
        if (error instanceof SelectorSyntaxError) return false; // reported by the analyzer with its position
        throw error;
    }
}

/** The problems of one Calico policy object, each a complete message. */
export function calicoProblems(object: { kind: string; metadata: { name: string; namespace?: string }; spec?: any }, settings: HygieneSettings): string[] {
    const spec = object.spec ?? {};
    const name = describe(object);
    const problems: string[] = [];
    if (typeof spec.order !== "number") {
        problems.push(
            `${name} has no explicit order. Calico evaluates policies without an order last in their tier, after every ordered one, and Kubernetes NetworkPolicies sit at order 1000; ` +
                `whether this policy runs before or after them is left to chance. Fix: set spec.order (lower runs first; the lab uses 100 lockdown, 500 allows, 2000 default deny).`,
        );
    }
    const types: unknown[] = Array.isArray(spec.types) ? spec.types : [];
    if (types.length === 0) {
        problems.push(
            `${name} has no explicit types. Calico then infers them from the rules present (Ingress, plus Egress only when egress rules exist), ` +
                `so a deny-all with no rules isolates ingress only. Fix: set spec.types to [Ingress, Egress] (or the direction meant).`,
        );
    } else {
        for (const [direction, type] of [
            ["ingress", "Ingress"],
            ["egress", "Egress"],
        ] as const) {
            if (Array.isArray(spec[direction]) && spec[direction].length > 0 && !types.includes(type)) {
                problems.push(
                    `${name} has ${direction} rules but types does not list ${type}: those rules are ignored and the ${direction} side is not isolated by this policy. ` +
                        `Fix: add ${type} to spec.types, or remove the ${direction} rules.`,
                );
            }
        }
    }
    for (const direction of ["ingress", "egress"] as const) {
        const rules: any[] = Array.isArray(spec[direction]) ? spec[direction] : [];
        rules.forEach((rule, i) => {
            const where = `${direction}[${i}]`;
            const usesPorts = ["source", "destination"].some((side) => rule?.[side]?.ports !== undefined || rule?.[side]?.notPorts !== undefined);
            const protocol = rule?.protocol === undefined ? undefined : String(rule.protocol).toUpperCase();
            if (usesPorts && (protocol === undefined || !PORT_PROTOCOLS.has(protocol))) {
                problems.push(
                    `${name} ${where} matches ports with protocol ${protocol ?? "unset"}. Ports exist only for TCP, UDP and SCTP (and UDPLite); Calico rejects the rule. ` +
                        `Fix: set protocol: TCP (or UDP), one rule per protocol, as the lab's DNS rules do.`,
                );
            }
            if (rule?.action === "Pass" && !settings.allowPassInDefaultTier && (spec.tier === undefined || spec.tier === "default")) {
                problems.push(
                    `${name} ${where} passes in the default tier, the last tier that decides. Pass skips the rest of the tier and falls through to the profiles, ` +
                        `which allow every pod: the traffic is allowed, not denied. Fix: use Allow or Deny, or move the policy to an earlier tier that should hand over to the default tier.`,
                );
            }
        });
    }
    const scoped = !isAll(spec.namespaceSelector) || spec.serviceAccountSelector !== undefined;
    if (object.kind === "GlobalNetworkPolicy" && isAll(spec.selector) && !scoped && !spec.preDNAT && !spec.doNotTrack && !spec.applyOnForward) {
        problems.push(
            `${name} selects every endpoint of the cluster (selector all() without a namespaceSelector): DNS, the CNI and the control plane in kube-system, calico-system and ` +
                `tigera-operator fall under it too, and host endpoints if any. Fix: scope it, e.g. namespaceSelector: projectcalico.org/name == '<namespace>', ` +
                `or exclude the system namespaces: namespaceSelector: projectcalico.org/name not in {'kube-system', 'calico-system', 'tigera-operator'}.`,
        );
    }
    return problems;
}

/**
 * False only for resources whose object, if any, is certainly not a Calico policy: the apiVersion
 * and kind objectOfResource would give it (the props' own, else the type's) are plain strings of
 * another kind. Anything else (calicoctl commands, wrapped values) goes the full way.
 */
function mayBeCalicoPolicy(args: { type: string; props: Record<string, any> }): boolean {
    if (args.type === CALICOCTL_COMMAND) return true;
    const api = apiOfType(args.type);
    const apiVersion = args.props?.apiVersion ?? api?.apiVersion;
    const kind = args.props?.kind ?? api?.kind;
    if (typeof apiVersion !== "string" || typeof kind !== "string") return true;
    return isCalicoPolicyType(`kubernetes:${apiVersion}:${kind}`);
}

const configSchema = schemaOf([], {
    allowPassInDefaultTier: {
        type: "boolean",
        default: false,
        description: "Accept Pass rules in the default tier (they fall through to the allowing profiles).",
    },
});

export const calicoPolicyHygiene: ResourceValidationPolicy = {
    name: "calico-policy-hygiene",
    description:
        "Calico NetworkPolicy and GlobalNetworkPolicy say what they do: an explicit order and explicit types (rules of a direction not in types are ignored), " +
        "ports only with TCP/UDP/SCTP, no Pass in the default tier by accident, and no unscoped selector: all() GlobalNetworkPolicy that also catches the system namespaces.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema,
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
        // Most of a stack is not Calico policy: skip it before copying its properties.
        if (!mayBeCalicoPolicy(args)) return;
        // Through the Kubernetes API (a CustomResource) or applied by calicoctl (a command whose stdin is the document).
        const object = objectOfResource(args);
        if (!object || !isCalicoPolicyType(`kubernetes:${object.apiVersion}:${object.kind}`)) return;
        const settings = settingsOf<HygieneSettings>(args, configSchema);
        for (const problem of calicoProblems(object, settings)) reportViolation(problem);
    },
};
