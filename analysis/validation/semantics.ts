/**
 * The rules the API servers check beyond their schemas, for the kinds the analyzer reads. Each rule
 * names its source:
 * - K8S_NAMES: apimachinery pkg/util/validation/validation.go (IsDNS1123Label, IsDNS1123Subdomain,
 *   IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName), as used by
 *   kubernetes pkg/apis/core/validation/validation.go (ValidateObjectMeta, Namespace and Service names, ports)
 * - K8S_POD: pkg/apis/core/validation ValidatePodSpec (at least one container, each named with a DNS-1123 label; containerPort required)
 * - K8S_PROTOCOL: pkg/apis/core/validation (supportedPortProtocols: "TCP", "UDP", "SCTP", case-sensitive)
 * - K8S_SELECTOR: pkg/apis/apps/validation (ValidateDeploymentSpec & co: "selector does not match template labels")
 * - K8S_NODEPORT: pkg/apis/core/validation ValidateService (nodePort only for NodePort/LoadBalancer), the
 *   kube-apiserver's default --service-node-port-range 30000-32767 and its allocator (a nodePort belongs to one Service)
 * - CALICO_RULE: libcalico-go lib/validator/v3/validator.go validateRule, validateProtocol (protocolRegex is
 *   case-sensitive), ipVersion against nets, icmp only with protocol ICMP/ICMPv6, validateICMPFields (no code
 *   without a type), catch-all notNets where the release refuses them (calico-releases.ts VALIDATOR_ROWS);
 *   named ports: api/pkg/lib/numorstring/port.go
 * - CALICO_STAGED: validator.go validateStagedNetworkPolicy, validateStagedGlobalNetworkPolicy,
 *   validateStagedKubernetesNetworkPolicy, validateStagedAction, networkPolicyNameRegex and
 *   globalNetworkPolicyNameRegex; clientv3 stagednetworkpolicy.go and stagedglobalnetworkpolicy.go Create
 *   (types dropped before validating a Delete; no `knp.default.` name) (v3.30.3, unchanged to v3.31.7)
 */
import { CalicoRelease, calicoRelease, inSpans, IPPOOL_FIELD_SPANS, kindRow, STAGED_SINCE, VALIDATOR_ROWS } from "../model/calico-releases";
import { enforcedCounterpart, isStaged, STAGED_ACTIONS } from "../model/staged";
import { isCatchAllNet } from "../model/catch-all-not-nets";
import { addressFamily } from "../net";
import type { KubeObject } from "../types";

export interface SemanticProblem {
    key: string;
    message: string;
    source: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const CALICO_PORT_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const CALICO_PROTOCOL = /^(TCP|UDP|ICMP|ICMPv6|SCTP|UDPLite)$/;
const KUBE_PROTOCOLS = ["TCP", "UDP", "SCTP"];
export const NODE_PORT_RANGE = { first: 30000, last: 32767 };

const CALICO_API = new Set(["projectcalico.org/v3", "crd.projectcalico.org/v1"]);
const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const map = (value: unknown): Record<string, any> =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : {};

/** Problems with a DNS-style name; empty when valid. */
function nameProblem(name: string, kind: "label" | "subdomain" | "dns1035"): string | undefined {
    const [pattern, limit, words] =
        kind === "label"
            ? [DNS1123_LABEL, 63, "a DNS-1123 label (lower case letters, digits and '-', starting and ending with a letter or digit)"]
            : kind === "dns1035"
              ? [DNS1035_LABEL, 63, "a DNS-1035 label (lower case letters, digits and '-', starting with a letter)"]
              : [DNS1123_SUBDOMAIN, 253, "a DNS-1123 subdomain (lower case letters, digits, '-' and '.')"];
    if (name.length > limit) return `${JSON.stringify(name)} is longer than ${limit} characters`;
    return pattern.test(name) ? undefined : `${JSON.stringify(name)} is not ${words}`;
}

function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const [prefix, name] = slash === -1 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
    if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
        return `label key ${JSON.stringify(key)}: the prefix must be a DNS-1123 subdomain`;
    if (name.length > 63 || !QUALIFIED_NAME.test(name))
        return `label key ${JSON.stringify(key)} is not a qualified name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
    return undefined;
}

function labelsProblems(labels: unknown, key: string): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const entries = map(labels);
    for (const k of Object.keys(entries)) {
        const v: unknown = entries[k];
        const keyProblem = labelKeyProblem(k);
        if (keyProblem) problems.push({ key: `${key}.${k}`, message: keyProblem, source: "K8S_NAMES" });
        else if (typeof v === "string" && (v.length > 63 || !LABEL_VALUE.test(v))) {
            problems.push({
                key: `${key}.${k}`,
                message: `label value ${JSON.stringify(v)} is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, or empty)`,
                source: "K8S_NAMES",
            });
        }
    }
    return problems;
}

const WORKLOAD_CONTROLLERS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);
const POD_OWNERS = new Set(["Pod", "ReplicationController", "Job", "CronJob", ...WORKLOAD_CONTROLLERS]);

function podTemplateOf(object: KubeObject): { key: string; template: Record<string, any> } | undefined {
    if (object.kind === "Pod") return { key: "", template: { metadata: object.metadata, spec: object.spec } };
    if (object.kind === "CronJob") return { key: "spec.jobTemplate.spec.template", template: map(map(map(object.spec?.jobTemplate).spec).template) };
    return { key: "spec.template", template: map(object.spec?.template) };
}

function protocolProblem(value: unknown, key: string): SemanticProblem[] {
    if (value === undefined || value === null || KUBE_PROTOCOLS.includes(value as string)) return [];
    return [{ key, message: `protocol ${JSON.stringify(value)} is not one of "TCP", "UDP", "SCTP" (case-sensitive)`, source: "K8S_PROTOCOL" }];
}

function kubernetesProblems(object: KubeObject): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const name = String(object.metadata?.name ?? "");
    const nameKind = object.kind === "Namespace" ? "label" : object.kind === "Service" ? "dns1035" : "subdomain";
    const badName = nameProblem(name, nameKind);
    if (badName) problems.push({ key: "metadata.name", message: badName, source: "K8S_NAMES" });
    if (object.metadata?.namespace !== undefined) {
        const badNamespace = nameProblem(String(object.metadata.namespace), "label");
        if (badNamespace) problems.push({ key: "metadata.namespace", message: badNamespace, source: "K8S_NAMES" });
    }
    problems.push(...labelsProblems(object.metadata?.labels, "metadata.labels"));

    if (POD_OWNERS.has(object.kind)) {
        const { key, template } = podTemplateOf(object)!;
        const prefix = key ? `${key}.` : "";
        if (key) problems.push(...labelsProblems(map(template.metadata).labels, `${prefix}metadata.labels`));
        if (!list(map(template.spec).containers).length)
            problems.push({ key: `${prefix}spec.containers`, message: "a pod needs at least one container (Required value)", source: "K8S_POD" });
        list(map(template.spec).containers).forEach((container, c) => {
            const containerName = map(container).name;
            if (typeof containerName !== "string" || nameProblem(containerName, "label")) {
                problems.push({
                    key: `${prefix}spec.containers[${c}].name`,
                    message: typeof containerName === "string" ? nameProblem(containerName, "label")! : "a container needs a name",
                    source: "K8S_POD",
                });
            }
        });
        for (const field of ["containers", "initContainers"]) {
            list(map(template.spec)[field]).forEach((container, c) =>
                list(map(container).ports).forEach((port, p) => {
                    const at = `${prefix}spec.${field}[${c}].ports[${p}]`;
                    const { containerPort, name: portName, protocol } = map(port);
                    if (containerPort === undefined)
                        problems.push({ key: `${at}.containerPort`, message: 'missing required field "containerPort"', source: "K8S_POD" });
                    if (typeof containerPort === "number" && (containerPort < 1 || containerPort > 65535))
                        problems.push({ key: `${at}.containerPort`, message: `${containerPort} is not a port number 1-65535`, source: "K8S_NAMES" });
                    if (typeof portName === "string" && !validPortName(portName))
                        problems.push({ key: `${at}.name`, message: portNameMessage(portName), source: "K8S_NAMES" });
                    problems.push(...protocolProblem(protocol, `${at}.protocol`));
                }),
            );
        }
    }
    if (WORKLOAD_CONTROLLERS.has(object.kind) && object.apiVersion === "apps/v1") {
        const selector = map(object.spec?.selector);
        const labels = map(map(map(object.spec?.template).metadata).labels);
        const matchLabels = map(selector.matchLabels);
        const expressions = list(selector.matchExpressions);
        if (!Object.keys(matchLabels).length && !expressions.length) {
            problems.push({ key: "spec.selector", message: "empty selector is invalid for a workload controller", source: "K8S_SELECTOR" });
        } else if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v) || !expressions.every((e) => expressionMatches(map(e), labels))) {
            problems.push({ key: "spec.selector", message: "selector does not match template labels (spec.template.metadata.labels)", source: "K8S_SELECTOR" });
        }
    }
    if (object.kind === "Service") problems.push(...serviceProblems(object));
    if (object.kind === "NetworkPolicy") {
        for (const direction of ["ingress", "egress"]) {
            list(object.spec?.[direction]).forEach((rule, r) =>
                list(map(rule).ports).forEach((port, p) => {
                    const at = `spec.${direction}[${r}].ports[${p}]`;
                    problems.push(...protocolProblem(map(port).protocol, `${at}.protocol`));
                    const value = map(port).port;
                    if (typeof value === "string" && !validPortName(value))
                        problems.push({ key: `${at}.port`, message: portNameMessage(value), source: "K8S_NAMES" });
                }),
            );
        }
    }
    return problems;
}

function expressionMatches(expression: Record<string, any>, labels: Record<string, any>): boolean {
    const has = Object.hasOwn(labels, expression.key);
    const values = list(expression.values);
    switch (expression.operator) {
        case "In":
            return has && values.includes(labels[expression.key]);
        case "NotIn":
            return !has || !values.includes(labels[expression.key]);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        default:
            return false;
    }
}

/** IANA_SVC_NAME: at most 15 lower case letters, digits and '-', at least one letter, no "--" (IsValidPortName). */
function validPortName(name: string): boolean {
    return name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

const portNameMessage = (name: string) =>
    `port name ${JSON.stringify(name)} is not an IANA service name (at most 15 lower case letters, digits and '-', with at least one letter)`;

function serviceProblems(object: KubeObject): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const type = object.spec?.type ?? "ClusterIP";
    const ports = list(object.spec?.ports);
    ports.forEach((port, i) => {
        const at = `spec.ports[${i}]`;
        const { name, protocol, port: number, nodePort, targetPort } = map(port);
        problems.push(...protocolProblem(protocol, `${at}.protocol`));
        if (typeof number === "number" && (number < 1 || number > 65535))
            problems.push({ key: `${at}.port`, message: `${number} is not a port number 1-65535`, source: "K8S_NAMES" });
        if (ports.length > 1 && !name)
            problems.push({ key: `${at}.name`, message: "a Service with several ports must name each of them", source: "K8S_NAMES" });
        if (typeof name === "string" && name && nameProblem(name, "label"))
            problems.push({ key: `${at}.name`, message: nameProblem(name, "label")!, source: "K8S_NAMES" });
        if (typeof targetPort === "string" && !/^\d+$/.test(targetPort) && !validPortName(targetPort))
            problems.push({ key: `${at}.targetPort`, message: portNameMessage(targetPort), source: "K8S_NAMES" });
        if (typeof targetPort === "number" && (targetPort < 0 || targetPort > 65535))
            problems.push({ key: `${at}.targetPort`, message: `${targetPort} is not a port number`, source: "K8S_NAMES" });
        if (nodePort !== undefined && nodePort !== null && nodePort !== 0) {
            if (type !== "NodePort" && type !== "LoadBalancer") {
                problems.push({ key: `${at}.nodePort`, message: `may not be used when type is ${JSON.stringify(type)}`, source: "K8S_NODEPORT" });
            } else if (typeof nodePort === "number" && (nodePort < NODE_PORT_RANGE.first || nodePort > NODE_PORT_RANGE.last)) {
                problems.push({
                    key: `${at}.nodePort`,
                    message:
                        `provided port ${nodePort} is not in the valid range ${NODE_PORT_RANGE.first}-${NODE_PORT_RANGE.last} ` +
                        "(the kube-apiserver's default --service-node-port-range)",
                    source: "K8S_NODEPORT",
                });
            }
        }
    });
    return problems;
}

function calicoProblems(object: KubeObject, release: CalicoRelease): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const badName = nameProblem(String(object.metadata?.name ?? ""), "subdomain");
    if (badName) problems.push({ key: "metadata.name", message: badName, source: "K8S_NAMES" });
    problems.push(...labelsProblems(object.metadata?.labels, "metadata.labels"));
    if (object.kind === "IPPool") {
        for (const [field, { spans, source }] of Object.entries(IPPOOL_FIELD_SPANS)) {
            if (object.spec?.[field] === undefined || inSpans(release, spans)) continue;
            problems.push({ key: `spec.${field}`, message: `unknown field "${field}": the IPPool of Calico v${release.version} has no such field`, source });
        }
    }
    if (object.kind !== "NetworkPolicy" && object.kind !== "GlobalNetworkPolicy") return problems;
    for (const direction of ["ingress", "egress"]) {
        list(object.spec?.[direction]).forEach((raw, r) => problems.push(...calicoRuleProblems(map(raw), `spec.${direction}[${r}]`, release)));
    }
    return problems;
}

function calicoRuleProblems(rule: Record<string, any>, at: string, release: CalicoRelease): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const problem = (key: string, message: string) => problems.push({ key: `${at}.${key}`, message, source: "CALICO_RULE" });
    // validateRule: icmp only with protocol ICMP or ICMPv6 (so an icmp rule with protocol TCP is no plain TCP Allow).
    if (rule.icmp !== undefined && rule.icmp !== null && rule.protocol !== "ICMP" && rule.protocol !== "ICMPv6") {
        problem("icmp", `rules that specify ICMP fields must set protocol to ICMP or ICMPv6, not ${JSON.stringify(rule.protocol ?? null)}`);
    }
    // validateICMPFields: "Due to Kernel limitations, ICMP code must always be specified with a type".
    for (const field of ["icmp", "notICMP"]) {
        const icmp = map(rule[field]);
        if (icmp.code !== undefined && icmp.code !== null && (icmp.type === undefined || icmp.type === null))
            problem(`${field}.code`, "ICMP code specified without an ICMP type");
    }
    for (const field of ["protocol", "notProtocol"]) {
        const value = rule[field];
        if (typeof value === "string" && !/^\d+$/.test(value) && !CALICO_PROTOCOL.test(value)) {
            problem(field, `protocol name ${JSON.stringify(value)} is invalid: one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite (case-sensitive) or 1-255`);
        }
        if ((typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) && (Number(value) < 1 || Number(value) > 255))
            problem(field, `protocol number ${value} is not 1-255`);
    }
    for (const [field, wanted] of [
        ["ICMP", 4],
        ["ICMPv6", 6],
    ] as const) {
        if ((rule.protocol === field || rule.notProtocol === field) && rule.ipVersion !== undefined && rule.ipVersion !== wanted) {
            problem("ipVersion", `must set ipVersion to ${wanted} with protocol ${field}`);
        }
    }
    let seen4 = false,
        seen6 = false;
    for (const side of ["source", "destination"]) {
        const entity = map(rule[side]);
        for (const field of ["nets", "notNets"]) {
            let v4 = false,
                v6 = false;
            for (const net of list(entity[field])) {
                const family = addressFamily(String(net));
                if (family === 6) v6 = true;
                else if (family === 4) v4 = true;
            }
            if (rule.ipVersion !== undefined && ((v4 && rule.ipVersion !== 4) || (v6 && rule.ipVersion !== 6)))
                problem(`${side}.${field}`, `rule IP version ${rule.ipVersion} doesn't match the CIDR version`);
            if ((v4 && v6) || (v4 && seen6) || (v6 && seen4)) problem(`${side}.${field}`, "rule contains both IPv4 and IPv6 CIDRs");
            seen4 ||= v4;
            seen6 ||= v6;
        }
        if (inSpans(release, VALIDATOR_ROWS.catchAllNotNets.spans)) {
            list(entity.notNets).forEach((net, i) => {
                if (isCatchAllNet(String(net))) {
                    problem(
                        `${side}.notNets[${i}]`,
                        `catch-all CIDR ${JSON.stringify(net)} in notNets matches no traffic: Calico v${release.version} refuses it (${VALIDATOR_ROWS.catchAllNotNets.source})`,
                    );
                }
            });
        }
        for (const field of ["ports", "notPorts"]) {
            list(entity[field]).forEach((port, i) => {
                if (typeof port === "string" && !/^\d+(:\d+)?$/.test(port) && !CALICO_PORT_NAME.test(port)) {
                    problem(
                        `${side}.${field}[${i}]`,
                        `${JSON.stringify(port)} is not a port, a range "first:last" or a port name (${CALICO_PORT_NAME.source})`,
                    );
                }
            });
        }
    }
    const services = rule.destination?.services;
    if (services && (list(rule.destination.ports).length || list(rule.destination.notPorts).length))
        problem("destination.ports", "cannot specify ports with a service selector");
    return problems;
}

const NAME_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const NAME_SUBDOMAIN = `${NAME_LABEL}(\\.${NAME_LABEL})*`;
/** validator.go: a namespaced policy's name is `<label>[.<label>]` (or a converted Kubernetes or OpenStack one), a global one's `[<label>.]<label>`. */
const STAGED_NAMES: Record<string, { pattern: RegExp; words: string }> = {
    StagedNetworkPolicy: {
        pattern: new RegExp(`^((${NAME_LABEL})(\\.${NAME_LABEL})?|((?:knp|ossg)\\.default\\.(${NAME_SUBDOMAIN})))$`),
        words: "a lower-case DNS label, or two joined by a dot (<tier>.<name>)",
    },
    StagedGlobalNetworkPolicy: {
        pattern: new RegExp(`^(${NAME_LABEL}\\.)?${NAME_LABEL}$`),
        words: "a lower-case DNS label, or two joined by a dot (<tier>.<name>)",
    },
};
/** Spec fields a Delete may keep: the tier, and `types`, which the Calico client drops before it validates a Delete. */
const KEPT_BY_DELETE: Record<string, readonly string[]> = {
    StagedNetworkPolicy: ["stagedAction", "tier", "types"],
    StagedGlobalNetworkPolicy: ["stagedAction", "tier", "types"],
    StagedKubernetesNetworkPolicy: ["stagedAction"],
};

/** Go's zero value as JSON decodes into it: null, "", false; a struct (podSelector) whose fields are all zero. Lists, maps and numbers decode to set values. */
function isGoZero(value: unknown, struct: boolean): boolean {
    if (value === undefined || value === null || value === "" || value === false) return true;
    return struct && typeof value === "object" && !Array.isArray(value) && Object.values(value as object).every((v) => v === undefined || v === null);
}

/**
 * A staged policy: a stagedAction the validator knows, a name of its kind's form; with Delete no spec
 * but the tier; otherwise the rules of the policy it stages. Judged by the first release serving the
 * staged kinds when the chosen one does not (it is left out there, with a warning).
 */
function stagedProblems(object: KubeObject, release: CalicoRelease): SemanticProblem[] {
    const problems: SemanticProblem[] = [];
    const judged = inSpans(release, kindRow(object)?.served?.spans ?? []) ? release : calicoRelease(STAGED_SINCE);
    const action: unknown = object.spec?.stagedAction;
    if (!isGoZero(action, false) && !STAGED_ACTIONS.includes(action as never))
        problems.push({
            key: "spec.stagedAction",
            message: `stagedAction ${JSON.stringify(action)} is not one of ${STAGED_ACTIONS.join(", ")} (case-sensitive; omitted means Set)`,
            source: "CALICO_STAGED",
        });
    const name = String(object.metadata?.name ?? "");
    const form = STAGED_NAMES[object.kind];
    if (form && !form.pattern.test(name))
        problems.push({ key: "metadata.name", message: `${JSON.stringify(name)} is not ${form.words}`, source: "CALICO_STAGED" });
    if (object.kind === "StagedNetworkPolicy" && name.startsWith("knp.default."))
        problems.push({
            key: "metadata.name",
            message: `"knp.default." names the policies Calico converts from Kubernetes: a StagedNetworkPolicy may not take it`,
            source: "CALICO_STAGED",
        });
    if (action === "Delete") {
        const kept = KEPT_BY_DELETE[object.kind] ?? [];
        const set = Object.entries(map(object.spec)).filter(([field, value]) => !kept.includes(field) && !isGoZero(value, field === "podSelector"));
        if (set.length)
            problems.push({
                key: `spec.${set[0]![0]}`,
                message:
                    `stagedAction Delete stages the removal of the enforced policy of this name and takes no spec${kept.includes("tier") ? " but the tier" : ""}: ` +
                    `${set.map(([field]) => `spec.${field}`).join(", ")} ${set.length > 1 ? "are" : "is"} set (Calico v${judged.version}'s validator: "Spec fields should all be zero-value if stagedAction is Delete")`,
                source: "CALICO_STAGED",
            });
        return problems;
    }
    return [...problems, ...semanticProblems(enforcedCounterpart(object), judged)];
}

/** What the API server's validation refuses in one object, beyond its schema. */
export function semanticProblems(object: KubeObject, release: CalicoRelease = calicoRelease()): SemanticProblem[] {
    if (isStaged(object)) return stagedProblems(object, release);
    if (CALICO_API.has(object.apiVersion)) return calicoProblems(object, release);
    return kubernetesProblems(object);
}

/** Rules across objects: a nodePort belongs to one Service (K8S_NODEPORT). Returns [object, problem] pairs. */
export function crossObjectProblems(objects: readonly KubeObject[]): [KubeObject, SemanticProblem][] {
    const owners = new Map<number, KubeObject>();
    const found: [KubeObject, SemanticProblem][] = [];
    for (const object of objects) {
        if (object.apiVersion !== "v1" || object.kind !== "Service") continue;
        // This Service's ports by nodePort: two ports may share one only when they are one port number
        // with two protocols (53/TCP and 53/UDP); otherwise the allocator refuses the second
        // (kubernetes v1.30 pkg/registry/core/service/storage/alloc.go initNodePorts; ValidateService
        // refuses the same nodePort and protocol twice).
        const mine = new Map<number, { port: unknown; protocol: unknown }[]>();
        list(object.spec?.ports).forEach((raw, i) => {
            const { nodePort, port, protocol = "TCP" } = map(raw);
            if (typeof nodePort !== "number" || nodePort === 0) return;
            const owner = owners.get(nodePort);
            const siblings = mine.get(nodePort);
            const shared = siblings && !siblings.every((s) => s.port === port && s.protocol !== protocol);
            if ((owner && owner !== object) || shared) {
                const holder =
                    owner && owner !== object
                        ? `Service ${owner.metadata.namespace ?? "default"}/${owner.metadata.name}`
                        : `port ${JSON.stringify(siblings![0]!.port)}/${siblings![0]!.protocol} of this Service; one nodePort serves one port number, for each of its protocols`;
                found.push([
                    object,
                    { key: `spec.ports[${i}].nodePort`, message: `provided port ${nodePort} is already allocated (${holder})`, source: "K8S_NODEPORT" },
                ]);
            }
            owners.set(nodePort, object);
            mine.set(nodePort, [...(siblings ?? []), { port, protocol }]);
        });
    }
    return found;
}
