// The cluster as the stack policies judge it: the stack's objects (the subjects), plus what the
// cluster already has (the intent's baseline: kube-dns, a neighbour namespace) and a few probe
// endpoints the policies ask questions with. Probes never make a subject look better or worse:
// the policies read only the subject's own side of a decision when a probe is at the other end.
import {
    AnalysisInputError,
    buildModel,
    calicoRelease,
    ClusterModel,
    Decision,
    endpointAllows,
    endpointDecision,
    KubeObject,
    matchesKubeSelector,
    parseKubeSelector,
    query,
    Verdict,
    Workload,
} from "../../analysis";
import type { Settings } from "./config";
import { INTENT, intentsOf } from "./intent";
import { describe } from "./objects";

export const PROBE_LABEL = "policy.calico-zero-trust/probe";
/** A namespace no policy names, with one unlabelled pod: "some pod in another namespace". */
export const NEIGHBOUR = { namespace: "zz-policy-probe", workload: "neighbour" } as const;
/** A pod in the DNS namespace that is not DNS: "the rest of kube-system". */
export const DNS_DECOY = "zz-policy-probe-decoy";
export const SYNTHETIC_DNS = "zz-policy-probe-kube-dns";
export const NEIGHBOUR_ID = `${NEIGHBOUR.namespace}/${NEIGHBOUR.workload}`;

export interface ClusterView {
    /** The objects under judgement (the stack's, or the manifests given). */
    subjects: KubeObject[];
    model: ClusterModel;
    /** Workloads of the subjects outside the system namespaces, under pod policy (no hostNetwork). */
    workloads: Workload[];
    /** The cluster DNS workloads (from the subjects, the baseline, or a stand-in). */
    dnsServers: Workload[];
    dnsDecoy: string;
    neighbour: string;
    settings: Settings;
    /** The subject object that declared a workload. */
    objectOf(workload: Workload): KubeObject | undefined;
    /**
     * The model of the same cluster with the subjects changed by `change` (e.g. staged policies
     * enforced), built with the view's options: the probes and the baseline stay as they are.
     */
    modelWith(change: (subjects: KubeObject[]) => KubeObject[]): ClusterModel;
    isEdge(workload: Workload): boolean;
    isSystemNamespace(namespace: string): boolean;
}

const identity = (o: KubeObject) => `${o.apiVersion.split("/")[0]}|${o.kind}|${o.metadata.namespace ?? ""}|${o.metadata.name}`;

function deployment(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    ports: { name: string; containerPort: number; protocol: string }[],
): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels },
        spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: "probe", ports }] } } },
    };
}

/**
 * Kubernetes assigns a nodePort to every port of a NodePort/LoadBalancer Service that does not
 * declare one. The model gets a copy with ports assigned from the top of the range, so those
 * ports can be probed like declared ones.
 */
function withNodePorts(object: KubeObject): KubeObject {
    const type = object.spec?.type;
    if (object.apiVersion !== "v1" || object.kind !== "Service" || (type !== "NodePort" && type !== "LoadBalancer")) return object;
    const ports: any[] = Array.isArray(object.spec.ports) ? object.spec.ports : [];
    if (ports.every((p) => p?.nodePort !== undefined)) return object;
    const taken = new Set(ports.map((p) => p?.nodePort).filter((n) => n !== undefined));
    let next = 32767;
    const assign = () => {
        while (taken.has(next)) next--;
        taken.add(next);
        return next;
    };
    return { ...object, spec: { ...object.spec, ports: ports.map((p) => (p?.nodePort === undefined ? { ...p, nodePort: assign() } : p)) } };
}

function hostEndpointOption(subjects: KubeObject[], setting: Settings["hostEndpoints"]): boolean | undefined {
    if (setting === "on") return true;
    if (setting === "off") return false;
    const calico = (o: KubeObject) => o.apiVersion === "projectcalico.org/v3" || o.apiVersion === "crd.projectcalico.org/v1";
    const hostPolicy = subjects.some((o) => calico(o) && o.kind === "GlobalNetworkPolicy" && (o.spec?.preDNAT === true || o.spec?.applyOnForward === true));
    const declared = subjects.some((o) => calico(o) && (o.kind === "HostEndpoint" || o.kind === "KubeControllersConfiguration"));
    return hostPolicy && !declared ? true : undefined;
}

/** The release to judge by: the setting, else the one the stack's intent states (all its intents must agree). */
function calicoVersionOf(subjects: readonly KubeObject[], settings: Settings): string | undefined {
    if (settings.calicoVersion) return settings.calicoVersion;
    const stated = intentsOf(subjects).filter((intent) => intent.calicoVersion !== undefined);
    const versions = [...new Set(stated.map((intent) => intent.calicoVersion!))];
    if (versions.length > 1) {
        throw new AnalysisInputError(`the stack states Calico releases ${versions.join(" and ")}: one cluster runs one release`, {
            object: describe(stated[0]!.source),
            key: `data.${INTENT.calicoVersionKey}`,
        });
    }
    if (versions[0] === undefined) return undefined;
    try {
        calicoRelease(versions[0]);
    } catch (error) {
        if (!(error instanceof AnalysisInputError)) throw error;
        throw new AnalysisInputError(`${error.message.replace(/^--calico-version: /, "")} (set config calicoVersion, or the pack's calicoVersion setting)`, {
            object: describe(stated[0]!.source),
            key: `data.${INTENT.calicoVersionKey}`,
        });
    }
    return versions[0];
}

/**
 * Views by the objects they judge, keyed by the first object: a list of the same objects in the
 * same order shares the views of the list before it (policy:check reads the model's warnings, then
 * runs the policies over resources standing for the same objects: one model, not two). Another
 * list with the same first object takes the slot over.
 */
const cache = new WeakMap<object, { subjects: readonly KubeObject[]; bySettings: Map<string, ClusterView> }>();

function viewsOf(subjects: readonly KubeObject[]): Map<string, ClusterView> {
    const key = subjects[0] ?? subjects;
    const entry = cache.get(key);
    const same = (other: readonly KubeObject[]) => other === subjects || (other.length === subjects.length && other.every((o, i) => o === subjects[i]));
    if (entry && same(entry.subjects)) return entry.bySettings;
    const bySettings = new Map<string, ClusterView>();
    cache.set(key, { subjects, bySettings });
    return bySettings;
}

/** The cluster view of `subjects` under `settings`, built once per list of objects and settings. */
export function clusterView(subjects: readonly KubeObject[], settings: Settings): ClusterView {
    const bySettings = viewsOf(subjects);
    const key = JSON.stringify(settings);
    const cached = bySettings.get(key);
    if (cached) return cached;
    const view = buildView([...subjects], settings);
    bySettings.set(key, view);
    return view;
}

function buildView(subjects: KubeObject[], settings: Settings): ClusterView {
    const known = new Set(subjects.map(identity));
    const context: KubeObject[] = [];
    const add = (object: KubeObject) => {
        if (known.has(identity(object))) return;
        known.add(identity(object));
        context.push(object);
    };
    for (const intent of intentsOf(subjects)) intent.baseline.forEach(add);

    const dnsSelector = parseKubeSelector({ matchLabels: settings.dnsLabels }, { key: "dnsLabels" });
    const isDns = (o: KubeObject) =>
        o.metadata.namespace === settings.dnsNamespace &&
        ["Deployment", "DaemonSet", "StatefulSet", "Pod"].includes(o.kind) &&
        matchesKubeSelector(dnsSelector, (o.kind === "Pod" ? o.metadata.labels : o.spec?.template?.metadata?.labels) ?? {});
    const dnsPorts = [
        { name: "dns", containerPort: settings.dnsPort, protocol: "UDP" },
        { name: "dns-tcp", containerPort: settings.dnsPort, protocol: "TCP" },
    ];
    if (![...subjects, ...context].some(isDns)) add(deployment(settings.dnsNamespace, SYNTHETIC_DNS, { ...settings.dnsLabels }, dnsPorts));
    add(deployment(settings.dnsNamespace, DNS_DECOY, { [PROBE_LABEL]: "decoy" }, dnsPorts));
    // Declared, so the analyzer does not warn users about a namespace they never wrote.
    add({ apiVersion: "v1", kind: "Namespace", metadata: { name: NEIGHBOUR.namespace } });
    add(deployment(NEIGHBOUR.namespace, NEIGHBOUR.workload, { [PROBE_LABEL]: "neighbour" }, []));

    const auto = hostEndpointOption(subjects, settings.hostEndpoints);
    const calicoVersion = calicoVersionOf(subjects, settings);
    const options = {
        ignoreUnknownKinds: true,
        ...(calicoVersion ? { calicoVersion } : {}),
        ...(auto === undefined ? {} : { hostEndpoints: { auto } }),
    };
    const modelWith = (change: (objects: KubeObject[]) => KubeObject[]) => buildModel([...change(subjects).map(withNodePorts), ...context], options);
    const model = modelWith((objects) => objects);

    const declaredBy = new Map<string, KubeObject>();
    for (const object of subjects) declaredBy.set(`${object.metadata.namespace || "default"}/${object.metadata.name}|${object.kind}`, object);
    const objectOf = (w: Workload) => declaredBy.get(`${w.id}|${w.kind}`);
    const system = new Set(settings.systemNamespaces);
    const isSystemNamespace = (namespace: string) => system.has(namespace);
    const isEdge = (w: Workload) => settings.edgeWorkloads.some((edge) => edge === w.id || edge === w.name);
    const workloads = model.workloads.filter((w) => objectOf(w) && !isSystemNamespace(w.namespace) && !w.hostNetwork);
    const dnsServers = model.workloads.filter((w) => w.namespace === settings.dnsNamespace && matchesKubeSelector(dnsSelector, w.labels));
    return {
        subjects,
        model,
        workloads,
        dnsServers,
        settings,
        objectOf,
        modelWith,
        isEdge,
        isSystemNamespace,
        dnsDecoy: `${settings.dnsNamespace}/${DNS_DECOY}`,
        neighbour: NEIGHBOUR_ID,
    };
}

export function ask(view: ClusterView, src: string, dst: string, port: number, protocol: "TCP" | "UDP" | "SCTP"): Verdict {
    return query(view.model, { src, dst, port, protocol });
}

/**
 * False when ask's verdict is certainly blocked on every path (neither allowed nor partial): the
 * connection is direct and the destination's own ingress refuses it. True when the verdict is needed.
 */
export function mayReach(view: ClusterView, src: string, dst: string, port: number, protocol: "TCP" | "UDP" | "SCTP"): boolean {
    return endpointAllows(view.model, { src, dst, port, protocol }, "ingress") !== false;
}

/** The workload's own decision for a probe: its ingress for probes towards it, its egress for probes from it. */
export function ownDecision(verdict: Verdict, direction: "ingress" | "egress"): Decision {
    return direction === "ingress" ? verdict.explanation.ingress : verdict.explanation.egress;
}

/**
 * ownDecision of ask's verdict, computed at that end alone when the connection is direct (pods and
 * outside addresses: the policies' probes), which costs a fraction of the whole verdict.
 */
/** askOwn(...).allowed, without making the decision: most probes are refused and need no explanation. */
export function ownAllows(
    view: ClusterView,
    src: string,
    dst: string,
    port: number,
    protocol: "TCP" | "UDP" | "SCTP",
    direction: "ingress" | "egress",
): boolean {
    return endpointAllows(view.model, { src, dst, port, protocol }, direction) ?? ownDecision(ask(view, src, dst, port, protocol), direction).allowed;
}

export function askOwn(view: ClusterView, src: string, dst: string, port: number, protocol: "TCP" | "UDP" | "SCTP", direction: "ingress" | "egress"): Decision {
    return endpointDecision(view.model, { src, dst, port, protocol }, direction) ?? ownDecision(ask(view, src, dst, port, protocol), direction);
}

/**
 * Representative addresses outside the cluster: the unrelated ones, plus one inside every CIDR a
 * policy names (so "allow from 10.0.0.0/8" is probed with 10.0.0.1), minus pod addresses.
 */
export function externalCandidates(view: ClusterView): string[] {
    const pods = view.model.options.podCIDR;
    const addresses = new Set(view.settings.unrelatedAddresses);
    const toText = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
    for (const policy of view.model.policies) {
        for (const rule of [...policy.ingress, ...policy.egress]) {
            for (const side of [rule.source, rule.destination]) {
                for (const cidr of side.nets ?? []) {
                    const ip = cidr.last > cidr.first ? cidr.first + 1 : cidr.first;
                    if (ip >= pods.first && ip <= pods.last) continue;
                    if ([...addresses].some((a) => ipInCidr(a, cidr))) continue;
                    addresses.add(toText(ip));
                }
            }
        }
    }
    return [...addresses];
}

function ipInCidr(address: string, cidr: { first: number; last: number }): boolean {
    const parts = address.split(".").map(Number);
    const n = (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
    return n >= cidr.first && n <= cidr.last;
}

export function checkSettings(settings: Settings): void {
    for (const address of settings.unrelatedAddresses) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new AnalysisInputError(`unrelatedAddresses: ${JSON.stringify(address)} is not an IPv4 address`);
    }
}

export { describe };
