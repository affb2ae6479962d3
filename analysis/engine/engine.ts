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
import type { Policy, PolicyRef, Rule, Tier } from "../model/policies";
import { Packet, ruleMatches, subjectSelects } from "./rules";
import type { Action, Direction } from "../types";

/**
 * Where a packet meets policy. Host endpoint stages, in Felix's order (felix rules/static.go,
 * rules/endpoints.go, v3.28.5): untracked (raw table, doNotTrack policies), pre-DNAT (mangle), then
 * the filter table: normal policy for traffic to or from the host itself (hostIngress, hostEgress) or
 * applyOnForward policy for forwarded traffic (hostForward, hostForwardEgress).
 */
export type Stage =
    | "egress"
    | "ingress"
    | "hostUntracked"
    | "hostUntrackedEgress"
    | "hostPreDnat"
    | "hostIngress"
    | "hostEgress"
    | "hostForward"
    | "hostForwardEgress";

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

/** Where policy is enforced: a workload endpoint, or a host endpoint. */
export type EnforcementPoint = { kind: "workload"; workload: Workload } | { kind: "host"; hostEndpoint: HostEndpoint };

/**
 * What the decisions of one enforcement point and stage share, whatever the packet: the policies
 * that apply, grouped by tier, and the texts naming them. Made once per point and stage (a policy
 * pack asks tens of thousands of questions of the same few thousand endpoints).
 */
interface PolicyChain {
    policies: Policy[];
    ids: string[];
    tiers: { name: string; tier: Tier; policies: Policy[]; endReason: string }[];
    endpoint: string;
    direction: Direction;
    /** "ingress of lab/helloworld" */
    what: string;
}

/** Per model: enforcement point name -> stage -> chain. */
const chainCache = modelCache<string, Map<Stage, PolicyChain>>();

function pointName(point: EnforcementPoint): string {
    return point.kind === "workload" ? point.workload.id : `hostendpoint:${point.hostEndpoint.name}`;
}

/** Policies that apply at an enforcement point for a stage, in evaluation order. */
export function applicablePolicies(model: ClusterModel, point: EnforcementPoint, stage: Stage): Policy[] {
    return policyChain(model, point, stage).policies;
}

function policyChain(model: ClusterModel, point: EnforcementPoint, stage: Stage): PolicyChain {
    const endpoint = pointName(point);
    const chains = chainCache(model);
    let byStage = chains.get(endpoint);
    if (!byStage) {
        byStage = new Map();
        chains.set(endpoint, byStage);
    }
    const cached = byStage.get(stage);
    if (cached) return cached;
    const direction = directionOf(stage);
    const identity: Identity = point.kind === "workload" ? workloadIdentity(model, point.workload) : { labels: point.hostEndpoint.labels };
    const policies = candidatePolicies(model, point).filter((policy) => {
        if (!policy.types.includes(direction)) return false;
        if (!stageAccepts(policy, point, stage)) return false;
        return subjectSelects(policy.subject, identity);
    });
    const what = `${direction} of ${endpoint}`;
    const tiers = [...new Set(policies.map((p) => p.tier))].map((name) => {
        const inTier = policies.filter((p) => p.tier === name);
        const selecting = inTier.map((p) => p.ref.id).join(", ");
        const endReason = `denied at the end of tier ${name}: ${selecting} ${selecting.includes(",") ? "select" : "selects"} ${what} but no rule matches`;
        return { name, tier: model.tiers.get(name)!, policies: inTier, endReason };
    });
    const chain: PolicyChain = { policies, ids: policies.map((p) => p.ref.id), tiers, endpoint, direction, what };
    byStage.set(stage, chain);
    return chain;
}

/** Policies in evaluation order with their places in model.policies (ascending). */
interface PlacedPolicies {
    policies: Policy[];
    places: number[];
}

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
        let l = 0,
            g = 0;
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
        case "egress":
        case "ingress":
            return point.kind === "workload" && !policy.preDNAT && !policy.doNotTrack;
        case "hostUntracked":
        case "hostUntrackedEgress":
            return point.kind === "host" && policy.doNotTrack;
        case "hostPreDnat":
            return point.kind === "host" && policy.preDNAT;
        case "hostIngress":
        case "hostEgress":
            return point.kind === "host" && !policy.preDNAT && !policy.doNotTrack;
        case "hostForward":
        case "hostForwardEgress":
            return point.kind === "host" && policy.applyOnForward && !policy.preDNAT && !policy.doNotTrack;
    }
}

export function notEnforced(stage: Stage, party: Party, why: string): Decision {
    return { stage, endpoint: partyName(party), allowed: true, outcome: "allow", decidedBy: "not-enforced", steps: [], policies: [], reason: why };
}

type TierChain = PolicyChain["tiers"][number];

/** Where the tiers' evaluation of one packet ends: at the rule that decides, at the end of a tier (a deny), or past every tier. */
type ChainEnd = { at: "rule"; tier: TierChain; policy: Policy; rule: Rule } | { at: "end-of-tier"; tier: TierChain } | { at: "past" };

const PAST: ChainEnd = { at: "past" };

/** Runs the tiers for one packet; `steps`, when given, receives every matching rule that takes part (Log, Pass, the deciding one). */
function evaluateTiers(model: ClusterModel, chain: PolicyChain, stage: Stage, packet: Packet, steps?: DecisionStep[]): ChainEnd {
    for (const tier of chain.tiers) {
        let passed = false;
        tierLoop: for (const policy of tier.policies) {
            for (const rule of policy[chain.direction]) {
                if (!ruleMatches(model, rule, packet)) continue;
                steps?.push({ tier: tier.name, policy: policy.ref, rule: rule.index, origin: rule.origin, action: rule.action });
                if (rule.action === "Log") continue;
                if (rule.action === "Pass") {
                    passed = true;
                    break tierLoop;
                }
                return { at: "rule", tier, policy, rule };
            }
        }
        if (passed) continue;
        if (tier.tier.defaultAction === "Pass") continue;
        // "There is no 'default drop' semantic for pre-DNAT policy" (pre-dnat.mdx); nor for untracked policy (endpoints.go).
        if (NO_DEFAULT_DROP.has(stage)) break;
        return { at: "end-of-tier", tier };
    }
    return PAST;
}

/** Stages where no policy at all lets the packet go on (decide's "no-policy" answers before any tier). */
const ALLOWED_WITHOUT_POLICY: ReadonlySet<Stage> = new Set<Stage>(["hostPreDnat", "hostUntracked", "hostUntrackedEgress", "hostForward", "hostForwardEgress"]);

/** Evaluates the policy chain of one enforcement point for one packet. */
export function decide(model: ClusterModel, point: EnforcementPoint, stage: Stage, packet: Packet): Decision {
    const chain = policyChain(model, point, stage);
    const base = { stage, endpoint: chain.endpoint, policies: chain.ids.slice() };
    const steps: DecisionStep[] = [];
    const otherwise = (): Decision => {
        const { allowed, outcome, decidedBy, reason } = fallThrough(point, stage, chain);
        return { ...base, allowed, outcome, decidedBy, steps, reason };
    };
    if (chain.policies.length === 0 && (ALLOWED_WITHOUT_POLICY.has(stage) || point.kind === "workload")) return otherwise();

    const end = evaluateTiers(model, chain, stage, packet, steps);
    if (end.at === "rule") {
        const allowed = end.rule.action === "Allow";
        return {
            ...base,
            allowed,
            outcome: allowed ? "allow" : "deny",
            decidedBy: "rule",
            steps,
            reason: `${allowed ? "allowed" : "denied"} by ${end.policy.ref.id} ${end.rule.origin} (tier ${end.tier.name})`,
        };
    }
    if (end.at === "end-of-tier")
        return { ...base, allowed: false, outcome: "deny", decidedBy: "end-of-tier", steps, tier: end.tier.name, reason: end.tier.endReason };
    // Every tier passed (or pre-DNAT/untracked policy found no match).
    return otherwise();
}

/**
 * What decides a packet that no rule and no tier's end decided, whatever the packet: with no policy
 * at all, or past every tier. Pre-DNAT and untracked policy go on to the next table; forwarded
 * traffic no applyOnForward policy selects is allowed; a pod's namespace profile allows; a host
 * endpoint's profiles decide (none: deny).
 */
function fallThrough(point: EnforcementPoint, stage: Stage, chain: PolicyChain): Pick<Decision, "allowed" | "outcome" | "decidedBy" | "reason"> {
    const { endpoint, what } = chain;
    const none = chain.policies.length === 0;
    if (NO_DEFAULT_DROP.has(stage)) {
        const kind = stage === "hostPreDnat" ? "pre-DNAT" : "doNotTrack";
        const reason = none
            ? stage === "hostPreDnat"
                ? `no pre-DNAT policy selects ${endpoint}`
                : `no doNotTrack policy selects ${what}`
            : `no ${kind} rule matched at ${endpoint}: continues to ${stage === "hostPreDnat" ? "normal" : "tracked"} policy`;
        return { allowed: true, outcome: "continue", decidedBy: "no-policy", reason };
    }
    if (none && (stage === "hostForward" || stage === "hostForwardEgress"))
        return {
            allowed: true,
            outcome: "allow",
            decidedBy: "no-policy",
            reason: `no applyOnForward policy selects ${endpoint}: forwarded traffic is allowed`,
        };
    if (point.kind === "workload") {
        const profile = `allowed by the namespace profile kns.${point.workload.namespace}`;
        return none
            ? { allowed: true, outcome: "allow", decidedBy: "no-policy", reason: `no policy selects ${what}: ${profile}` }
            : { allowed: true, outcome: "allow", decidedBy: "profile", reason: `passed by every tier: ${profile}` };
    }
    const allowedByProfile = point.hostEndpoint.profiles.includes(AUTO_HEP_PROFILE);
    const before = none ? `no policy selects ${what}` : "passed by every tier";
    return {
        allowed: allowedByProfile,
        outcome: allowedByProfile ? "allow" : "deny",
        decidedBy: "profile",
        reason: allowedByProfile ? `${before}: allowed by profile ${AUTO_HEP_PROFILE}` : `${before}: a host endpoint without an allowing profile denies`,
    };
}

/** One tier of an endpoint's chain at a stage: the tier, its policies that apply, in evaluation order. */
export interface AppliedTier {
    tier: Tier;
    policies: readonly Policy[];
}

/** The policies that apply at an endpoint for a stage, tier by tier in evaluation order, and what decides past them. */
export interface AppliedChain {
    tiers: readonly AppliedTier[];
    /** False at stages whose tiers have no default drop (pre-DNAT, untracked): a tier's end goes on like a Pass. */
    tierEndsDeny: boolean;
    /** What decides when no rule and no tier's end did (profile, a stage's default), in words. */
    otherwise: string;
}

/**
 * Every tier and policy applying at an endpoint for a stage, in the order a packet meets them, and
 * what decides after them (what `analyze --endpoint` lists). Packet-independent: the same chain
 * decide() evaluates.
 */
export function appliedChain(model: ClusterModel, point: EnforcementPoint, stage: Stage): AppliedChain {
    const chain = policyChain(model, point, stage);
    return {
        tiers: chain.tiers.map(({ tier, policies }) => ({ tier, policies })),
        tierEndsDeny: !NO_DEFAULT_DROP.has(stage),
        otherwise: fallThrough(point, stage, chain).reason,
    };
}

/**
 * `decide(...).allowed`, without making the Decision (its steps, policies and reason): for callers
 * that ask many questions and explain few of the answers.
 */
export function allows(model: ClusterModel, point: EnforcementPoint, stage: Stage, packet: Packet): boolean {
    const chain = policyChain(model, point, stage);
    if (chain.policies.length === 0 && (ALLOWED_WITHOUT_POLICY.has(stage) || point.kind === "workload")) return true;
    const end = evaluateTiers(model, chain, stage, packet);
    if (end.at === "rule") return end.rule.action === "Allow";
    if (end.at === "end-of-tier") return false;
    if (NO_DEFAULT_DROP.has(stage) || point.kind === "workload") return true;
    return point.hostEndpoint.profiles.includes(AUTO_HEP_PROFILE);
}

export function workloadDecision(model: ClusterModel, workload: Workload, stage: "egress" | "ingress", packet: Packet): Decision {
    if (workload.hostNetwork) {
        return notEnforced(
            stage,
            { kind: "workload", workload },
            `${workload.id} uses the host network: workload policy does not apply (host endpoint policy would)`,
        );
    }
    return decide(model, { kind: "workload", workload }, stage, packet);
}

/** `workloadDecision(...).allowed`, without making the Decision. */
export function workloadAllows(model: ClusterModel, workload: Workload, stage: "egress" | "ingress", packet: Packet): boolean {
    return workload.hostNetwork || allows(model, { kind: "workload", workload }, stage, packet);
}

export function hostDecision(model: ClusterModel, hostEndpoint: HostEndpoint, stage: Stage, packet: Packet): Decision {
    return decide(model, { kind: "host", hostEndpoint }, stage, packet);
}

export { identitiesOf };
