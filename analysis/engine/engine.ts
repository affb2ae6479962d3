/**
 * The policy engine: which policies apply to an endpoint, in which order, and what they decide for
 * one packet in one direction. Calico semantics (docs reference/resources/tier.mdx,
 * network-policy/get-started/kubernetes-default-deny.mdx, reference/host-endpoints/pre-dnat.mdx):
 *  - tiers in order; inside a tier, policies by order (missing = last) then name; rules in order;
 *  - Allow/Deny end evaluation, Log continues, Pass jumps to the next tier that applies;
 *  - a tier that applies but takes no action ends with its defaultAction (Deny unless Pass);
 *  - past the last tier, the endpoint's profiles decide: kns.<namespace> allows for pods;
 *  - no policy at all: pods allow (profile); host endpoints deny unless a profile allows.
 * Kubernetes NetworkPolicy semantics come out of the same evaluation (they are order-1000 Allow-only
 * policies in the default tier), including "both ends must allow" and "union of allows".
 */
import type { ClusterModel, HostEndpoint, Workload } from "../model/model-types";
import { AUTO_HEP_PROFILE } from "../model/model-types";
import { modelCache } from "../model/model-cache";
import { getOrCreate } from "../model/model-index";
import { identitiesOf, Identity, Party, partyName, workloadIdentity } from "./parties";
import type { Policy, PolicyRef } from "../model/policies";
import { Packet, ruleMatches, subjectSelects } from "./rules";
import type { Action, Direction } from "../types";

/**
 * Where a packet meets policy. Host endpoint stages, in Felix's order (felix rules/static.go,
 * rules/endpoints.go, v3.28.5): untracked (raw table, doNotTrack policies), pre-DNAT (mangle), then
 * the filter table: normal policy for traffic to or from the host itself (hostIngress, hostEgress) or
 * applyOnForward policy for forwarded traffic (hostForward, hostForwardEgress).
 */
export type Stage = "egress" | "ingress" | "hostUntracked" | "hostUntrackedEgress" | "hostPreDnat" | "hostIngress" | "hostEgress" | "hostForward" | "hostForwardEgress";

const EGRESS_STAGES: ReadonlySet<Stage> = new Set<Stage>(["egress", "hostUntrackedEgress", "hostEgress", "hostForwardEgress"]);
/** Stages without a default drop: a packet no rule matches goes on to the next table (endpoints.go). */
const NO_DEFAULT_DROP: ReadonlySet<Stage> = new Set<Stage>(["hostPreDnat", "hostUntracked", "hostUntrackedEgress"]);

export function directionOf(stage: Stage): Direction {
    return EGRESS_STAGES.has(stage) ? "egress" : "ingress";
}

export interface DecisionStep {
    tier: string;
    policy: PolicyRef;
    /** Rule index in the policy's ingress/egress list. */
    rule: number;
    /** The rule's place in its object, e.g. "ingress[0].from[1], ports[0]". */
    origin: string;
    action: Action;
}

export interface Decision {
    stage: Stage;
    /** The endpoint whose policy decided ("lab/helloworld", "hostendpoint:node-auto-hep") or the party left unenforced. */
    endpoint: string;
    allowed: boolean;
    /** "continue": pre-DNAT policy took no decision and the packet goes on to normal policy. */
    outcome: "allow" | "deny" | "continue";
    decidedBy: "rule" | "end-of-tier" | "profile" | "no-policy" | "not-enforced" | "failsafe" | "endpoint-to-host";
    /** The rules that matched, in order: Log and Pass rules, then the deciding rule. */
    steps: DecisionStep[];
    /** Ids of the policies that applied to the endpoint in this direction, in evaluation order. */
    policies: string[];
    /** Set when decidedBy is "end-of-tier". */
    tier?: string;
    reason: string;
}

type EnforcementPoint = { kind: "workload"; workload: Workload } | { kind: "host"; hostEndpoint: HostEndpoint };

const applicableCache = modelCache<string, Policy[]>();

function pointName(point: EnforcementPoint): string {
    return point.kind === "workload" ? point.workload.id : `hostendpoint:${point.hostEndpoint.name}`;
}

/** Policies that apply at an enforcement point for a stage, in evaluation order. */
export function applicablePolicies(model: ClusterModel, point: EnforcementPoint, stage: Stage): Policy[] {
    const cache = applicableCache(model);
    const key = `${pointName(point)}|${stage}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const direction = directionOf(stage);
    const identity: Identity = point.kind === "workload" ? workloadIdentity(model, point.workload) : { labels: point.hostEndpoint.labels };
    const result = candidatePolicies(model, point).filter((policy) => {
        if (!policy.types.includes(direction)) return false;
        if (!stageAccepts(policy, point, stage)) return false;
        return subjectSelects(policy.subject, identity);
    });
    cache.set(key, result);
    return result;
}

/** Policies in evaluation order with their places in model.policies (ascending). */
interface PlacedPolicies { policies: Policy[]; places: number[] }

const candidateIndex = new WeakMap<ClusterModel, { global: PlacedPolicies; byNamespace: Map<string, PlacedPolicies>; merged: Map<string, Policy[]> }>();

/** Policies that could select the point: global ones, and namespaced ones of its namespace, in evaluation order. */
function candidatePolicies(model: ClusterModel, point: EnforcementPoint): Policy[] {
    let index = candidateIndex.get(model);
    if (!index) {
        index = { global: { policies: [], places: [] }, byNamespace: new Map(), merged: new Map() };
        for (let i = 0; i < model.policies.length; i++) {
            const policy = model.policies[i]!;
            const namespace = policy.subject.namespace;
            const list = namespace === undefined ? index.global : getOrCreate(index.byNamespace, namespace, () => ({ policies: [], places: [] }));
            list.policies.push(policy);
            list.places.push(i);
        }
        candidateIndex.set(model, index);
    }
    const global = index.global;
    if (point.kind === "host") return global.policies;
    const local = index.byNamespace.get(point.workload.namespace);
    if (!local) return global.policies;
    if (!global.policies.length) return local.policies;
    // Merged once per namespace (every workload of a namespace has the same candidates), by place in model.policies.
    let merged = index.merged.get(point.workload.namespace);
    if (!merged) {
        merged = [];
        let l = 0, g = 0;
        while (l < local.places.length || g < global.places.length) {
            const takeLocal = g >= global.places.length || (l < local.places.length && local.places[l]! < global.places[g]!);
            merged.push(takeLocal ? local.policies[l++]! : global.policies[g++]!);
        }
        index.merged.set(point.workload.namespace, merged);
    }
    return merged;
}

/**
 * preDNAT, applyOnForward and doNotTrack are "meaningful only when applying policy to a host endpoint"
 * (globalnetworkpolicy.mdx): pods ignore preDNAT/doNotTrack policies; forwarded traffic through a host
 * endpoint only meets applyOnForward policies; pre-DNAT traffic only preDNAT policies.
 */
function stageAccepts(policy: Policy, point: EnforcementPoint, stage: Stage): boolean {
    switch (stage) {
        case "egress": case "ingress": return point.kind === "workload" && !policy.preDNAT && !policy.doNotTrack;
        case "hostUntracked": case "hostUntrackedEgress": return point.kind === "host" && policy.doNotTrack;
        case "hostPreDnat": return point.kind === "host" && policy.preDNAT;
        case "hostIngress": case "hostEgress": return point.kind === "host" && !policy.preDNAT && !policy.doNotTrack;
        case "hostForward": case "hostForwardEgress": return point.kind === "host" && policy.applyOnForward && !policy.preDNAT && !policy.doNotTrack;
    }
}

export function notEnforced(stage: Stage, party: Party, why: string): Decision {
    return { stage, endpoint: partyName(party), allowed: true, outcome: "allow", decidedBy: "not-enforced", steps: [], policies: [], reason: why };
}

/** Evaluates the policy chain of one enforcement point for one packet. */
export function decide(model: ClusterModel, point: EnforcementPoint, stage: Stage, packet: Packet): Decision {
    const policies = applicablePolicies(model, point, stage);
    const endpoint = pointName(point);
    const direction = directionOf(stage);
    const base = { stage, endpoint, policies: policies.map((p) => p.ref.id) };
    const steps: DecisionStep[] = [];
    const what = `${direction} of ${endpoint}`;

    if (policies.length === 0) {
        if (stage === "hostPreDnat") return { ...base, allowed: true, outcome: "continue", decidedBy: "no-policy", steps, reason: `no pre-DNAT policy selects ${endpoint}` };
        if (stage === "hostUntracked" || stage === "hostUntrackedEgress") {
            return { ...base, allowed: true, outcome: "continue", decidedBy: "no-policy", steps, reason: `no doNotTrack policy selects ${what}` };
        }
        if (stage === "hostForward" || stage === "hostForwardEgress") {
            return { ...base, allowed: true, outcome: "allow", decidedBy: "no-policy", steps, reason: `no applyOnForward policy selects ${endpoint}: forwarded traffic is allowed` };
        }
        if (point.kind === "workload") {
            return { ...base, allowed: true, outcome: "allow", decidedBy: "no-policy", steps, reason: `no policy selects ${what}: allowed by the namespace profile kns.${point.workload.namespace}` };
        }
    }

    const tierNames = [...new Set(policies.map((p) => p.tier))];
    for (const tierName of tierNames) {
        const tier = model.tiers.get(tierName)!;
        let passed = false;
        tierLoop: for (const policy of policies) {
            if (policy.tier !== tierName) continue;
            for (const rule of policy[direction]) {
                if (!ruleMatches(model, rule, packet)) continue;
                steps.push({ tier: tierName, policy: policy.ref, rule: rule.index, origin: rule.origin, action: rule.action });
                if (rule.action === "Log") continue;
                if (rule.action === "Pass") { passed = true; break tierLoop; }
                const allowed = rule.action === "Allow";
                return {
                    ...base, allowed, outcome: allowed ? "allow" : "deny", decidedBy: "rule", steps,
                    reason: `${allowed ? "allowed" : "denied"} by ${policy.ref.id} ${rule.origin} (tier ${tierName})`,
                };
            }
        }
        if (passed) continue;
        if (tier.defaultAction === "Pass") continue;
        // "There is no 'default drop' semantic for pre-DNAT policy" (pre-dnat.mdx); nor for untracked policy (endpoints.go).
        if (NO_DEFAULT_DROP.has(stage)) break;
        const selecting = policies.filter((p) => p.tier === tierName).map((p) => p.ref.id).join(", ");
        return {
            ...base, allowed: false, outcome: "deny", decidedBy: "end-of-tier", steps, tier: tierName,
            reason: `denied at the end of tier ${tierName}: ${selecting} ${selecting.includes(",") ? "select" : "selects"} ${what} but no rule matches`,
        };
    }
    // Every tier passed (or pre-DNAT/untracked policy found no match).
    if (NO_DEFAULT_DROP.has(stage)) {
        const kind = stage === "hostPreDnat" ? "pre-DNAT" : "doNotTrack";
        return { ...base, allowed: true, outcome: "continue", decidedBy: "no-policy", steps, reason: `no ${kind} rule matched at ${endpoint}: continues to ${stage === "hostPreDnat" ? "normal" : "tracked"} policy` };
    }
    if (point.kind === "workload") {
        return { ...base, allowed: true, outcome: "allow", decidedBy: "profile", steps, reason: `passed by every tier: allowed by the namespace profile kns.${point.workload.namespace}` };
    }
    const allowedByProfile = point.hostEndpoint.profiles.includes(AUTO_HEP_PROFILE);
    const before = policies.length ? "passed by every tier" : `no policy selects ${what}`;
    return {
        ...base, allowed: allowedByProfile, outcome: allowedByProfile ? "allow" : "deny", decidedBy: "profile", steps,
        reason: allowedByProfile ? `${before}: allowed by profile ${AUTO_HEP_PROFILE}` : `${before}: a host endpoint without an allowing profile denies`,
    };
}

export function workloadDecision(model: ClusterModel, workload: Workload, stage: "egress" | "ingress", packet: Packet): Decision {
    if (workload.hostNetwork) {
        return notEnforced(stage, { kind: "workload", workload }, `${workload.id} uses the host network: workload policy does not apply (host endpoint policy would)`);
    }
    return decide(model, { kind: "workload", workload }, stage, packet);
}

export function hostDecision(model: ClusterModel, hostEndpoint: HostEndpoint, stage: Stage, packet: Packet): Decision {
    return decide(model, { kind: "host", hostEndpoint }, stage, packet);
}

export { identitiesOf };
