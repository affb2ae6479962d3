/**
 * The cluster-scoped policies of the Kubernetes network-policy API (sigs.k8s.io/network-policy-api),
 * normalized the way Calico converts them into global policies of its own tiers
 * (libcalico-go lib/backend/k8s/conversion: adminnetworkpolicy*.go, clusternetworkpolicy.go):
 *
 *  - AdminNetworkPolicy (policy.networking.k8s.io/v1alpha1): tier `adminnetworkpolicy` (order 1,000,
 *    defaultAction Pass), order = spec.priority, actions Allow / Deny / Pass;
 *  - BaselineAdminNetworkPolicy (v1alpha1, the singleton `default`): tier `baselineadminnetworkpolicy`
 *    (order 10,000,000, after the default tier, defaultAction Pass), order 1,000 inside it, actions Allow / Deny;
 *  - ClusterNetworkPolicy (v1alpha2, their successor): spec.tier Admin -> `kube-admin` (order 1,000),
 *    Baseline -> `kube-baseline` (order 10,000,000), both Pass at their end; actions Accept / Deny / Pass.
 *
 * Which of them the chosen Calico release enforces, the baseline order and what becomes of named
 * ports are the release's (calico-releases.ts); model.ts leaves out the kinds it does not enforce.
 *
 * So an admin policy is evaluated before every namespaced policy (its tier comes first), Pass hands the
 * packet to the default tier (Kubernetes and Calico namespaced policies), and the baseline tier is only
 * reached when no policy of the default tier selects the endpoint (a selecting default-tier policy ends
 * with Deny). Each rule becomes one Calico rule per protocol and peer; ports without a protocol are TCP.
 * Subjects and peers never select host-networked pods or nodes' host endpoints (they carry a namespace selector).
 *
 * What Calico cannot convert makes the whole rule "fail closed", as both the API and Calico define it:
 * an Allow/Accept rule matches nothing, a Deny/Pass rule becomes "Deny everything". That is the case
 * for `nodes` and `domainNames` peers; each such rule adds a warning.
 */
import { ADMIN_NAMED_PORTS, AdminNamedPorts, BASELINE_ORDER, CalicoRelease, valueAt } from "./calico-releases";
import { AnalysisInputError } from "../errors";
import { locate } from "../input/manifests";
import type { Cidr } from "../net";
import { adminPolicyKey } from "./policy-names";
import {
    AdminPolicyKind,
    cidrField,
    EntityMatch,
    kubeToCalico,
    listField,
    ORCHESTRATOR_K8S,
    Policy,
    PortMatch,
    portNumber,
    protocolNumber,
    Rule,
} from "./policies";
import type { SelectorNode } from "../selectors/calico";
import { parseKubeSelector } from "../selectors/kubernetes";
import type { Action, Direction, KubeObject } from "../types";

export const ADMIN_POLICY_GROUP = "policy.networking.k8s.io";

interface Dialect {
    apiVersion: string;
    idPrefix: string;
    /** Rule actions as written in the object, and what Calico makes of them. */
    actions: Record<string, Action>;
    /** The field holding a rule's ports: `ports` (v1alpha1) or `protocols` (v1alpha2). */
    portsField: "ports" | "protocols";
    tierOf(object: KubeObject): string;
    priorityRequired: boolean;
}

const V1ALPHA1 = `${ADMIN_POLICY_GROUP}/v1alpha1`;
const V1ALPHA2 = `${ADMIN_POLICY_GROUP}/v1alpha2`;

const DIALECTS: Record<AdminPolicyKind, Dialect> = {
    AdminNetworkPolicy: {
        apiVersion: V1ALPHA1,
        idPrefix: "anp",
        actions: { Allow: "Allow", Deny: "Deny", Pass: "Pass" },
        portsField: "ports",
        tierOf: () => "adminnetworkpolicy",
        priorityRequired: true,
    },
    BaselineAdminNetworkPolicy: {
        apiVersion: V1ALPHA1,
        idPrefix: "banp",
        actions: { Allow: "Allow", Deny: "Deny" },
        portsField: "ports",
        tierOf: () => "baselineadminnetworkpolicy",
        priorityRequired: false,
    },
    ClusterNetworkPolicy: {
        apiVersion: V1ALPHA2,
        idPrefix: "cnp",
        actions: { Accept: "Allow", Deny: "Deny", Pass: "Pass" },
        portsField: "protocols",
        tierOf: (object) => {
            const tier = object.spec?.tier;
            if (tier === "Admin") return "kube-admin";
            if (tier === "Baseline") return "kube-baseline";
            throw new AnalysisInputError(`tier ${JSON.stringify(tier)} is not Admin or Baseline`, locate(object, "spec.tier"));
        },
        priorityRequired: true,
    },
};

/** Whether an object is one of the cluster-scoped policy kinds this module reads. */
export function isAdminPolicy(object: Pick<KubeObject, "apiVersion" | "kind">): boolean {
    const dialect = DIALECTS[object.kind as AdminPolicyKind];
    return dialect !== undefined && dialect.apiVersion === object.apiVersion;
}

/** A rule part Calico cannot convert: the rule fails closed. */
class Unsupported extends Error {}

interface PortGroup {
    protocol?: number;
    ports?: PortMatch[];
    label: string;
}

/**
 * Normalizes an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.
 * Throws AnalysisInputError (naming object and key) for what the API server would reject;
 * appends to `warnings` for each rule that fails closed.
 */
export function normalizeAdminPolicy(object: KubeObject, warnings: string[], release: CalicoRelease): Policy {
    const kind = object.kind as AdminPolicyKind;
    const dialect = DIALECTS[kind];
    const spec = object.spec;
    const at = (key: string) => locate(object, key);
    if (spec === null || typeof spec !== "object") throw new AnalysisInputError("spec is required", at("spec"));
    const name = object.metadata.name;
    if (kind === "BaselineAdminNetworkPolicy" && name !== "default") {
        throw new AnalysisInputError(
            `a BaselineAdminNetworkPolicy must be named "default" (there is one per cluster), not ${JSON.stringify(name)}`,
            at("metadata.name"),
        );
    }
    // The baseline policy's order inside its tier is the release's (calico-releases.ts BASELINE_ORDER).
    let order: number | undefined = kind === "BaselineAdminNetworkPolicy" ? valueAt(release, BASELINE_ORDER) : undefined;
    if (dialect.priorityRequired) {
        order = Number(spec.priority);
        if (spec.priority === undefined || spec.priority === null || !Number.isInteger(order) || order < 0 || order > 1000) {
            throw new AnalysisInputError(`priority ${JSON.stringify(spec.priority)} is not an integer 0-1000`, at("spec.priority"));
        }
    }
    const tier = dialect.tierOf(object);
    const subject = subjectOf(object, spec.subject);
    const id = `${dialect.idPrefix}:${name}`;
    const rules = (direction: Direction): Rule[] =>
        listField(object, spec[direction], `spec.${direction}`).flatMap((raw, index) =>
            convertRule(object, dialect, direction, raw, index, id, warnings, release),
        );
    const ingress = rules("ingress"),
        egress = rules("egress");
    const types: Direction[] = [...(ingress.length ? ["ingress" as const] : []), ...(egress.length ? ["egress" as const] : [])];
    return {
        ref: { api: "admin", kind, name, tier, order: order ?? null, id },
        name,
        tier,
        ...(order !== undefined ? { order } : {}),
        keyName: adminPolicyKey(kind, name),
        subject,
        types,
        ingress,
        egress,
        preDNAT: false,
        applyOnForward: false,
        doNotTrack: false,
        object,
    };
}

function selectorAt(object: KubeObject, raw: unknown, key: string): SelectorNode {
    if (raw === undefined || raw === null) throw new AnalysisInputError("a label selector is required here (use {} for all)", locate(object, key));
    return kubeToCalico(parseKubeSelector(raw, () => locate(object, key)));
}

function exactlyOne(object: KubeObject, raw: unknown, key: string, allowed: readonly string[]): string {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
        throw new AnalysisInputError(`expected a map with one of ${allowed.join(", ")}`, locate(object, key));
    const set = Object.keys(raw).filter((k) => (raw as Record<string, unknown>)[k] !== undefined && (raw as Record<string, unknown>)[k] !== null);
    if (set.length !== 1) {
        throw new AnalysisInputError(`exactly one of ${allowed.join(", ")} must be set, found ${set.length ? set.join(", ") : "none"}`, locate(object, key));
    }
    if (!allowed.includes(set[0]!)) throw new AnalysisInputError(`unknown field "${set[0]}"; accepted: ${allowed.join(", ")}`, locate(object, key));
    return set[0]!;
}

function subjectOf(object: KubeObject, raw: unknown): Policy["subject"] {
    const field = exactlyOne(object, raw, "spec.subject", ["namespaces", "pods"]);
    const subject = raw as Record<string, any>;
    if (field === "namespaces") return { selector: ORCHESTRATOR_K8S, namespaceSelector: selectorAt(object, subject.namespaces, "spec.subject.namespaces") };
    return podsSelectors(object, subject.pods, "spec.subject.pods");
}

function podsSelectors(object: KubeObject, raw: any, key: string): { selector: SelectorNode; namespaceSelector: SelectorNode } {
    if (raw === null || typeof raw !== "object") throw new AnalysisInputError("pods needs namespaceSelector and podSelector", locate(object, key));
    // NamespacedPod's selectors are values, not pointers: a missing one is the empty selector, all
    // namespaces / all pods (network-policy-api types; Calico converts the zero value the same way).
    const orAll = (value: unknown) => (value === undefined || value === null ? {} : value);
    return {
        namespaceSelector: selectorAt(object, orAll(raw.namespaceSelector), `${key}.namespaceSelector`),
        selector: { op: "and", operands: [ORCHESTRATOR_K8S, selectorAt(object, orAll(raw.podSelector), `${key}.podSelector`)] },
    };
}

function peerEntity(object: KubeObject, direction: Direction, raw: unknown, key: string): EntityMatch {
    const fields = direction === "ingress" ? ["namespaces", "pods"] : ["namespaces", "pods", "nodes", "networks", "domainNames"];
    const field = exactlyOne(object, raw, key, fields);
    const peer = raw as Record<string, any>;
    switch (field) {
        case "namespaces":
            return { netsMatchPods: true, namespaceSelector: selectorAt(object, peer.namespaces, `${key}.namespaces`) };
        case "pods":
            return { netsMatchPods: true, ...podsSelectors(object, peer.pods, `${key}.pods`) };
        case "networks": {
            const list = listField(object, peer.networks, `${key}.networks`);
            if (!list.length) throw new AnalysisInputError("networks needs at least one CIDR", locate(object, `${key}.networks`));
            const nets = list.flatMap((text, i): Cidr[] => {
                const cidr = cidrField(object, text, `${key}.networks[${i}]`);
                return cidr ? [cidr] : [];
            });
            return { netsMatchPods: true, nets };
        }
    }
    throw new Unsupported(`${key}.${field}: Calico does not convert ${field} peers`);
}

const PROTOCOL_NAMES = ["TCP", "UDP", "SCTP"] as const;
/** The group of a rule's named ports when Calico converts them without a protocol (v3.32.0 clusternetworkpolicy.go). */
const ANY_PROTOCOL = 0;

/** What the chosen release makes of a rule's ports beyond the API (calico-releases.ts). */
interface PortContext {
    namedPorts: AdminNamedPorts | undefined;
    release: CalicoRelease;
    warn: (message: string) => void;
}

/** The rule's ports grouped by protocol, as Calico does (one rule per protocol, ports simplified; unpackANPPorts, unpackCNPProtocols). */
function portGroups(object: KubeObject, dialect: Dialect, raw: unknown, key: string, context: PortContext): PortGroup[] {
    const list = listField(object, raw, key);
    // ports / protocols: optional, but at least one item when set (network-policy-api +kubebuilder:validation:MinItems=1).
    if (Array.isArray(raw) && !raw.length)
        throw new AnalysisInputError(`${dialect.portsField} needs at least one item when set (leave it out to match every port)`, locate(object, key));
    if (!list.length) return [{ label: "" }];
    const byProtocol = new Map<number, PortMatch[] | undefined>();
    let everyPort = false;
    const add = (protocolName: string, match: PortMatch | undefined, where: string) => {
        const protocol = protocolNumber(protocolName);
        if (protocol === undefined || !(PROTOCOL_NAMES as readonly string[]).includes(protocolName.toUpperCase())) {
            throw new AnalysisInputError(`protocol ${JSON.stringify(protocolName)} is not one of ${PROTOCOL_NAMES.join(", ")}`, locate(object, where));
        }
        addTo(protocol, match);
    };
    const addTo = (protocol: number, match: PortMatch | undefined) => {
        if (!match) {
            byProtocol.set(protocol, undefined);
            return;
        }
        if (byProtocol.has(protocol) && byProtocol.get(protocol) === undefined) return; // already "all ports"
        byProtocol.set(protocol, [...(byProtocol.get(protocol) ?? []), match]);
    };
    const namedPort = (name: unknown, where: string) => {
        if (typeof name !== "string" || !name) throw new AnalysisInputError("a named port must be a port name", locate(object, where));
        if (context.namedPorts === "named-port") {
            addTo(ANY_PROTOCOL, { name });
            return;
        }
        if (context.namedPorts === undefined) throw new Unsupported(`${where}: Calico v${context.release.version} does not convert named ports`);
        everyPort = true;
        context.warn(
            `${where} ${JSON.stringify(name)}: Calico v${context.release.version} does not convert named ports (libcalico-go conversion.go ` +
                `"TODO: Add support for NamedPorts"), so this rule matches every protocol and port; the network-policy-api means port ${JSON.stringify(name)} ` +
                "of the destination pods only (its conformance tests expect that port alone). Judged as the release enforces it",
        );
    };
    list.forEach((entry, i) => {
        const where = `${key}[${i}]`;
        const field = exactlyOne(
            object,
            entry,
            where,
            dialect.portsField === "ports" ? ["portNumber", "namedPort", "portRange"] : ["tcp", "udp", "sctp", "destinationNamedPort"],
        );
        const value = (entry as Record<string, any>)[field];
        switch (field) {
            case "portNumber": {
                const port = portNumber(object, value?.port, `${where}.portNumber.port`, 1);
                add(String(value?.protocol ?? "TCP"), { first: port, last: port }, `${where}.portNumber.protocol`);
                return;
            }
            case "portRange": {
                const first = portNumber(object, value?.start, `${where}.portRange.start`, 1),
                    last = portNumber(object, value?.end, `${where}.portRange.end`, 1);
                if (last < first) throw new AnalysisInputError(`port range ${first}-${last} ends before it starts`, locate(object, `${where}.portRange`));
                add(String(value?.protocol ?? "TCP"), { first, last }, `${where}.portRange.protocol`);
                return;
            }
            case "namedPort":
                namedPort(value, `${where}.namedPort`);
                return;
            case "destinationNamedPort":
                namedPort(value, `${where}.destinationNamedPort`);
                return;
            case "tcp":
            case "udp":
            case "sctp": {
                const port = value?.destinationPort;
                // ClusterNetworkPolicyProtocolTCP/UDP/SCTP: +kubebuilder:validation:MinProperties=1, so `tcp: {}` is refused.
                if (port === undefined || port === null) {
                    throw new AnalysisInputError(
                        `${field} needs destinationPort (the API server refuses an empty ${field}: {}); leave out protocols to match every port`,
                        locate(object, `${where}.${field}`),
                    );
                }
                const portKey = `${where}.${field}.destinationPort`;
                const which = exactlyOne(object, port, portKey, ["number", "range"]);
                if (which === "number") {
                    const n = portNumber(object, port.number, `${portKey}.number`, 1);
                    add(field, { first: n, last: n }, where);
                    return;
                }
                const first = portNumber(object, port.range?.start, `${portKey}.range.start`, 1),
                    last = portNumber(object, port.range?.end, `${portKey}.range.end`, 1);
                if (last <= first) throw new AnalysisInputError(`start ${first} must be less than end ${last}`, locate(object, `${portKey}.range`));
                add(field, { first, last }, where);
                return;
            }
        }
    });
    if (everyPort) return [{ label: "" }]; // unpackANPPorts: protocolPorts = {"": nil}; break
    const names = new Map<number, string>([[ANY_PROTOCOL, ""], ...PROTOCOL_NAMES.map((p): [number, string] => [protocolNumber(p)!, p])]);
    // Calico sorts the protocol names ("" first: named ports of any protocol).
    return [...byProtocol.entries()]
        .sort((a, b) => names.get(a[0])!.localeCompare(names.get(b[0])!))
        .map(([protocol, ports]) => ({
            ...(protocol !== ANY_PROTOCOL ? { protocol } : {}),
            ...(ports ? { ports } : {}),
            label: names.get(protocol) || "named ports",
        }));
}

function convertRule(
    object: KubeObject,
    dialect: Dialect,
    direction: Direction,
    raw: any,
    index: number,
    id: string,
    warnings: string[],
    release: CalicoRelease,
): Rule[] {
    const key = `spec.${direction}[${index}]`;
    if (raw === null || typeof raw !== "object") throw new AnalysisInputError("a rule must be a map", locate(object, key));
    const action = dialect.actions[raw.action];
    if (!action)
        throw new AnalysisInputError(
            `action ${JSON.stringify(raw.action)} is not one of ${Object.keys(dialect.actions).join(", ")}`,
            locate(object, `${key}.action`),
        );
    const peerField = direction === "ingress" ? "from" : "to";
    const peersRaw = listField(object, raw[peerField], `${key}.${peerField}`);
    if (!peersRaw.length) throw new AnalysisInputError(`${peerField} needs at least one peer`, locate(object, `${key}.${peerField}`));
    const origin = `${direction}[${index}]${raw.name ? ` "${raw.name}"` : ""}`;
    try {
        const context: PortContext = { namedPorts: valueAt(release, ADMIN_NAMED_PORTS), release, warn: (message) => warnings.push(`${id} ${message}`) };
        const groups = portGroups(object, dialect, raw[dialect.portsField], `${key}.${dialect.portsField}`, context);
        const peers = peersRaw.map((peer, i) => ({ entity: peerEntity(object, direction, peer, `${key}.${peerField}[${i}]`), label: `.${peerField}[${i}]` }));
        return groups.flatMap((group) =>
            peers.map((peer): Rule => {
                const portSide: EntityMatch = { netsMatchPods: true, ...(group.ports ? { ports: group.ports } : {}) };
                const [source, destination] =
                    direction === "ingress"
                        ? [peer.entity, portSide]
                        : [{ netsMatchPods: true }, { ...peer.entity, ...(group.ports ? { ports: group.ports } : {}) }];
                return {
                    action,
                    ...(group.protocol !== undefined ? { protocol: group.protocol } : {}),
                    source,
                    destination,
                    index,
                    origin: `${origin}${peer.label}${group.label ? ` ${group.label}` : ""}`,
                };
            }),
        );
    } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        // Fail closed (network-policy-api types, Calico k8sClusterNetPolHandleFailedRules).
        const failClosed = action === "Allow" ? "matches nothing" : "denies everything";
        warnings.push(`${id} ${origin}: ${error.message}; the rule fails closed and ${failClosed}`);
        if (action === "Allow") return [];
        return [{ action: "Deny", source: { netsMatchPods: true }, destination: { netsMatchPods: true }, index, origin: `${origin} (failed closed)` }];
    }
}
