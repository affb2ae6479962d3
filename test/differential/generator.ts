// The seeded scenario generator: a few namespaces and pods with random labels, service accounts
// and listening ports, Services in front of some pods, and 2-8 random Kubernetes and Calico
// policies (plus a network set now and then). Every choice draws from mix.ts.
import type { PlainObject } from "../../live/cluster";
import { Choice, MIX, Mix } from "./mix";
import { SENTINEL_LABEL, SENTINEL_PORTS } from "./converge";
import { Random } from "./random";
import {
    ADDRESSES,
    NODE_PORTS,
    Protocol,
    Scenario,
    ScenarioHost,
    ScenarioNamespace,
    ScenarioPod,
    ScenarioPort,
    ScenarioService,
    POD_NAME_LABEL,
    SCENARIO_LABEL,
    SCOPE_LABEL,
} from "./scenario";

/** Label vocabulary: small, so selectors written at random do select something. */
const POD_LABELS: Record<string, readonly string[]> = { app: ["web", "db", "api"], tier: ["front", "back"], env: ["prod", "dev"] };
const NAMESPACE_LABELS: Record<string, readonly string[]> = { team: ["red", "blue"], env: ["prod", "dev"] };
const PORTS: Record<Protocol, readonly number[]> = { TCP: [80, 443, 8080, 9090], UDP: [53, 5353, 9090] };
const PORT_NAMES: Record<Protocol, readonly string[]> = { TCP: ["http", "web"], UDP: ["dns", "stats"] };
const SERVICE_PORTS: Record<Protocol, readonly number[]> = { TCP: [80, 8000, 7070], UDP: [53, 5300] };
/** Port ranges [first, last] that cover some of the listening ports and miss others. */
const RANGES: readonly [number, number][] = [
    [80, 443],
    [8000, 8999],
    [5000, 9999],
    [440, 9000],
];
const ORDERS = { distinct: [10, 50, 200, 500], tie: [100] } as const;
/** The host endpoint's own label: host policies select by it, so they never select a pod. */
const HOST_ROLE: Record<string, readonly string[]> = { "host-role": ["edge", "worker"] };

class Draw {
    constructor(readonly random: Random) {}
    choice<K extends keyof Mix>(row: K): Choice<K> {
        return this.random.weighted(MIX[row] as Record<Choice<K>, number>);
    }
    count<K extends keyof Mix>(row: K): number {
        const value = Number(this.choice(row));
        return Number.isNaN(value) ? 0 : value;
    }
}

function randomLabels(random: Random, vocabulary: Record<string, readonly string[]>, probability: number): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const key of Object.keys(vocabulary)) if (random.chance(probability)) labels[key] = random.pick(vocabulary[key]);
    return labels;
}

function ports(draw: Draw, protocol: Protocol, count: number): ScenarioPort[] {
    const numbers = [...PORTS[protocol]];
    const result: ScenarioPort[] = [];
    for (let i = 0; i < count && numbers.length > 0; i++) {
        const port = numbers.splice(draw.random.int(0, numbers.length - 1), 1)[0];
        const names = PORT_NAMES[protocol].filter((name) => !result.some((p) => p.name === name));
        result.push(draw.choice("port.name") === "named" && names.length > 0 ? { port, protocol, name: draw.random.pick(names) } : { port, protocol });
    }
    return result;
}

/** What a policy may refer to: the scenario's names, labels and ports. */
interface Context {
    scenario: Scenario;
    draw: Draw;
    networkSet?: { kind: "NetworkSet" | "GlobalNetworkSet"; namespace?: string; label: string };
}

/**
 * A CIDR for nets, notNets, ipBlocks and network sets. Never the catch-all in notNets: it matches
 * no traffic and Calico v3.29.6+ refuses it (libcalico-go validator.go validateRule, #10563).
 */
function net(context: Context, catchAll = true): string {
    const choice = context.draw.choice("net");
    switch (choice === "any" && !catchAll ? "world" : choice) {
        case "podCidr":
            return ADDRESSES.podCidr;
        case "podHalf":
            return context.draw.random.pick(["10.244.0.0/17", "10.244.128.0/17"]);
        case "world":
            return "1.1.1.0/24";
        case "worldHost":
            return `${ADDRESSES.internet}/32`;
        case "outside":
            return ADDRESSES.nodeNet;
        case "any":
            return "0.0.0.0/0";
    }
}

/** A CIDR inside `cidr` (for an except), or undefined when nothing sensible fits. */
function exceptWithin(cidr: string, random: Random): string | undefined {
    const inside: Record<string, readonly string[]> = {
        [ADDRESSES.podCidr]: ["10.244.0.0/17", "10.244.128.0/17"],
        "10.244.0.0/17": ["10.244.0.0/18", "10.244.64.0/18"],
        "10.244.128.0/17": ["10.244.128.0/18", "10.244.192.0/18"],
        "1.1.1.0/24": [`${ADDRESSES.internet}/32`],
        [ADDRESSES.nodeNet]: [`${ADDRESSES.outside}/32`],
        "0.0.0.0/0": [ADDRESSES.podCidr, "1.1.1.0/24", ADDRESSES.nodeNet],
    };
    const options = inside[cidr];
    return options ? random.pick(options) : undefined;
}

// ------------------------------------------------------------------------ Kubernetes NetworkPolicy

function kubeLabelSelector(
    context: Context,
    vocabulary: Record<string, readonly string[]>,
    kind: "empty" | "matchLabels" | "matchExpressions",
): Record<string, unknown> {
    const { random } = context.draw;
    const key = random.pick(Object.keys(vocabulary));
    if (kind === "empty") return {};
    if (kind === "matchLabels") return { matchLabels: { [key]: random.pick(vocabulary[key]) } };
    const operator = random.pick(["In", "NotIn", "Exists", "DoesNotExist"] as const);
    return {
        matchExpressions: [
            operator === "Exists" || operator === "DoesNotExist" ? { key, operator } : { key, operator, values: [random.pick(vocabulary[key])] },
        ],
    };
}

function kubePeer(context: Context): Record<string, unknown> {
    const { draw } = context;
    const selectorKind = () => draw.random.pick(["matchLabels", "matchLabels", "matchExpressions", "empty"] as const);
    switch (draw.choice("knp.peer")) {
        case "podSelector":
            return { podSelector: kubeLabelSelector(context, POD_LABELS, selectorKind()) };
        case "namespaceSelector":
            return { namespaceSelector: kubeLabelSelector(context, NAMESPACE_LABELS, selectorKind()) };
        case "namespaceAndPodSelector":
            return {
                namespaceSelector: kubeLabelSelector(context, NAMESPACE_LABELS, selectorKind()),
                podSelector: kubeLabelSelector(context, POD_LABELS, selectorKind()),
            };
        case "ipBlock": {
            const cidr = net(context);
            const except = draw.choice("knp.ipBlock.except") === "some" ? exceptWithin(cidr, draw.random) : undefined;
            return { ipBlock: except ? { cidr, except: [except] } : { cidr } };
        }
    }
}

function kubePort(context: Context): Record<string, unknown> {
    const { draw } = context;
    const protocolChoice = draw.choice("knp.protocol");
    const protocol: Protocol = protocolChoice === "UDP" ? "UDP" : "TCP";
    const withProtocol = protocolChoice === "omitted" ? {} : { protocol };
    switch (draw.choice("knp.port")) {
        case "number":
            return { ...withProtocol, port: draw.random.pick(PORTS[protocol]) };
        case "named":
            return { ...withProtocol, port: draw.random.pick(PORT_NAMES[protocol]) };
        case "endPort": {
            const [port, endPort] = draw.random.pick(RANGES);
            return { ...withProtocol, port, endPort };
        }
        case "protocolOnly":
            return { protocol };
    }
}

function kubeRule(context: Context, direction: "ingress" | "egress"): Record<string, unknown> {
    const { draw } = context;
    const rule: Record<string, unknown> = {};
    const peers = draw.choice("knp.peers");
    if (peers !== "omitted") rule[direction === "ingress" ? "from" : "to"] = Array.from({ length: Number(peers) }, () => kubePeer(context));
    const portCount = draw.choice("knp.ports");
    if (portCount !== "omitted") rule.ports = Array.from({ length: Number(portCount) }, () => kubePort(context));
    return rule;
}

function kubernetesPolicy(context: Context, name: string): PlainObject {
    const { draw, scenario } = context;
    const namespace = draw.random.pick(scenario.namespaces).name;
    const spec: Record<string, unknown> = { podSelector: kubeLabelSelector(context, POD_LABELS, draw.choice("knp.podSelector")) };
    const types = draw.choice("knp.policyTypes");
    if (types !== "omitted") spec.policyTypes = types === "both" ? ["Ingress", "Egress"] : [types];
    // Rules for a direction the types leave out are refused by the API server; with types omitted, both may have rules.
    for (const direction of ["ingress", "egress"] as const) {
        const allowed = types === "omitted" || types === "both" || types.toLowerCase() === direction;
        const count = allowed ? draw.count("knp.rules") : 0;
        if (count > 0) spec[direction] = Array.from({ length: count }, () => kubeRule(context, direction));
    }
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

// ------------------------------------------------------------------------------ Calico policies

function quoted(values: readonly string[]): string {
    return values.map((value) => `'${value}'`).join(", ");
}

function calicoExpression(context: Context, vocabulary: Record<string, readonly string[]>, forNamespaces = false): string {
    const { draw, scenario } = context;
    const { random } = draw;
    const key = random.pick(Object.keys(vocabulary));
    const value = random.pick(vocabulary[key]);
    const simple = (): string => {
        const k = random.pick(Object.keys(vocabulary));
        return `${k} == '${random.pick(vocabulary[k])}'`;
    };
    let choice = draw.choice("calico.selector");
    if (choice === "podName" && forNamespaces) choice = "equal";
    switch (choice) {
        case "all":
            return "all()";
        case "equal":
            return `${key} == '${value}'`;
        case "notEqual":
            return `${key} != '${value}'`;
        case "has":
            return `has(${key})`;
        case "notHas":
            return `!has(${key})`;
        case "in":
            return `${key} in { ${quoted(vocabulary[key].slice(0, 2))} }`;
        case "notIn":
            return `${key} not in { ${quoted([value])} }`;
        case "and":
            return `${simple()} && ${simple()}`;
        case "or":
            return `(${simple()} || ${simple()})`;
        case "podName":
            return `${POD_NAME_LABEL} == '${random.pick(scenario.pods).name}'`;
    }
}

function calicoPorts(context: Context, protocol: Protocol): Record<string, unknown> {
    const { draw } = context;
    switch (draw.choice("calico.ports")) {
        case "none":
            return {};
        case "number":
            return { ports: [draw.random.pick(PORTS[protocol])] };
        case "range": {
            const [first, last] = draw.random.pick(RANGES);
            return { ports: [`${first}:${last}`] };
        }
        case "named":
            return { ports: [draw.random.pick(PORT_NAMES[protocol])] };
        case "notPorts":
            return { notPorts: [draw.random.pick(PORTS[protocol])] };
    }
}

function calicoEntity(context: Context, global: boolean, withPorts: Protocol | undefined): Record<string, unknown> {
    const { draw, scenario } = context;
    const entity: Record<string, unknown> = {};
    const fields = draw.count("calico.entityFields");
    for (let i = 0; i < fields; i++) {
        switch (draw.choice("calico.entityField")) {
            case "selector":
                entity.selector = calicoExpression(context, POD_LABELS);
                break;
            case "notSelector":
                entity.notSelector = calicoExpression(context, POD_LABELS);
                break;
            case "namespaceSelector":
                entity.namespaceSelector = draw.random.chance(0.2) ? "all()" : calicoExpression(context, NAMESPACE_LABELS, true);
                break;
            case "serviceAccounts": {
                const accounts = [...new Set(scenario.pods.map((pod) => pod.serviceAccount))];
                entity.serviceAccounts = draw.choice("calico.serviceAccounts") === "names" ? { names: [draw.random.pick(accounts)] } : { selector: "all()" };
                break;
            }
            case "nets":
                entity.nets = [net(context)];
                break;
            case "notNets":
                entity.notNets = [net(context, false)];
                break;
            case "networkSet": {
                const set = context.networkSet;
                if (!set) break;
                entity.selector = `set == '${set.label}'`;
                // A namespaced rule sees global sets only through global() (libcalico-go rules.go).
                if (set.kind === "GlobalNetworkSet" && !global) entity.namespaceSelector = "global()";
                else if (set.kind === "NetworkSet" && global) entity.namespaceSelector = `projectcalico.org/name == '${set.namespace}'`;
                break;
            }
        }
    }
    if (withPorts) Object.assign(entity, calicoPorts(context, withPorts));
    return entity;
}

function calicoRule(context: Context, global: boolean): Record<string, unknown> {
    const { draw } = context;
    const rule: Record<string, unknown> = { action: draw.choice("calico.action") };
    const protocol = draw.choice("calico.protocol");
    if (protocol === "TCP" || protocol === "UDP") rule.protocol = protocol;
    if (protocol === "notProtocol") rule.notProtocol = draw.random.pick(["TCP", "UDP"]);
    const ported = protocol === "TCP" || protocol === "UDP" ? protocol : undefined;
    const source = calicoEntity(context, global, undefined);
    const destination = calicoEntity(context, global, ported);
    if (Object.keys(source).length > 0) rule.source = source;
    if (Object.keys(destination).length > 0) rule.destination = destination;
    return rule;
}

function calicoPolicy(context: Context, name: string, global: boolean): PlainObject {
    const { draw, scenario } = context;
    const spec: Record<string, unknown> = {};
    const order = draw.choice("calico.order");
    if (order === "distinct" || order === "tie") spec.order = draw.random.pick(ORDERS[order]);
    if (order === "1000") spec.order = 1000;
    const selector = calicoExpression(context, POD_LABELS);
    spec.selector = global ? (selector === "all()" ? `has(${SCOPE_LABEL})` : `(${selector}) && has(${SCOPE_LABEL})`) : selector;
    if (global && draw.choice("gnp.namespaceSelector") === "set") spec.namespaceSelector = calicoExpression(context, NAMESPACE_LABELS, true);
    if (draw.choice("calico.serviceAccountSelector") === "set")
        spec.serviceAccountSelector = `projectcalico.org/name == '${draw.random.pick(scenario.pods).serviceAccount}'`;
    const types = draw.choice("calico.types");
    if (types !== "inferred") spec.types = types === "both" ? ["Ingress", "Egress"] : [types];
    for (const direction of ["ingress", "egress"] as const) {
        const allowed = types === "inferred" || types === "both" || types.toLowerCase() === direction;
        const count = allowed ? draw.count("calico.rules") : 0;
        if (count > 0) spec[direction] = Array.from({ length: count }, () => calicoRule(context, global));
    }
    const metadata = global ? { name, labels: { [SCENARIO_LABEL]: scenario.name } } : { name, namespace: draw.random.pick(scenario.namespaces).name };
    return { apiVersion: "projectcalico.org/v3", kind: global ? "GlobalNetworkPolicy" : "NetworkPolicy", metadata, spec };
}

function networkSet(context: Context, kind: "NetworkSet" | "GlobalNetworkSet"): PlainObject {
    const { draw, scenario } = context;
    const label = `${scenario.name}-set`;
    const nets = [...new Set([net(context), net(context)])];
    const namespace = kind === "NetworkSet" ? draw.random.pick(scenario.namespaces).name : undefined;
    context.networkSet = { kind, label, ...(namespace ? { namespace } : {}) };
    const labels = { set: label, ...(kind === "GlobalNetworkSet" ? { [SCENARIO_LABEL]: scenario.name } : {}) };
    return {
        apiVersion: "projectcalico.org/v3",
        kind,
        metadata: { name: `${scenario.name}-set`, ...(namespace ? { namespace } : {}), labels },
        spec: { nets },
    };
}

// ------------------------------------------------------------------------------- the node's side

/**
 * One host policy: a GlobalNetworkPolicy selecting the host endpoint by its host-role label, normal,
 * applyOnForward, preDNAT or doNotTrack. Forwarded traffic also carries the tier's own convergence
 * probes (pods -> the outside netns on 8080/8081, converge.ts), so a policy that sees forwarded
 * packets (applyOnForward, preDNAT, doNotTrack) names a port those probes never use, and only a
 * normal policy has Egress rules for forwarded traffic never: an applyOnForward Egress policy would
 * end forwarded egress in a default deny. doNotTrack rules always name a port for the same reason
 * (an untracked rule sees replies too).
 */
function hostPolicy(context: Context, name: string): PlainObject {
    const { draw, scenario } = context;
    const flavor = draw.choice("host.policy");
    const spec: Record<string, unknown> = {};
    const order = draw.choice("calico.order");
    if (order === "distinct" || order === "tie") spec.order = draw.random.pick(ORDERS[order]);
    if (order === "1000") spec.order = 1000;
    const role = calicoExpression(context, HOST_ROLE, true);
    spec.selector =
        role === "all()" || role.startsWith("!") || role.includes(" not in ") || role.includes("!=")
            ? `has(host-role) && has(${SCOPE_LABEL})`
            : `(${role}) && has(${SCOPE_LABEL})`;
    const types = flavor === "preDNAT" || flavor === "applyOnForward" ? "Ingress" : draw.choice("host.types");
    if (flavor !== "normal") spec.applyOnForward = true;
    if (flavor === "preDNAT") spec.preDNAT = true;
    if (flavor === "doNotTrack") spec.doNotTrack = true;
    spec.types = types === "both" ? ["Ingress", "Egress"] : [types];
    for (const direction of ["ingress", "egress"] as const) {
        if (!(spec.types as string[]).includes(direction === "ingress" ? "Ingress" : "Egress")) continue;
        spec[direction] = Array.from({ length: draw.count("host.rules") }, () =>
            direction === "ingress" ? hostIngressRule(context, flavor) : hostEgressRule(context, flavor !== "normal"),
        );
    }
    return { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name, labels: { [SCENARIO_LABEL]: scenario.name } }, spec };
}

/**
 * An ingress rule of a host policy. A doNotTrack rule never names the NodePort range: an untracked
 * allow of a forwarded packet is refused by the analyzer as not modelled (no conntrack, no DNAT:
 * analysis/engine/host-path.ts arrivalDecisions), which the tier would count as not predicted.
 */
function hostIngressRule(context: Context, flavor: Choice<"host.policy">): Record<string, unknown> {
    const { draw } = context;
    const rule: Record<string, unknown> = { action: draw.choice("host.action"), protocol: "TCP" };
    const source = draw.choice("host.source");
    if (source !== "none") rule.source = { nets: [source === "outside" ? `${ADDRESSES.outside}/32` : source === "nodeNet" ? ADDRESSES.nodeNet : "1.1.1.0/24"] };
    let port = draw.choice("host.ingressPort");
    if ((port === "none" && flavor !== "normal") || (port === "nodePorts" && flavor === "doNotTrack")) port = "node";
    if (port !== "none") rule.destination = { ports: [port === "node" ? NODE_PORTS.open : port === "failsafe" ? NODE_PORTS.failsafe : "30000:32767"] };
    return rule;
}

function hostEgressRule(context: Context, forwarded: boolean): Record<string, unknown> {
    const { draw } = context;
    let port = draw.choice("host.egressPort");
    if (port === "none" && forwarded) port = "https";
    const rule: Record<string, unknown> = {
        action: draw.choice("host.action"),
        ...(port === "dns" ? { protocol: "UDP" } : port === "https" ? { protocol: "TCP" } : {}),
    };
    const destination: Record<string, unknown> = draw.random.chance(0.5) ? { nets: ["1.1.1.0/24"] } : {};
    if (port !== "none") destination.ports = [port === "dns" ? 53 : 443];
    if (Object.keys(destination).length > 0) rule.destination = destination;
    if (draw.choice("host.egressSource") === "node") rule.source = { nets: [`${ADDRESSES.nodeAddress}/32`] };
    return rule;
}

/**
 * An applyOnForward policy ends forwarded ingress through the host endpoint in a default deny, which
 * would also stop the tier's convergence probes (the world -> the sentinel pods, converge.ts): this
 * policy lets exactly those through, first (README, "The node's side").
 */
function sentinelPassage(scenario: Scenario): PlainObject {
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalNetworkPolicy",
        metadata: { name: `${scenario.name}-host-sentinel`, labels: { [SCENARIO_LABEL]: scenario.name } },
        spec: {
            order: 1,
            selector: `has(host-role) && has(${SCOPE_LABEL})`,
            applyOnForward: true,
            types: ["Ingress"],
            ingress: [{ action: "Allow", protocol: "TCP", destination: { selector: `has(${SENTINEL_LABEL})`, ports: [...SENTINEL_PORTS] } }],
        },
    };
}

/** The node's side of a scenario, or undefined for none (README, "The node's side"). */
function hostSide(context: Context): ScenarioHost | undefined {
    const { draw, scenario } = context;
    if (draw.choice("scenario.host") === "none") return undefined;
    const labels = {
        "host-role": draw.random.pick(HOST_ROLE["host-role"]),
        ...(draw.choice("host.podLabels") === "some" ? randomLabels(draw.random, POD_LABELS, 0.5) : {}),
    };
    const host: ScenarioHost = { labels, expectedIPs: draw.choice("host.expectedIPs") === "kept" };
    for (let i = 0, count = draw.count("host.policies"); i < count; i++) scenario.objects.push(hostPolicy(context, `${scenario.name}-host${i + 1}`));
    const forwardDefaultDeny = scenario.objects.some((o) => {
        const spec = o.spec as { applyOnForward?: boolean; preDNAT?: boolean; doNotTrack?: boolean };
        return spec.applyOnForward && !spec.preDNAT && !spec.doNotTrack;
    });
    if (forwardDefaultDeny) scenario.objects.push(sentinelPassage(scenario));
    return host;
}

// ------------------------------------------------------------------------------------- scenario

export function generateScenario(seed: number): Scenario {
    const random = new Random(seed);
    const draw = new Draw(random);
    const name = `s${seed}`;
    const namespaces: ScenarioNamespace[] = Array.from({ length: draw.count("scenario.namespaces") }, (_, i) => ({
        name: `df-${seed}-${String.fromCharCode(97 + i)}`,
        labels: randomLabels(random, NAMESPACE_LABELS, 0.7),
    }));
    const pods: ScenarioPod[] = [];
    for (const namespace of namespaces) {
        const count = draw.count("namespace.podCount");
        for (let i = 0; i < count; i++) {
            pods.push({
                namespace: namespace.name,
                name: `p${pods.length + 1}`,
                labels: randomLabels(random, POD_LABELS, 0.6),
                serviceAccount: draw.choice("pod.serviceAccount"),
                ports: [...ports(draw, "TCP", draw.count("pod.tcpPorts")), ...ports(draw, "UDP", draw.count("pod.udpPorts"))],
            });
        }
    }
    const services: ScenarioService[] = [];
    for (let i = 0, count = draw.count("scenario.services"); i < count; i++) {
        const pod = random.pick(pods);
        const servicePorts = random.subset(pod.ports, 0.7);
        const chosen = servicePorts.length > 0 ? servicePorts : [pod.ports[0]];
        const used = new Set<string>();
        services.push({
            namespace: pod.namespace,
            name: `svc${i + 1}`,
            type: draw.choice("service.type"),
            pod: pod.name,
            ports: chosen.flatMap((port) => {
                const number = random.pick(SERVICE_PORTS[port.protocol]);
                if (used.has(`${number}/${port.protocol}`)) return [];
                used.add(`${number}/${port.protocol}`);
                return [
                    { port: number, protocol: port.protocol, targetPort: port.name && draw.choice("service.targetPort") === "name" ? port.name : port.port },
                ];
            }),
        });
    }
    const scenario: Scenario = { seed, name, namespaces, pods, services, objects: [] };
    const context: Context = { scenario, draw };
    const setKind = draw.choice("scenario.networkSet");
    if (setKind !== "none") scenario.objects.push(networkSet(context, setKind));
    for (let i = 0, count = draw.count("scenario.policies"); i < count; i++) {
        const policyName = `${name}-pol${i + 1}`;
        const kind = draw.choice("policy.kind");
        scenario.objects.push(
            kind === "KubernetesNetworkPolicy" ? kubernetesPolicy(context, policyName) : calicoPolicy(context, policyName, kind === "GlobalNetworkPolicy"),
        );
    }
    const host = hostSide(context);
    if (host) scenario.host = host;
    return scenario;
}
