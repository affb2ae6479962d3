/**
 * Network sets that may hold pods whose addresses the input does not give. On the cluster such a
 * pod matches every rule selector that matches the set once its address falls in the set's nets
 * (network-sets.ts); offline its address is unknown (a Deployment's pods, a Pod without
 * status.podIP) or only some of a workload's pods are inside. The analyzer judges those pods without
 * the set's labels and says so, naming the set, the pods and the rules that select the set.
 */
import { entitySelectorsPick } from "../engine/entity-selectors";
import type { ClusterModel, NetworkSet, Workload } from "./model-types";
import { coverage, describeNetworkSet, networkSetIdentity } from "../engine/network-sets";
import { podRanges } from "../engine/parties";
import type { EntityMatch } from "./policies";

const LISTED = 3;

export function networkSetWarnings(model: ClusterModel): string[] {
    return model.networkSets.flatMap((set) => {
        const unsure = model.workloads.filter((workload) => coverage(set.nets, podRanges(model, workload)) === "some");
        if (unsure.length === 0) return [];
        const rules = rulesPicking(model, set);
        return rules.length ? [warning(model, set, unsure, rules)] : [];
    });
}

/** The rule sides whose selectors pick the set, as "np:lab/x ingress[0] source". */
function rulesPicking(model: ClusterModel, set: NetworkSet): string[] {
    const identity = networkSetIdentity(model, set);
    const picks = (entity: EntityMatch) => entitySelectorsPick(model, entity, identity);
    return model.policies.flatMap((policy) =>
        [...policy.ingress, ...policy.egress].flatMap((rule) => [
            ...(picks(rule.source) ? [`${policy.ref.id} ${rule.origin} source`] : []),
            ...(picks(rule.destination) ? [`${policy.ref.id} ${rule.origin} destination`] : []),
        ]),
    );
}

function warning(model: ClusterModel, set: NetworkSet, unsure: Workload[], rules: string[]): string {
    const nets = set.nets.map((net) => net.text).join(", ");
    return (
        `${describeNetworkSet(set)} (nets ${nets}) may hold the address of ${listed(unsure.map((w) => w.id))}: ` +
        `their addresses are unknown (pod CIDR ${model.options.podCIDR.text}) or only some of their pods are inside. ` +
        `On the cluster the selectors of ${listed(rules)} pick a pod whose address falls in those nets as they pick the set, whatever its labels; ` +
        "the analyzer judges these pods without the set's labels (give the Pods with status.podIP to decide)"
    );
}

function listed(items: string[]): string {
    const shown = items.slice(0, LISTED).join(", ");
    return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}
