/**
 * `--endpoint <name>`: every tier and policy that applies to one endpoint, direction by direction in
 * the order a packet meets them, each policy with the selector that picked the endpoint, and what
 * decides after the last tier (the namespace profile, a host endpoint's profiles, a stage's default).
 * The chains are the engine's own (engine.ts appliedChain), the ones its verdicts evaluate.
 *
 * Names: `<namespace>/<workload>` (a Pod or the controller of pods), `node:<name>` (every host
 * endpoint of the node), `node:<name>/<interface>` (that interface's host endpoint) and
 * `hostendpoint:<name>` (as verdicts name host endpoints).
 */
import { appliedChain, directionOf, type EnforcementPoint, type Stage } from "../engine/engine";
import { parseEndpointName } from "../endpoint-names";
import { AnalysisInputError } from "../errors";
import type { ClusterModel, HostEndpoint } from "../model/model-types";
import type { Policy } from "../model/policies";
import { render } from "../selectors/calico";
import type { Labels } from "../types";

/** One policy as it applies: its id, kind, order and the selectors that picked the endpoint (Calico's syntax). */
export interface AppliedPolicy {
    id: string;
    kind: string;
    /** Calico order; 1000 for Kubernetes NetworkPolicies; null when unset (evaluated last in its tier). */
    order: number | null;
    /** `selector: app == 'web'`, and for the kinds that have them `namespace: lab`, `namespaceSelector: ...`, `serviceAccountSelector: ...`. */
    selectedBy: string[];
    rules: number;
}

/** One tier of a chain: its order, what its end does (Deny, Pass, or on to the next table where there is no default drop), its policies. */
export interface EndpointTier {
    name: string;
    order: number | null;
    end: "Deny" | "Pass" | "continue";
    policies: AppliedPolicy[];
}

/** What applies at one stage of the endpoint (a workload: egress, ingress; a host endpoint: its seven). */
export interface EndpointStage {
    stage: Stage;
    /** The stage in words: "egress", "ingress, before DNAT (preDNAT policy)". */
    title: string;
    tiers: EndpointTier[];
    /** What decides when no rule and no tier's end did. */
    otherwise: string;
}

/** One enforcement point and its chains. */
export interface EndpointPolicies {
    /** `lab/web` or `hostendpoint:<name>`. */
    endpoint: string;
    /** "Deployment", "Pod", ..., or "HostEndpoint" with its node and interface. */
    what: string;
    labels: Labels;
    /** Set when no workload policy applies at all (a hostNetwork pod): why. */
    note?: string;
    stages: EndpointStage[];
}

const WORKLOAD_STAGES: readonly [Stage, string][] = [
    ["egress", "egress"],
    ["ingress", "ingress"],
];

/** A host endpoint's stages in the order a packet meets them (host-path.ts; felix rules/static.go). */
const HOST_STAGES: readonly [Stage, string][] = [
    ["hostUntracked", "ingress, untracked (doNotTrack policy)"],
    ["hostPreDnat", "ingress, before DNAT (preDNAT policy)"],
    ["hostIngress", "ingress to the host itself"],
    ["hostForward", "ingress, forwarded (applyOnForward policy)"],
    ["hostUntrackedEgress", "egress, untracked (doNotTrack policy)"],
    ["hostEgress", "egress from the host itself"],
    ["hostForwardEgress", "egress, forwarded (applyOnForward policy)"],
];

/**
 * The chains of the endpoint `name` names: one EndpointPolicies per enforcement point (a node has
 * one per host endpoint). Shape: `[{ endpoint, what, labels, note?, stages: [{ stage, title, tiers:
 * [{ name, order, end, policies: [{ id, kind, order, selectedBy, rules }] }], otherwise }] }]`.
 * @throws AnalysisInputError for a name that denotes no workload, node or host endpoint (naming the known ones).
 */
export function endpointPolicies(model: ClusterModel, name: string): EndpointPolicies[] {
    return enforcementPoints(model, name.trim()).map((point) => pointPolicies(model, point));
}

function enforcementPoints(model: ClusterModel, text: string): EnforcementPoint[] {
    if (text.startsWith("hostendpoint:")) {
        const hostEndpoint = allHostEndpoints(model).find((h) => h.name === text.slice("hostendpoint:".length));
        if (!hostEndpoint)
            throw unknown(
                text,
                `known: ${
                    allHostEndpoints(model)
                        .map((h) => `hostendpoint:${h.name}`)
                        .join(", ") || "none"
                }`,
            );
        return [{ kind: "host", hostEndpoint }];
    }
    const parsed = parseEndpointName(text);
    if (parsed?.kind === "workload") {
        const workload = model.workloadsById.get(text);
        if (!workload)
            throw unknown(
                text,
                `known in ${parsed.namespace}: ${
                    model.workloads
                        .filter((w) => w.namespace === parsed.namespace)
                        .map((w) => w.id)
                        .join(", ") || "none"
                }`,
            );
        return [{ kind: "workload", workload }];
    }
    if (parsed?.kind === "node") {
        const node = model.nodes.find((n) => n.name === parsed.node);
        if (!node) throw unknown(text, `nodes: ${model.nodes.map((n) => `node:${n.name}`).join(", ")}`);
        const hostEndpoints = node.hostEndpoints.filter((h) => parsed.interface === undefined || h.interfaceName === parsed.interface);
        if (!hostEndpoints.length)
            throw unknown(
                text,
                `host endpoints of node ${node.name}: ${node.hostEndpoints.map((h) => `hostendpoint:${h.name} (interface ${h.interfaceName ?? "none"})`).join(", ") || "none: no host policy applies to it"}`,
            );
        return hostEndpoints.map((hostEndpoint) => ({ kind: "host", hostEndpoint }));
    }
    throw new AnalysisInputError(
        `--endpoint ${JSON.stringify(text)}: expected <namespace>/<workload>, node:<name>[/<interface>] or hostendpoint:<name> (policy applies to workloads and host endpoints, not to external:, service: or nodeport: endpoints)`,
    );
}

const allHostEndpoints = (model: ClusterModel): HostEndpoint[] => model.nodes.flatMap((n) => n.hostEndpoints);

const unknown = (text: string, known: string) => new AnalysisInputError(`--endpoint ${JSON.stringify(text)}: no such endpoint; ${known}`);

function pointPolicies(model: ClusterModel, point: EnforcementPoint): EndpointPolicies {
    if (point.kind === "workload") {
        const { workload } = point;
        const base = { endpoint: workload.id, what: workload.kind, labels: workload.labels };
        // Felix gives a hostNetwork pod no workload endpoint (query.ts workloadDecision says the same).
        if (workload.hostNetwork)
            return { ...base, note: `${workload.id} uses the host network: workload policy does not apply (its node's host endpoints do)`, stages: [] };
        return { ...base, stages: stages(model, point, WORKLOAD_STAGES) };
    }
    const { hostEndpoint } = point;
    return {
        endpoint: `hostendpoint:${hostEndpoint.name}`,
        what: `HostEndpoint of node ${hostEndpoint.node}, interface ${hostEndpoint.interfaceName ?? "none"}${hostEndpoint.auto ? " (automatic)" : ""}`,
        labels: hostEndpoint.labels,
        stages: stages(model, point, HOST_STAGES),
    };
}

function stages(model: ClusterModel, point: EnforcementPoint, list: readonly [Stage, string][]): EndpointStage[] {
    return list.map(([stage, title]) => {
        const chain = appliedChain(model, point, stage);
        return {
            stage,
            title,
            tiers: chain.tiers.map(({ tier, policies }) => ({
                name: tier.name,
                order: Number.isFinite(tier.order) ? tier.order : null,
                end: !chain.tierEndsDeny ? "continue" : tier.defaultAction,
                policies: policies.map((policy) => appliedPolicy(policy, stage)),
            })),
            otherwise: chain.otherwise,
        };
    });
}

function appliedPolicy(policy: Policy, stage: Stage): AppliedPolicy {
    const { subject } = policy;
    const direction = directionOf(stage);
    return {
        id: policy.ref.id,
        kind: policy.ref.kind,
        order: policy.ref.order,
        selectedBy: [
            ...(subject.namespace !== undefined ? [`namespace: ${subject.namespace}`] : []),
            `selector: ${render(subject.selector)}`,
            ...(subject.namespaceSelector ? [`namespaceSelector: ${render(subject.namespaceSelector)}`] : []),
            ...(subject.serviceAccountSelector ? [`serviceAccountSelector: ${render(subject.serviceAccountSelector)}`] : []),
        ],
        rules: policy[direction].length,
    };
}
