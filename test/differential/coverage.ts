// Coverage: which features and rule fields each cell exercised. A policy's own features count
// for a cell when the analyzer says the policy applied to one of its ends; a rule's features
// when that rule matched the cell's packet (the analyzer's decision steps). The feature names
// are the generator's words (mix.ts rows), read back from the objects themselves, so a shrunk or
// hand-written scenario is tagged the same way.
import type { Decision, Verdict as AnalyzerVerdict } from "../../analysis";
import type { PlainObject } from "../../live/cluster";
import type { CellKind } from "./cells";
import type { CellResult } from "./compare";
import type { ScenarioHost } from "./scenario";

type Spec = Record<string, any>;

/** Policy id as the analyzer writes it (knp:<ns>/<name>, np:<ns>/<name>, gnp:<name>). */
export function policyId(object: PlainObject): string | undefined {
    const { name, namespace } = object.metadata;
    if (object.kind === "NetworkPolicy") return object.apiVersion === "networking.k8s.io/v1" ? `knp:${namespace}/${name}` : `np:${namespace}/${name}`;
    if (object.kind === "GlobalNetworkPolicy") return `gnp:${name}`;
    return undefined;
}

function selectorFeatures(prefix: string, selector: unknown): string[] {
    if (typeof selector !== "string") return [];
    const text = selector.replace(/has\(df-scope\)/g, "");
    const grammar: [string, RegExp][] = [
        ["all()", /all\(\)/],
        ["global()", /global\(\)/],
        ["==", /==/],
        ["!=", /!=/],
        ["!has()", /!has\(/],
        ["has()", /(^|[^!])has\(/],
        [" not in ", / not in /],
        [" in ", /(^|[^t]) in /],
        ["&&", /&&/],
        ["||", /\|\|/],
    ];
    return grammar.filter(([, pattern]) => pattern.test(text)).map(([name]) => `${prefix} ${name.trim()}`);
}

function kubeSelectorKind(selector: Spec | undefined): string {
    if (!selector || Object.keys(selector).length === 0) return "empty";
    return selector.matchExpressions ? `matchExpressions ${selector.matchExpressions.map((e: Spec) => e.operator).join(",")}` : "matchLabels";
}

function kubePortFeatures(port: Spec): string[] {
    const features = [`knp.protocol ${port.protocol ?? "omitted (TCP)"}`];
    if (port.port === undefined) features.push("knp.port protocolOnly");
    else if (typeof port.port === "string") features.push("knp.port named");
    else features.push(port.endPort !== undefined ? "knp.port endPort" : "knp.port number");
    return features;
}

function kubeRuleFeatures(rule: Spec, direction: string): string[] {
    const peers: Spec[] | undefined = rule[direction === "ingress" ? "from" : "to"];
    const features = [`knp.${direction} rule`];
    if (peers === undefined) features.push("knp.peers omitted (all)");
    else if (peers.length > 1) features.push("knp.peers OR");
    for (const peer of peers ?? []) {
        if (peer.ipBlock) features.push(peer.ipBlock.except ? "knp.peer ipBlock+except" : "knp.peer ipBlock");
        else if (peer.namespaceSelector && peer.podSelector) features.push("knp.peer namespaceSelector AND podSelector");
        else if (peer.namespaceSelector) features.push(`knp.peer namespaceSelector ${kubeSelectorKind(peer.namespaceSelector)}`);
        else features.push(`knp.peer podSelector ${kubeSelectorKind(peer.podSelector)}`);
    }
    if (rule.ports === undefined) features.push("knp.ports omitted");
    for (const port of rule.ports ?? []) features.push(...kubePortFeatures(port));
    return features;
}

function entityFeatures(prefix: string, entity: Spec | undefined): string[] {
    if (!entity) return [];
    const features: string[] = [];
    for (const field of ["selector", "notSelector", "namespaceSelector", "serviceAccounts", "nets", "notNets", "ports", "notPorts"]) {
        if (entity[field] === undefined) continue;
        features.push(`${prefix}.${field}`);
        if (field === "selector" && /^set == /.test(entity.selector))
            features.push(`${prefix} network set${entity.namespaceSelector === "global()" ? " (global())" : ""}`);
        if (field.endsWith("elector")) features.push(...selectorFeatures(`${prefix}.${field}`, entity[field]));
        if (field === "serviceAccounts") features.push(`${prefix}.serviceAccounts.${Object.keys(entity.serviceAccounts).join("+")}`);
        if (field === "ports" || field === "notPorts") {
            for (const port of entity[field] as unknown[])
                features.push(`${prefix}.${field} ${typeof port === "number" ? "number" : /^\d+:\d+$/.test(String(port)) ? "range" : "named"}`);
        }
    }
    return features;
}

function calicoRuleFeatures(rule: Spec, direction: string): string[] {
    const features = [`calico.${direction} rule`, `calico.action ${rule.action}`];
    if (rule.protocol !== undefined) features.push(`calico.protocol ${rule.protocol}`);
    if (rule.notProtocol !== undefined) features.push(`calico.notProtocol ${rule.notProtocol}`);
    features.push(...entityFeatures("calico.source", rule.source), ...entityFeatures("calico.destination", rule.destination));
    return features;
}

function policyFeatures(object: PlainObject, orders: number[]): string[] {
    const spec = (object.spec ?? {}) as Spec;
    if (object.apiVersion === "networking.k8s.io/v1") {
        const features = [
            "KubernetesNetworkPolicy",
            `knp.podSelector ${kubeSelectorKind(spec.podSelector)}`,
            `knp.policyTypes ${spec.policyTypes ? spec.policyTypes.join("+") : "omitted"}`,
        ];
        const types: string[] = spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
        for (const type of types) if (!(spec[type.toLowerCase()]?.length > 0)) features.push(`knp.${type.toLowerCase()} default deny (no rules)`);
        return features;
    }
    const kind = object.kind === "GlobalNetworkPolicy" ? "GlobalNetworkPolicy" : "CalicoNetworkPolicy";
    const features = [kind, `calico.types ${spec.types ? spec.types.join("+") : "inferred"}`, ...selectorFeatures("calico.selector", spec.selector)];
    if (spec.order === undefined) features.push("calico.order omitted");
    else features.push(orders.filter((order) => order === spec.order).length > 1 ? "calico.order tie" : "calico.order set");
    if (spec.namespaceSelector !== undefined) features.push("gnp.namespaceSelector");
    if (spec.doNotTrack) features.push("host policy doNotTrack");
    else if (spec.preDNAT) features.push("host policy preDNAT");
    else if (spec.applyOnForward) features.push("host policy applyOnForward");
    if (spec.serviceAccountSelector !== undefined) features.push("calico.serviceAccountSelector");
    return features;
}

/** Features of every policy and rule of a scenario's objects, by policy id. */
export interface FeatureIndex {
    policies: Map<string, string[]>;
    rules: Map<string, string[]>;
}

export function featureIndex(objects: readonly PlainObject[]): FeatureIndex {
    const calicoOrders = objects
        .filter((o) => o.apiVersion === "projectcalico.org/v3" && (o.spec as Spec)?.order !== undefined)
        .map((o) => (o.spec as Spec).order as number);
    // A Kubernetes policy is an order-1000 Calico policy (libcalico-go conversion.go): a tie with a Calico order 1000.
    const orders = [...calicoOrders, ...objects.filter((o) => o.apiVersion === "networking.k8s.io/v1").map(() => 1000)];
    const index: FeatureIndex = { policies: new Map(), rules: new Map() };
    for (const object of objects) {
        const id = policyId(object);
        if (!id) continue;
        index.policies.set(id, policyFeatures(object, orders));
        const spec = (object.spec ?? {}) as Spec;
        for (const direction of ["ingress", "egress"]) {
            (spec[direction] ?? []).forEach((rule: Spec, i: number) => {
                index.rules.set(
                    `${id} ${direction}[${i}]`,
                    object.apiVersion === "networking.k8s.io/v1" ? kubeRuleFeatures(rule, direction) : calicoRuleFeatures(rule, direction),
                );
            });
        }
    }
    return index;
}

/** The analyzer's ids name policies as read back; Calico may prefix the tier (default.<name>). */
function plainId(id: string): string {
    return id.replace(/^(np:[^/]+\/|gnp:)default\./, "$1");
}

function decisions(verdict: AnalyzerVerdict): Decision[] {
    const { explanation } = verdict;
    const all = [
        explanation.egress,
        explanation.ingress,
        explanation.hostPreDnat,
        explanation.hostForward,
        explanation.hostForwardEgress,
        ...(explanation.host ?? []),
        ...(explanation.paths ?? []).map((p) => p.ingress),
    ];
    return [...new Set(all.filter((d): d is Decision => d !== undefined))];
}

const HOST_STAGES: Record<string, string> = {
    hostUntracked: "host stage untracked (doNotTrack) ingress",
    hostUntrackedEgress: "host stage untracked (doNotTrack) egress",
    hostPreDnat: "host stage preDNAT",
    hostIngress: "host stage host ingress",
    hostEgress: "host stage host egress",
    hostForward: "host stage forward ingress",
    hostForwardEgress: "host stage forward egress",
};

/** Features a cell exercised, its kind and protocol first; `host`: the scenario's node side, if any. */
export function cellFeatures(kind: CellKind, protocol: string, verdict: AnalyzerVerdict | undefined, index: FeatureIndex, host?: ScenarioHost): string[] {
    const features = new Set<string>([`cell ${kind} ${protocol}`]);
    if (host && kind.includes("node")) features.add(`host endpoint ${host.expectedIPs ? "with" : "without"} expectedIPs`);
    for (const decision of verdict ? decisions(verdict) : []) {
        for (const id of decision.policies) for (const feature of index.policies.get(plainId(id)) ?? []) features.add(feature);
        for (const step of decision.steps) {
            // The step's origin names the rule in its object ("ingress[0].from[1], ports[0]"): a
            // Kubernetes rule is several normalized rules, so the step's own index is not the object's.
            const place =
                /^(ingress|egress)\[\d+\]/.exec(step.origin)?.[0] ??
                `${decision.stage === "egress" || decision.stage === "hostForwardEgress" ? "egress" : "ingress"}[${step.rule}]`;
            for (const feature of index.rules.get(`${plainId(step.policy.id)} ${place}`) ?? []) features.add(feature);
        }
        if (decision.decidedBy === "end-of-tier") features.add("end of tier (default deny)");
        const stage = HOST_STAGES[decision.stage];
        if (stage && (decision.policies.length > 0 || decision.decidedBy === "failsafe"))
            features.add(decision.decidedBy === "failsafe" ? "host failsafe port" : stage);
        if (decision.decidedBy === "profile" && decision.policies.length > 0) features.add("past every policy (profile allows)");
    }
    return [...features];
}

export interface CoverageRow {
    feature: string;
    cells: number;
    agree: number;
    disagree: number;
}

/** One row per feature: the cells that exercised it and how they came out. */
export function coverageTable(results: readonly CellResult[]): CoverageRow[] {
    const rows = new Map<string, CoverageRow>();
    for (const result of results) {
        for (const feature of result.features) {
            const row = rows.get(feature) ?? { feature, cells: 0, agree: 0, disagree: 0 };
            row.cells++;
            if (result.status === "agree") row.agree++;
            if (result.status === "disagree") row.disagree++;
            rows.set(feature, row);
        }
    }
    return [...rows.values()].sort((a, b) => a.feature.localeCompare(b.feature));
}
