/**
 * Normalizes Kubernetes NetworkPolicies and Calico (Global)NetworkPolicies into one representation,
 * the way Calico itself does: a Kubernetes NetworkPolicy becomes a Calico policy in the default tier
 * at order 1000 whose rules all Allow (libcalico-go lib/backend/k8s/conversion/conversion.go: "We insert
 * all the NetworkPolicy Policies at order 1000.0"), one rule per peer and port.
 */
import { CalicoRelease, inSpans, VALIDATOR_ROWS } from "./calico-releases";
import { AnalysisInputError, InputLocation } from "../errors";
import { locate } from "../input/manifests";
import { addressFamily, Cidr, parseCidr } from "../net";
import { calicoPolicyKey, kubernetesPolicyKey } from "./policy-names";
import { parseCalicoSelector, SelectorNode, SelectorSyntaxError, render } from "../selectors/calico";
import { KubeSelector, parseKubeSelector } from "../selectors/kubernetes";
import type { Action, AdminPolicyKind, Direction, KubeObject, Tier } from "../types";
import { calicoPolicyTypes, isEmptyList, kubernetesPolicyTypes } from "../validation/defaults";

export type { AdminPolicyKind, Tier } from "../types";

export interface PortRange {
    first: number;
    last: number;
}
export type PortMatch = PortRange | { name: string };

/** One side (source or destination) of a rule, after Calico's EntityRule semantics. */
export interface EntityMatch {
    nets?: Cidr[];
    notNets?: Cidr[];
    /** Whether nets/notNets can match pod addresses (not for Kubernetes ipBlocks when ipBlockMatchesPods is false). */
    netsMatchPods: boolean;
    /** Rule namespaceSelector (evaluated on namespace labels; all() = any namespaced endpoint, global() = none). */
    namespaceSelector?: SelectorNode;
    /** The policy's own namespace: the default scope of selectors in a namespaced policy. */
    scopeNamespace?: string;
    selector?: SelectorNode;
    notSelector?: SelectorNode;
    serviceAccountNames?: string[];
    serviceAccountSelector?: SelectorNode;
    service?: { name: string; namespace: string };
    ports?: PortMatch[];
    notPorts?: PortMatch[];
}

export interface Rule {
    action: Action;
    /** IANA protocol number; undefined = any protocol. */
    protocol?: number;
    notProtocol?: number;
    ipVersion?: 4 | 6;
    /** ICMP type/code criteria (`icmp`, `notICMP`). */
    icmp?: IcmpMatch;
    notICMP?: IcmpMatch;
    source: EntityMatch;
    destination: EntityMatch;
    /** Index of the rule in the object's ingress/egress list. */
    index: number;
    /** Where in the object, e.g. "ingress[0]" or "ingress[0].from[1], ports[0]". */
    origin: string;
}

export interface IcmpMatch {
    type?: number;
    code?: number;
}

export interface PolicyRef {
    api: "kubernetes" | "calico" | "admin";
    kind: "NetworkPolicy" | "GlobalNetworkPolicy" | AdminPolicyKind;
    namespace?: string;
    name: string;
    tier: string;
    /** Calico order; 1000 for Kubernetes NetworkPolicies; null when missing (evaluated last). */
    order: number | null;
    /** Short id: knp:<ns>/<name>, np:<ns>/<name>, gnp:<name>, anp:<name>, banp:<name>, cnp:<name>. */
    id: string;
}

/** Which endpoints a policy applies to. */
export interface Subject {
    /** Set for namespaced policies: only workloads in this namespace. */
    namespace?: string;
    selector: SelectorNode;
    namespaceSelector?: SelectorNode;
    serviceAccountSelector?: SelectorNode;
}

export interface Policy {
    ref: PolicyRef;
    name: string;
    namespace?: string;
    tier: string;
    order?: number;
    /** The name Felix keys the policy by, which breaks ties of order (policy-names.ts). */
    keyName: string;
    subject: Subject;
    types: Direction[];
    ingress: Rule[];
    egress: Rule[];
    preDNAT: boolean;
    applyOnForward: boolean;
    doNotTrack: boolean;
    object: KubeObject;
}

export interface NormalizeOptions {
    ipBlockMatchesPods: boolean;
    release: CalicoRelease;
}

const PROTOCOL_NUMBERS: Record<string, number> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1, ICMPV6: 58, UDPLITE: 136 };
export const protocolNumber = (name: string) => PROTOCOL_NUMBERS[name.toUpperCase()];
/** Protocols whose rules may have ports: TCP, UDP, SCTP (numorstring protocol.go SupportsPorts; not UDPLite). */
const PORT_PROTOCOLS = new Set([6, 17, 132]);

export function normalizeTier(object: KubeObject): Tier {
    const spec = object.spec ?? {};
    const order = spec.order === undefined || spec.order === null ? Infinity : Number(spec.order);
    if (Number.isNaN(order)) throw new AnalysisInputError(`order ${JSON.stringify(spec.order)} is not a number`, locate(object, "spec.order"));
    const defaultAction = spec.defaultAction ?? "Deny";
    if (defaultAction !== "Deny" && defaultAction !== "Pass") {
        throw new AnalysisInputError(`defaultAction ${JSON.stringify(defaultAction)} is not Deny or Pass`, locate(object, "spec.defaultAction"));
    }
    return { name: object.metadata.name, order, defaultAction };
}

export function normalizePolicy(object: KubeObject, options: NormalizeOptions): Policy {
    return object.apiVersion === "networking.k8s.io/v1" ? fromKubernetes(object, options) : fromCalico(object, options.release);
}

// ---------------------------------------------------------------- Kubernetes NetworkPolicy

function fromKubernetes(object: KubeObject, options: NormalizeOptions): Policy {
    const spec = object.spec ?? {};
    const namespace = object.metadata.namespace || "default";
    const at = (key: string) => locate(object, key);
    if (spec.podSelector === undefined) throw new AnalysisInputError("spec.podSelector is required (use {} for all pods)", at("spec.podSelector"));
    const podSelector = kubeToCalico(parseKubeSelector(spec.podSelector, () => at("spec.podSelector")));
    const ingressRaw = listField(object, spec.ingress, "spec.ingress");
    const egressRaw = listField(object, spec.egress, "spec.egress");
    // Missing or empty policyTypes: the API server's default (validation/defaults.ts).
    const types = directionList(object, isEmptyList(spec.policyTypes) ? kubernetesPolicyTypes(spec.egress) : spec.policyTypes, "spec.policyTypes");
    const rules = (direction: Direction, raw: any[]): Rule[] => {
        // Loops and objects built whole (no spread of temporaries): a large input has a few hundred thousand of these rules.
        const out: Rule[] = [];
        for (let index = 0; index < raw.length; index++) {
            const rule = raw[index];
            const key = `spec.${direction}[${index}]`;
            if (rule === null || typeof rule !== "object") throw new AnalysisInputError("a rule must be a map", at(key));
            const peerField = direction === "ingress" ? "from" : "to";
            const peersRaw = listField(object, rule[peerField], `${key}.${peerField}`);
            const portsRaw = listField(object, rule.ports, `${key}.ports`);
            const peers: { entity: EntityMatch; label: string }[] = peersRaw.length
                ? peersRaw.map((peer, i) => ({ entity: kubePeer(object, peer, `${key}.${peerField}[${i}]`, namespace, options), label: `.${peerField}[${i}]` }))
                : [{ entity: { netsMatchPods: true }, label: "" }];
            const ports: { protocol?: number; match?: PortMatch; label: string }[] = portsRaw.length
                ? portsRaw.map((port, i) => {
                      const { protocol, match } = kubePort(object, port, `${key}.ports[${i}]`);
                      return { protocol, match, label: `ports[${i}]` };
                  })
                : [{ label: "" }];
            for (const peer of peers) {
                for (const port of ports) {
                    let source: EntityMatch, destination: EntityMatch;
                    if (direction === "ingress") {
                        source = peer.entity;
                        destination = port.match ? { netsMatchPods: true, ports: [port.match] } : { netsMatchPods: true };
                    } else {
                        source = { netsMatchPods: true };
                        destination = port.match ? { ...peer.entity, ports: [port.match] } : { ...peer.entity };
                    }
                    const origin = `${direction}[${index}]${peer.label}${port.label ? `${peer.label ? ", " : " "}${port.label}` : ""}`;
                    out.push(
                        port.protocol !== undefined
                            ? { action: "Allow", protocol: port.protocol, source, destination, index, origin }
                            : { action: "Allow", source, destination, index, origin },
                    );
                }
            }
        }
        return out;
    };
    return {
        ref: {
            api: "kubernetes",
            kind: "NetworkPolicy",
            namespace,
            name: object.metadata.name,
            tier: "default",
            order: 1000,
            id: `knp:${namespace}/${object.metadata.name}`,
        },
        name: object.metadata.name,
        namespace,
        tier: "default",
        order: 1000,
        keyName: kubernetesPolicyKey(namespace, object.metadata.name, options.release),
        subject: { namespace, selector: podSelector },
        types,
        ingress: rules("ingress", ingressRaw),
        egress: rules("egress", egressRaw),
        preDNAT: false,
        applyOnForward: false,
        doNotTrack: false,
        object,
    };
}

function kubePeer(object: KubeObject, peer: any, key: string, namespace: string, options: NormalizeOptions): EntityMatch {
    if (peer === null || typeof peer !== "object") throw new AnalysisInputError("a peer must be a map", locate(object, key));
    const { podSelector, namespaceSelector, ipBlock } = peer;
    const unknown = Object.keys(peer).find((field) => field !== "podSelector" && field !== "namespaceSelector" && field !== "ipBlock");
    if (unknown) throw new AnalysisInputError(`unknown peer field "${unknown}"; accepted: podSelector, namespaceSelector, ipBlock`, locate(object, key));
    if (ipBlock !== undefined) {
        if (podSelector !== undefined || namespaceSelector !== undefined) {
            throw new AnalysisInputError("ipBlock cannot be combined with podSelector or namespaceSelector in one peer", locate(object, key));
        }
        const cidr = cidrField(object, ipBlock?.cidr, `${key}.ipBlock.cidr`);
        const except = listField(object, ipBlock?.except, `${key}.ipBlock.except`).map((e, i) => cidrField(object, e, `${key}.ipBlock.except[${i}]`));
        for (const [i, e] of except.entries()) {
            if (e && cidr && !(cidr.first <= e.first && e.last <= cidr.last)) {
                throw new AnalysisInputError(`except ${e.text} is not inside cidr ${cidr.text}`, locate(object, `${key}.ipBlock.except[${i}]`));
            }
        }
        return {
            nets: cidr ? [cidr] : [],
            ...(except.length ? { notNets: except.filter((e): e is Cidr => !!e) } : {}),
            netsMatchPods: options.ipBlockMatchesPods,
        };
    }
    if (podSelector === undefined && namespaceSelector === undefined) {
        throw new AnalysisInputError("a peer needs podSelector, namespaceSelector or ipBlock", locate(object, key));
    }
    // Calico converts every pod or namespace peer with `projectcalico.org/orchestrator == 'k8s'`
    // ANDed in, even without a podSelector (libcalico-go k8s/conversion/conversion.go
    // k8sPeerToCalicoFields, k8sSelectorToCalico SelectorPod, v3.28.5): such a peer selects
    // Kubernetes pods only, never a network set holding an address or a host endpoint (seen on the
    // real cluster: differential seed 46).
    const entity: EntityMatch = { netsMatchPods: true, selector: ORCHESTRATOR_K8S };
    if (podSelector !== undefined)
        entity.selector = { op: "and", operands: [ORCHESTRATOR_K8S, kubeToCalico(parseKubeSelector(podSelector, () => locate(object, `${key}.podSelector`)))] };
    // podSelector alone means pods in the policy's namespace; with a namespaceSelector, pods in the selected namespaces.
    if (namespaceSelector !== undefined)
        entity.namespaceSelector = kubeToCalico(parseKubeSelector(namespaceSelector, () => locate(object, `${key}.namespaceSelector`)));
    else entity.scopeNamespace = namespace;
    return entity;
}

function kubePort(object: KubeObject, raw: any, key: string): { protocol: number; match?: PortMatch } {
    if (raw === null || typeof raw !== "object") throw new AnalysisInputError("a port entry must be a map", locate(object, key));
    const protocolName = String(raw.protocol ?? "TCP").toUpperCase();
    if (!["TCP", "UDP", "SCTP"].includes(protocolName)) {
        throw new AnalysisInputError(`protocol ${JSON.stringify(raw.protocol)} is not one of TCP, UDP, SCTP`, locate(object, `${key}.protocol`));
    }
    const protocol = PROTOCOL_NUMBERS[protocolName]!;
    if (raw.port === undefined || raw.port === null) {
        if (raw.endPort !== undefined) throw new AnalysisInputError("endPort can only be set together with port", locate(object, `${key}.endPort`));
        return { protocol };
    }
    if (typeof raw.port === "string" && !/^\d+$/.test(raw.port)) {
        if (raw.endPort !== undefined) throw new AnalysisInputError("endPort needs a numeric port, not a named port", locate(object, `${key}.endPort`));
        return { protocol, match: { name: raw.port } };
    }
    const first = portNumber(object, raw.port, `${key}.port`, 1);
    const last = raw.endPort === undefined || raw.endPort === null ? first : portNumber(object, raw.endPort, `${key}.endPort`, 1);
    if (last < first) throw new AnalysisInputError(`endPort ${last} is smaller than port ${first}`, locate(object, `${key}.endPort`));
    return { protocol, match: { first, last } };
}

/** A Kubernetes LabelSelector as the equivalent Calico selector expression (what Calico's conversion does). */
/** What Calico ANDs into a Kubernetes pod selector so it selects Kubernetes pods only (conversion.go k8sSelectorToCalico, SelectorPod). */
export const ORCHESTRATOR_K8S: SelectorNode = { op: "==", key: "projectcalico.org/orchestrator", value: "k8s" };

export function kubeToCalico(selector: KubeSelector): SelectorNode {
    const terms: SelectorNode[] = selector.requirements.map((r): SelectorNode => {
        switch (r.operator) {
            case "In":
                return r.values.length === 1 ? { op: "==", key: r.key, value: r.values[0]! } : { op: "in", key: r.key, values: [...r.values].sort() };
            case "NotIn":
                return { op: "not in", key: r.key, values: [...r.values].sort() };
            case "Exists":
                return { op: "has", key: r.key };
            case "DoesNotExist":
                return { op: "not", operand: { op: "has", key: r.key } };
        }
    });
    if (terms.length === 0) return { op: "all" };
    return terms.length === 1 ? terms[0]! : { op: "and", operands: terms };
}

// ---------------------------------------------------------------- Calico (Global)NetworkPolicy

const ACTIONS: readonly Action[] = ["Allow", "Deny", "Log", "Pass"];

function fromCalico(object: KubeObject, release: CalicoRelease): Policy {
    const spec = object.spec ?? {};
    const global = object.kind === "GlobalNetworkPolicy";
    const namespace = global ? undefined : object.metadata.namespace || "default";
    const at = (key: string) => locate(object, key);
    const selector = (key: string, raw: unknown): SelectorNode | undefined => selectorField(object, raw, key);
    const tier = String(spec.tier ?? "default");
    const order = spec.order === undefined || spec.order === null ? undefined : Number(spec.order);
    if (order !== undefined && Number.isNaN(order)) throw new AnalysisInputError(`order ${JSON.stringify(spec.order)} is not a number`, at("spec.order"));
    const ingressRaw = listField(object, spec.ingress, "spec.ingress");
    const egressRaw = listField(object, spec.egress, "spec.egress");
    // Missing or empty types: Calico's default, which differs from Kubernetes (validation/defaults.ts).
    const types = directionList(object, isEmptyList(spec.types) ? calicoPolicyTypes(spec.ingress, spec.egress) : spec.types, "spec.types");
    const preDNAT = spec.preDNAT === true,
        applyOnForward = spec.applyOnForward === true,
        doNotTrack = spec.doNotTrack === true;
    if (!global && (preDNAT || applyOnForward || doNotTrack)) {
        throw new AnalysisInputError("preDNAT, applyOnForward and doNotTrack are only valid in a GlobalNetworkPolicy", at("spec"));
    }
    if (preDNAT && doNotTrack) throw new AnalysisInputError("preDNAT and doNotTrack cannot both be set", at("spec.preDNAT"));
    if ((preDNAT || doNotTrack) && !applyOnForward) {
        throw new AnalysisInputError(`${preDNAT ? "preDNAT" : "doNotTrack"} requires applyOnForward: true`, at("spec.applyOnForward"));
    }
    if (preDNAT && (egressRaw.length || types.includes("egress"))) {
        throw new AnalysisInputError("a preDNAT policy can only have ingress rules and types [Ingress]", at("spec.egress"));
    }
    const name = object.metadata.name;
    const rules = (direction: Direction, raw: any[]) =>
        raw.map((rule, index) => calicoRule(object, rule, `spec.${direction}[${index}]`, index, namespace, release));
    return {
        ref: {
            api: "calico",
            kind: global ? "GlobalNetworkPolicy" : "NetworkPolicy",
            ...(namespace ? { namespace } : {}),
            name,
            tier,
            order: order ?? null,
            id: global ? `gnp:${name}` : `np:${namespace}/${name}`,
        },
        name,
        ...(namespace ? { namespace } : {}),
        tier,
        ...(order !== undefined ? { order } : {}),
        keyName: calicoPolicyKey(object.apiVersion, namespace, name, tier, release),
        subject: {
            ...(namespace ? { namespace } : {}),
            selector: selector("spec.selector", spec.selector) ?? { op: "all" },
            ...optional("namespaceSelector", global ? selector("spec.namespaceSelector", spec.namespaceSelector) : undefined),
            ...optional("serviceAccountSelector", selector("spec.serviceAccountSelector", spec.serviceAccountSelector)),
        },
        types,
        ingress: rules("ingress", ingressRaw),
        egress: rules("egress", egressRaw),
        preDNAT,
        applyOnForward,
        doNotTrack,
        object,
    };
}

function calicoRule(object: KubeObject, raw: any, key: string, index: number, namespace: string | undefined, release: CalicoRelease): Rule {
    const at = (k: string) => locate(object, k);
    if (raw === null || typeof raw !== "object") throw new AnalysisInputError("a rule must be a map", at(key));
    if (!ACTIONS.includes(raw.action)) {
        throw new AnalysisInputError(`action ${JSON.stringify(raw.action)} is not one of ${ACTIONS.join(", ")}`, at(`${key}.action`));
    }
    if (raw.http !== undefined) {
        throw new AnalysisInputError("HTTP (application layer) match criteria cannot be judged from manifests", at(`${key}.http`));
    }
    const protocol = protocolField(object, raw.protocol, `${key}.protocol`);
    const notProtocol = protocolField(object, raw.notProtocol, `${key}.notProtocol`);
    const ipVersion = raw.ipVersion === undefined ? undefined : Number(raw.ipVersion);
    if (ipVersion !== undefined && ipVersion !== 4 && ipVersion !== 6) throw new AnalysisInputError("ipVersion must be 4 or 6", at(`${key}.ipVersion`));
    const source = calicoEntity(object, raw.source, `${key}.source`, namespace);
    const destination = calicoEntity(object, raw.destination, `${key}.destination`, namespace);
    for (const [side, entity] of [
        ["source", source],
        ["destination", destination],
    ] as const) {
        const ports = [...(entity.ports ?? []), ...(entity.notPorts ?? [])];
        if (!ports.length || (protocol !== undefined && PORT_PROTOCOLS.has(protocol))) continue;
        const namedOnly = protocol === undefined && ports.every((p) => "name" in p) && inSpans(release, VALIDATOR_ROWS.namedPortsWithoutProtocol.spans);
        if (!namedOnly) {
            throw new AnalysisInputError(
                `a rule with ports needs protocol TCP, UDP or SCTP; Calico v${release.version} refuses it otherwise` +
                    `${protocol === undefined ? " (from v3.32.0 named ports alone may go without a protocol)" : ""} (${VALIDATOR_ROWS.namedPortsWithoutProtocol.source}; numorstring SupportsPorts)`,
                at(`${key}.${side}.ports`),
            );
        }
    }
    const icmp = icmpField(object, raw.icmp, `${key}.icmp`),
        notICMP = icmpField(object, raw.notICMP, `${key}.notICMP`);
    return {
        action: raw.action,
        ...optional("protocol", protocol),
        ...optional("notProtocol", notProtocol),
        ...optional("icmp", icmp),
        ...optional("notICMP", notICMP),
        ...(ipVersion ? { ipVersion: ipVersion as 4 | 6 } : {}),
        source,
        destination,
        index,
        origin: key.replace(/^spec\./, ""),
    };
}

function icmpField(object: KubeObject, raw: any, key: string): IcmpMatch | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== "object") throw new AnalysisInputError("expected a map {type, code}", locate(object, key));
    const number = (field: "type" | "code", max: number) => {
        if (raw[field] === undefined || raw[field] === null) return undefined;
        const n = Number(raw[field]);
        if (!Number.isInteger(n) || n < 0 || n > max)
            throw new AnalysisInputError(`${JSON.stringify(raw[field])} is not 0-${max}`, locate(object, `${key}.${field}`));
        return n;
    };
    const type = number("type", 254),
        code = number("code", 255);
    return { ...optional("type", type), ...optional("code", code) };
}

function calicoEntity(object: KubeObject, raw: any, key: string, namespace: string | undefined): EntityMatch {
    if (raw === undefined || raw === null) return { netsMatchPods: true, ...optional("scopeNamespace", namespace) };
    if (typeof raw !== "object") throw new AnalysisInputError("source/destination must be a map", locate(object, key));
    const nets = netsField(object, raw.nets, `${key}.nets`);
    const notNets = netsField(object, raw.notNets, `${key}.notNets`);
    const serviceAccounts = raw.serviceAccounts;
    const services = raw.services;
    if (services !== undefined && typeof services?.name !== "string")
        throw new AnalysisInputError("services needs a name", locate(object, `${key}.services.name`));
    // Fields set one by one in this order (no spread of a temporary object per field: a large input has many entities).
    const entity: EntityMatch = { netsMatchPods: true };
    if (nets !== undefined) entity.nets = nets;
    if (notNets !== undefined) entity.notNets = notNets;
    const selector = selectorField(object, raw.selector, `${key}.selector`);
    if (selector !== undefined) entity.selector = selector;
    const notSelector = selectorField(object, raw.notSelector, `${key}.notSelector`);
    if (notSelector !== undefined) entity.notSelector = notSelector;
    const namespaceSelector = selectorField(object, raw.namespaceSelector, `${key}.namespaceSelector`);
    if (namespaceSelector !== undefined) entity.namespaceSelector = namespaceSelector;
    if (namespace !== undefined) entity.scopeNamespace = namespace;
    if (serviceAccounts?.names) entity.serviceAccountNames = listField(object, serviceAccounts.names, `${key}.serviceAccounts.names`).map(String);
    const serviceAccountSelector = selectorField(object, serviceAccounts?.selector, `${key}.serviceAccounts.selector`);
    if (serviceAccountSelector !== undefined) entity.serviceAccountSelector = serviceAccountSelector;
    if (services) entity.service = { name: services.name, namespace: String(services.namespace ?? namespace ?? "default") };
    const ports = portsField(object, raw.ports, `${key}.ports`);
    if (ports !== undefined) entity.ports = ports;
    const notPorts = portsField(object, raw.notPorts, `${key}.notPorts`);
    if (notPorts !== undefined) entity.notPorts = notPorts;
    return entity;
}

// ---------------------------------------------------------------- field helpers

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
    return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function listField(object: KubeObject, raw: unknown, key: string): any[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new AnalysisInputError(`expected a list, got ${JSON.stringify(raw)}`, locate(object, key));
    return raw;
}

function directionList(object: KubeObject, raw: unknown, key: string): Direction[] {
    return listField(object, raw, key).map((value, i) => {
        if (value === "Ingress") return "ingress";
        if (value === "Egress") return "egress";
        throw new AnalysisInputError(`${JSON.stringify(value)} is not Ingress or Egress`, locate(object, `${key}[${i}]`));
    });
}

function selectorField(object: KubeObject, raw: unknown, key: string): SelectorNode | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== "string") throw new AnalysisInputError(`a Calico selector must be a string, got ${JSON.stringify(raw)}`, locate(object, key));
    if (raw.trim() === "") return undefined;
    try {
        return parseCalicoSelector(raw).root;
    } catch (error) {
        if (error instanceof SelectorSyntaxError) throw new AnalysisInputError(`malformed selector: ${error.message}`, locate(object, key));
        throw error;
    }
}

function protocolField(object: KubeObject, raw: unknown, key: string): number | undefined {
    if (raw === undefined || raw === null) return undefined;
    const number = typeof raw === "number" ? raw : (protocolNumber(String(raw)) ?? (/^\d+$/.test(String(raw)) ? Number(raw) : undefined));
    if (number === undefined || number < 1 || number > 255) {
        throw new AnalysisInputError(`protocol ${JSON.stringify(raw)} is not one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255`, locate(object, key));
    }
    return number;
}

/**
 * A port number: 1-65535 where the API server says so (Kubernetes IsValidPortNum for NetworkPolicy ports,
 * network-policy-api `Minimum=1`), 0-65535 for Calico's numorstring ports.
 */
export function portNumber(object: KubeObject, raw: unknown, key: string, first: 0 | 1 = 0): number {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < first || n > 65535)
        throw new AnalysisInputError(`${JSON.stringify(raw)} is not a port number ${first}-65535`, locate(object, key));
    return n;
}

function portsField(object: KubeObject, raw: unknown, key: string): PortMatch[] | undefined {
    const list = listField(object, raw, key);
    if (!list.length) return undefined;
    return list.map((entry, i): PortMatch => {
        const where = `${key}[${i}]`;
        if (typeof entry === "number") return { first: portNumber(object, entry, where), last: portNumber(object, entry, where) };
        const text = String(entry);
        const range = /^(\d+):(\d+)$/.exec(text);
        if (range) {
            const first = portNumber(object, range[1], where),
                last = portNumber(object, range[2], where);
            if (last < first) throw new AnalysisInputError(`port range ${text} ends before it starts`, locate(object, where));
            return { first, last };
        }
        if (/^\d+$/.test(text)) return { first: portNumber(object, text, where), last: portNumber(object, text, where) };
        // Calico's named-port grammar (api/pkg/lib/numorstring/port.go), wider than Kubernetes' IANA names.
        if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(text))
            throw new AnalysisInputError(`${JSON.stringify(text)} is not a port, a range "a:b" or a port name`, locate(object, where));
        return { name: text };
    });
}

export function cidrField(object: KubeObject, raw: unknown, key: string): Cidr | undefined {
    const text = String(raw ?? "");
    // IPv6: cannot match the IPv4 addresses this model uses. Validation (validation/addresses.ts) has refused what is neither.
    if (addressFamily(text) === 6) return undefined;
    const cidr = parseCidr(text);
    if (!cidr)
        throw new AnalysisInputError(`${JSON.stringify(raw)} is not a CIDR (an IPv4 or IPv6 network such as 10.0.0.0/24 or fd00::/64)`, locate(object, key));
    return cidr;
}

function netsField(object: KubeObject, raw: unknown, key: string): Cidr[] | undefined {
    const list = listField(object, raw, key);
    if (!list.length) return undefined;
    // IPv6-only lists become an empty list: they can match no IPv4 packet.
    return list.flatMap((text, i) => {
        const cidr = cidrField(object, text, `${key}[${i}]`);
        return cidr ? [cidr] : [];
    });
}

export const selectorText = render;
export type { InputLocation };
