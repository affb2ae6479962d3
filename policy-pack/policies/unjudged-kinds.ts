// unjudged-kinds (mandatory): the pack never passes what it cannot judge. An object whose kind may
// change which connections are allowed (a Cilium or Istio policy, a Calico L7 policy, a
// Multus network...) but that the analyzer does not evaluate makes every verdict of the other
// policies unreliable, so it is a violation naming the object. Only kinds known to be neutral
// (ConfigMaps, Secrets, RBAC, ...: analysis/model/neutral-kinds.json) and the kinds the analyzer
// evaluates pass; so do the kinds of the Calico release table (analysis/model/calico-releases.ts), which the
// analyzer judges per release: enforced, or left out with a warning (staged policies never enforced).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { kindSupport } from "../../analysis";
import { schemaOf } from "../lib/config";
import { apiOfType, isKubernetesType } from "../lib/objects";

export function unjudgedKindMessage(object: { apiVersion: string; kind: string; name: string; namespace?: string }): string {
    const name = `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
    return [
        `${name} (${object.apiVersion}) may change which connections are allowed, and the connectivity analyzer cannot evaluate a ${object.kind}: ` +
            `no verdict of this pack (default deny, DNS, edge-only ingress, expected flows) can be trusted while it is part of the stack.`,
        `Why it matters: a policy the analysis cannot see may re-open what the analyzed policies close, or close what the intent needs.`,
        `Fix: express the rule as a Kubernetes NetworkPolicy, a Calico (Global)NetworkPolicy or an (Baseline)AdminNetworkPolicy/ClusterNetworkPolicy; ` +
            `if ${object.kind} provably cannot change connectivity, add it to analysis/model/neutral-kinds.json.`,
    ].join("\n");
}

export const unjudgedKinds: ResourceValidationPolicy = {
    name: "unjudged-kinds",
    description:
        "Every Kubernetes object is either evaluated by the connectivity analyzer or of a kind known not to change connectivity (analysis/model/neutral-kinds.json); " +
        "a Cilium, Istio, Calico L7 or other policy the analyzer cannot judge fails the stack instead of being ignored.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: schemaOf([]),
    validateResource: (args, reportViolation) => {
        if (!isKubernetesType(args.type)) return;
        const api = apiOfType(args.type);
        if (!api || kindSupport(api) !== "unknown") return;
        const metadata = args.props?.metadata ?? {};
        reportViolation(
            unjudgedKindMessage({ ...api, name: String(metadata.name ?? args.name), ...(metadata.namespace ? { namespace: String(metadata.namespace) } : {}) }),
        );
    },
};
