// The lab's configuration, read and validated once. Everything else receives a LabConfig and
// never calls `new pulumi.Config()` itself. Validation is pure (see parseLabConfig) so it runs
// synchronously at program start, before any resource is registered, and is unit-testable.
import * as pulumi from "@pulumi/pulumi";
import { calicoSelectorProblem, imageReferenceProblem, kindClusterNameProblem, systemNamespaceProblem } from "./config-values";
import { CALICO_ONLY_FEATURES, featuresOf, findStage, Stage, STAGES, StageFeatures } from "./scenarios/helloworld/stages";

export const PROJECT_NAME = "calico-zero-trust-lab";

export const FLAVORS = ["calico", "kubernetes"] as const;
export type Flavor = (typeof FLAVORS)[number];

export const CLUSTER_MODES = ["kind", "iks", "existing", "render"] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** How Calico's projectcalico.org/v3 objects reach the cluster. */
export const CALICO_APPLY_MODES = ["api-server", "calicoctl"] as const;
export type CalicoApplyMode = (typeof CALICO_APPLY_MODES)[number];

/** The labs this program runs; each has its own stage table (stages.ts, scenarios/yaobank/stages.ts). */
export const SCENARIOS = ["helloworld", "yaobank"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

type ConfigType = "string" | "integer" | "boolean";
export interface ConfigKey {
    type: ConfigType;
    default?: string | number | boolean;
    description: string;
}

/**
 * Every key the program reads, with its type, default and description. Pulumi.yaml declares
 * the same keys (test/config-schema.test.ts keeps the two identical).
 */
export const CONFIG_KEYS = {
    scenario: { type: "string", default: "helloworld", description: "Which lab: helloworld (IBM's Kubernetes Network Policy and Calico lab) or yaobank (Tigera's Calico security track, docs/yaobank.md). The stage is read against the scenario's stage table." },
    stage: { type: "string", default: "cluster", description: "Lab stage, by number (0-5) or name: cluster, helloworld, proxy, deny-all, allow-proxy, lockdown; with scenario yaobank 0-4: cluster, app, p-summary2database, default-app-policy, calico-policies. Stages are cumulative; pulumi up converges forwards or backwards." },
    flavor: { type: "string", default: "calico", description: "Policy flavor: calico (projectcalico.org/v3 policies) or kubernetes (plain NetworkPolicies; cannot express the lockdown stage)." },
    cluster: { type: "string", default: "kind", description: "Where the lab runs: kind (local, Calico installed by the program), iks (IBM Cloud Kubernetes Service), existing (any kubeconfig context with Calico), render (no cluster: manifests written to renderDirectory)." },
    namespace: { type: "string", default: "zero-trust-lab", description: "The lab namespace (a DNS-1123 label)." },
    appImage: { type: "string", default: "remkohdev/helloworld:latest", description: "Image of the helloworld app (Spring Boot, listens on 8080, amd64 only). Pin a digest for promotion." },
    appReplicas: { type: "integer", default: 3, description: "Replicas of the helloworld Deployment (1-20)." },
    appNodePort: { type: "integer", default: 30080, description: "NodePort of the helloworld Service (30000-32767)." },
    proxyImage: { type: "string", default: "", description: "Image of helloworld-proxy; empty means the same image as the app, as in the lab." },
    proxyReplicas: { type: "integer", default: 1, description: "Replicas of the helloworld-proxy Deployment (1-20)." },
    proxyNodePort: { type: "integer", default: 30081, description: "NodePort of the helloworld-proxy Service (30000-32767), the only NodePort left open by the lockdown stage." },
    yaobankImages: { type: "string", default: "rezareza/yaobank-{app}:azure", description: "Images of the yaobank scenario, {app} standing for customer, summary and database. The default images read their peers' hosts from env vars, as the three namespaces need; the original calico/yaobank-{app} images hard-code them and only work in one namespace." },
    hostEndpointSelector: { type: "string", default: "", description: "Calico selector of the host endpoints the lockdown stage protects; empty means has(kubernetes.io/hostname) (kind's automatic host endpoints), or ibm.role == 'worker_public' on iks." },
    calicoApply: { type: "string", default: "", description: "How Calico policies are applied: api-server (projectcalico.org/v3 through the Calico API server) or calicoctl; empty means calicoctl on iks and api-server elsewhere." },
    kubeconfigContext: { type: "string", default: "", description: "kubeconfig context for cluster=existing or cluster=iks (empty: the current context)." },
    renderDirectory: { type: "string", default: "", description: "Directory the manifests are written to when cluster=render; empty means rendered/<stack>/<scenario>, so stacks and scenarios never share one." },
    kindClusterName: { type: "string", default: "calico-lab", description: "Name of the kind cluster (cluster=kind)." },
    kindNodeImage: { type: "string", default: "kindest/node:v1.33.1", description: "kind node image, i.e. the Kubernetes version (cluster=kind)." },
    kindWorkers: { type: "integer", default: 1, description: "Worker nodes of the kind cluster besides the control plane (0-5)." },
    podSubnet: { type: "string", default: "192.168.0.0/16", description: "Pod CIDR of the kind cluster, also Calico's IP pool." },
    calicoVersion: { type: "string", default: "v3.30.3", description: "Calico release the cluster runs: installed by the tigera-operator on kind (v3.28.0 or later; docs/cluster.md says where each release keeps its CRDs), and on every cluster the release the policy pack judges the stack by (written to the zero-trust-intent ConfigMap; the analyzer models v3.28.0 to v3.32.1, analysis/README.md)." },
} as const satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

export interface WorkloadSettings {
    image: string;
    replicas: number;
    nodePort: number;
}

export interface ClusterSettings {
    mode: ClusterMode;
    /** How Calico documents reach this cluster (the same value as LabConfig.calicoApply). */
    calicoApply: CalicoApplyMode;
    kubeconfigContext?: string;
    renderDirectory: string;
    /** The Calico release the cluster runs: what kind installs, and what the policy pack judges by. */
    calicoVersion: string;
    kind: { name: string; nodeImage: string; workers: number; podSubnet: string; calicoVersion: string };
}

export interface LabConfig {
    stage: Stage;
    features: StageFeatures;
    flavor: Flavor;
    calicoApply: CalicoApplyMode;
    cluster: ClusterSettings;
    namespace: string;
    app: WorkloadSettings;
    proxy: WorkloadSettings;
    hostEndpointSelector: string;
}

/** A configuration mistake, named by key, value and what would be accepted. */
export class ConfigError extends Error {
    constructor(
        readonly key: string,
        readonly value: unknown,
        readonly allowed: string,
    ) {
        super(`Invalid configuration ${PROJECT_NAME}:${key} = ${JSON.stringify(value)}: ${allowed}. Fix it with: pulumi config set ${key} <value>`);
        this.name = "ConfigError";
    }
}

/** Reads one raw config value; undefined when the key is not set. */
export type RawConfigReader = (key: ConfigKeyName) => string | undefined;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const IKS_HOST_ENDPOINT_SELECTOR = "ibm.role == 'worker_public'";
const KIND_HOST_ENDPOINT_SELECTOR = "has(kubernetes.io/hostname)";

function raw(read: RawConfigReader, key: ConfigKeyName): string {
    const value = read(key);
    return value === undefined ? String(CONFIG_KEYS[key].default ?? "") : value;
}

function oneOf<T extends string>(read: RawConfigReader, key: ConfigKeyName, allowed: readonly T[]): T {
    const value = raw(read, key).trim();
    if (!(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(key, value, `allowed values are ${allowed.join(", ")}`);
    }
    return value as T;
}

function integer(read: RawConfigReader, key: ConfigKeyName, min: number, max: number): number {
    const value = raw(read, key).trim();
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        throw new ConfigError(key, value, `expected a whole number from ${min} to ${max}`);
    }
    return parsed;
}

function nonEmpty(read: RawConfigReader, key: ConfigKeyName, what: string): string {
    const value = raw(read, key).trim();
    if (value === "" || /\s/.test(value)) {
        throw new ConfigError(key, value, `expected ${what}`);
    }
    return value;
}

function ipv4Cidr(read: RawConfigReader, key: ConfigKeyName): string {
    const value = raw(read, key).trim();
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    const valid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
    if (!valid) {
        throw new ConfigError(key, value, "expected an IPv4 CIDR such as 192.168.0.0/16");
    }
    return value;
}

/** `value` if `problem` finds nothing wrong with it; else a ConfigError naming the key. */
function check(key: ConfigKeyName, value: string, problem: (value: string) => string | undefined): string {
    const found = problem(value);
    if (found) throw new ConfigError(key, value, found);
    return value;
}

function optional(read: RawConfigReader, key: ConfigKeyName): string | undefined {
    const value = raw(read, key).trim();
    return value === "" ? undefined : value;
}

function parseStage(read: RawConfigReader): Stage {
    const value = raw(read, "stage");
    const stage = findStage(value);
    if (!stage) {
        const allowed = STAGES.map((s) => `${s.number} (${s.name})`).join(", ");
        throw new ConfigError("stage", value, `allowed stages are ${allowed}`);
    }
    return stage;
}

function parseWorkload(read: RawConfigReader, prefix: "app" | "proxy", fallbackImage?: string): WorkloadSettings {
    const imageKey = `${prefix}Image` as const;
    const image = optional(read, imageKey) ?? fallbackImage;
    return {
        image: check(imageKey, image ?? nonEmpty(read, imageKey, "an image reference such as remkohdev/helloworld:latest"), imageReferenceProblem),
        replicas: integer(read, `${prefix}Replicas`, 1, 20),
        nodePort: integer(read, `${prefix}NodePort`, NODE_PORT_RANGE.min, NODE_PORT_RANGE.max),
    };
}

/** Where a render stack writes when renderDirectory is empty: rendered/<stack>/<scenario>, relative to the project. */
export function defaultRenderDirectory(scenario: ScenarioName, stack: string = pulumi.getStack()): string {
    return ["rendered", stack || "stack", scenario].join("/");
}

/** The stack's scenario; the rest of its configuration is parsed for that scenario. */
export function parseScenario(read: RawConfigReader): ScenarioName {
    return oneOf(read, "scenario", SCENARIOS);
}

/** Validates the whole configuration; throws ConfigError on the first bad key. */
export function parseLabConfig(read: RawConfigReader): LabConfig {
    parseScenario(read);
    const stage = parseStage(read);
    const features = featuresOf(stage);
    const flavor = oneOf(read, "flavor", FLAVORS);
    const mode = oneOf(read, "cluster", CLUSTER_MODES);

    const namespace = raw(read, "namespace").trim();
    if (!DNS_1123_LABEL.test(namespace) || namespace.length > 63) {
        throw new ConfigError("namespace", namespace, "expected a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
    }
    check("namespace", namespace, systemNamespaceProblem);

    const needsCalico = CALICO_ONLY_FEATURES.filter((feature) => features[feature]);
    if (flavor === "kubernetes" && needsCalico.length > 0) {
        throw new ConfigError("flavor", flavor, `stage ${stage.number} (${stage.name}) needs Calico policies (${needsCalico.join(", ")}: Kubernetes NetworkPolicy cannot select host endpoints); use flavor calico or a stage below ${stage.number}`);
    }

    const app = parseWorkload(read, "app");
    const proxy = parseWorkload(read, "proxy", app.image);
    if (app.nodePort === proxy.nodePort) {
        throw new ConfigError("proxyNodePort", proxy.nodePort, `must differ from appNodePort (${app.nodePort})`);
    }

    const calicoVersion = nonEmpty(read, "calicoVersion", "a Calico release such as v3.30.3");
    const calicoApply = optional(read, "calicoApply") === undefined
        ? (mode === "iks" ? "calicoctl" : "api-server")
        : oneOf(read, "calicoApply", CALICO_APPLY_MODES);

    return {
        stage,
        features,
        flavor,
        calicoApply,
        namespace,
        app,
        proxy,
        hostEndpointSelector: check("hostEndpointSelector", optional(read, "hostEndpointSelector") ?? (mode === "iks" ? IKS_HOST_ENDPOINT_SELECTOR : KIND_HOST_ENDPOINT_SELECTOR), calicoSelectorProblem),
        cluster: {
            mode,
            calicoApply,
            kubeconfigContext: optional(read, "kubeconfigContext"),
            renderDirectory: optional(read, "renderDirectory") ?? defaultRenderDirectory(parseScenario(read)),
            calicoVersion,
            kind: {
                name: check("kindClusterName", nonEmpty(read, "kindClusterName", "a kind cluster name"), kindClusterNameProblem),
                nodeImage: check("kindNodeImage", nonEmpty(read, "kindNodeImage", "a kind node image such as kindest/node:v1.33.1"), imageReferenceProblem),
                workers: integer(read, "kindWorkers", 0, 5),
                podSubnet: ipv4Cidr(read, "podSubnet"),
                calicoVersion,
            },
        },
    };
}

/** Reads the stack's configuration through Pulumi (Pulumi.yaml defaults included). */
export function loadLabConfig(): LabConfig {
    const config = new pulumi.Config(PROJECT_NAME);
    return parseLabConfig((key) => config.get(key));
}

/** The stack's raw configuration, for the scenarios' own parsers (scenarios/yaobank/config.ts). */
export function stackConfigReader(): RawConfigReader {
    const config = new pulumi.Config(PROJECT_NAME);
    return (key) => config.get(key);
}
