// The configuration every scenario shares (scenario, stage, flavor, where the cluster is) and the
// readers a scenario's own config.ts validates its keys with. Each scenario reads its stack once
// (its parseConfig) and everything else receives the result, never calling `new pulumi.Config()`.
// Validation is pure so it runs synchronously at program start, before any resource is
// registered, and is unit-testable.
import * as pulumi from "@pulumi/pulumi";
import { CALICO_APPLY_MODES, CalicoApplyMode, CLUSTER_MODE_DESCRIPTORS, CLUSTER_MODES, ClusterMode } from "./components/cluster/modes";
import { imageReferenceProblem, kindClusterNameProblem } from "./config-values";
import { findStageIn, StageRow } from "./scenarios/common/stages";

export const PROJECT_NAME = "calico-zero-trust-lab";

export const FLAVORS = ["calico", "kubernetes"] as const;
export type Flavor = (typeof FLAVORS)[number];

export { CALICO_APPLY_MODES, CLUSTER_MODES } from "./components/cluster/modes";
export type { CalicoApplyMode, ClusterMode } from "./components/cluster/modes";

type ConfigType = "string" | "integer" | "boolean";
export interface ConfigKey {
    type: ConfigType;
    default?: string | number | boolean;
    description: string;
}

/**
 * The keys every scenario reads, with type, default and description; each scenario declares its
 * own beside them (its config.ts), and scenarios/registry.ts gathers all of them into CONFIG_KEYS,
 * which Pulumi.yaml declares (test/config-schema.test.ts keeps the two identical).
 */
export const SHARED_CONFIG_KEYS = {
    scenario: {
        type: "string",
        default: "helloworld",
        description:
            "Which lab: helloworld (IBM's Kubernetes Network Policy and Calico lab) or yaobank (Tigera's Calico security track, docs/yaobank.md). The stage is read against the scenario's stage table.",
    },
    stage: {
        type: "string",
        default: "cluster",
        description:
            "Lab stage, by number (0-5) or name: cluster, helloworld, proxy, deny-all, allow-proxy, lockdown; with scenario yaobank 0-4: cluster, app, p-summary2database, default-app-policy, calico-policies. Stages are cumulative; pulumi up converges forwards or backwards.",
    },
    flavor: {
        type: "string",
        default: "calico",
        description: "Policy flavor: calico (projectcalico.org/v3 policies) or kubernetes (plain NetworkPolicies; cannot express the lockdown stage).",
    },
    cluster: {
        type: "string",
        default: "kind",
        description:
            "Where the lab runs: kind (local, Calico installed by the program), iks (IBM Cloud Kubernetes Service), existing (any kubeconfig context with Calico), render (no cluster: manifests written to renderDirectory).",
    },
    calicoApply: {
        type: "string",
        default: "",
        description:
            "How Calico policies are applied: api-server (projectcalico.org/v3 through the Calico API server) or calicoctl; empty means calicoctl on iks and api-server elsewhere.",
    },
    kubeconfigContext: { type: "string", default: "", description: "kubeconfig context for cluster=existing or cluster=iks (empty: the current context)." },
    renderDirectory: {
        type: "string",
        default: "",
        description:
            "Directory the manifests are written to when cluster=render; empty means rendered/<stack>/<scenario>, so stacks and scenarios never share one.",
    },
    kindClusterName: { type: "string", default: "calico-lab", description: "Name of the kind cluster (cluster=kind)." },
    kindNodeImage: { type: "string", default: "kindest/node:v1.33.1", description: "kind node image, i.e. the Kubernetes version (cluster=kind)." },
    kindWorkers: { type: "integer", default: 1, description: "Worker nodes of the kind cluster besides the control plane (0-5)." },
    podSubnet: { type: "string", default: "192.168.0.0/16", description: "Pod CIDR of the kind cluster, also Calico's IP pool." },
    calicoVersion: {
        type: "string",
        default: "v3.30.3",
        description:
            "Calico release the cluster runs: installed by the tigera-operator on kind (v3.28.0 or later; docs/cluster.md says where each release keeps its CRDs), and on every cluster the release the policy pack judges the stack by (written to the zero-trust-intent ConfigMap; the analyzer models v3.28.0 to v3.32.1, analysis/README.md).",
    },
} as const satisfies Record<string, ConfigKey>;

export type SharedKeyName = keyof typeof SHARED_CONFIG_KEYS;

export interface ClusterSettings {
    mode: ClusterMode;
    /** How Calico documents reach this cluster (the same value as SharedConfig.calicoApply). */
    calicoApply: CalicoApplyMode;
    kubeconfigContext?: string;
    renderDirectory: string;
    /** The Calico release the cluster runs: what kind installs, and what the policy pack judges by. */
    calicoVersion: string;
    kind: { name: string; nodeImage: string; workers: number; podSubnet: string; calicoVersion: string };
}

/** What every scenario's config has besides its own keys. */
export interface SharedConfig {
    flavor: Flavor;
    calicoApply: CalicoApplyMode;
    cluster: ClusterSettings;
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

/** Reads one raw config value (key without the project prefix); undefined when the key is not set. */
export type RawConfigReader = (key: string) => string | undefined;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validating readers of one key table: each returns the key's value (its default when unset) or
 * throws a ConfigError naming the key, the value and what is allowed.
 */
export function keyReaders<Key extends string>(read: RawConfigReader, keys: Record<Key, ConfigKey>) {
    const raw = (key: Key): string => {
        const value = read(key);
        return value === undefined ? String(keys[key].default ?? "") : value;
    };
    return {
        raw,
        oneOf<T extends string>(key: Key, allowed: readonly T[]): T {
            const value = raw(key).trim();
            if (!(allowed as readonly string[]).includes(value)) {
                throw new ConfigError(key, value, `allowed values are ${allowed.join(", ")}`);
            }
            return value as T;
        },
        integer(key: Key, min: number, max: number): number {
            const value = raw(key).trim();
            const parsed = Number(value);
            if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
                throw new ConfigError(key, value, `expected a whole number from ${min} to ${max}`);
            }
            return parsed;
        },
        nonEmpty(key: Key, what: string): string {
            const value = raw(key).trim();
            if (value === "" || /\s/.test(value)) {
                throw new ConfigError(key, value, `expected ${what}`);
            }
            return value;
        },
        optional(key: Key): string | undefined {
            const value = raw(key).trim();
            return value === "" ? undefined : value;
        },
        ipv4Cidr(key: Key): string {
            const value = raw(key).trim();
            const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
            const valid = match?.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
            if (!valid) {
                throw new ConfigError(key, value, "expected an IPv4 CIDR such as 192.168.0.0/16");
            }
            return value;
        },
        /** A DNS-1123 label (a namespace name). */
        dnsLabel(key: Key): string {
            const value = raw(key).trim();
            if (!DNS_1123_LABEL.test(value) || value.length > 63) {
                throw new ConfigError(
                    key,
                    value,
                    "expected a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                );
            }
            return value;
        },
    };
}

/** `value` if `problem` finds nothing wrong with it; else a ConfigError naming the key. */
export function check(key: string, value: string, problem: (value: string) => string | undefined): string {
    const found = problem(value);
    if (found) throw new ConfigError(key, value, found);
    return value;
}

/**
 * The stack's `stage`, read against a scenario's stage table.
 * @param context Put before "allowed stages are ..." in the error, e.g. "with scenario yaobank, ".
 */
export function parseStage<Row extends StageRow>(read: RawConfigReader, stages: readonly Row[], context = ""): Row {
    const value = keyReaders(read, SHARED_CONFIG_KEYS).raw("stage");
    const stage = findStageIn(stages, value);
    if (!stage) {
        const allowed = stages.map((s) => `${s.number} (${s.name})`).join(", ");
        throw new ConfigError("stage", value, `${context}allowed stages are ${allowed}`);
    }
    return stage;
}

/** Where a render stack writes when renderDirectory is empty: rendered/<stack>/<scenario>, relative to the project. */
export function defaultRenderDirectory(scenario: string, stack: string = pulumi.getStack()): string {
    return ["rendered", stack || "stack", scenario].join("/");
}

/**
 * The keys every scenario shares, validated alike for all (flavor, cluster mode, Calico apply
 * mode and release, kind's settings); throws ConfigError on the first bad key.
 * @param scenario The scenario's name, the default render directory's last part.
 */
export function parseSharedConfig(read: RawConfigReader, scenario: string): SharedConfig {
    const keys = keyReaders(read, SHARED_CONFIG_KEYS);
    const flavor = keys.oneOf("flavor", FLAVORS);
    const mode = keys.oneOf("cluster", CLUSTER_MODES);
    const calicoVersion = keys.nonEmpty("calicoVersion", "a Calico release such as v3.30.3");
    const calicoApply =
        keys.optional("calicoApply") === undefined ? CLUSTER_MODE_DESCRIPTORS[mode].defaultCalicoApply : keys.oneOf("calicoApply", CALICO_APPLY_MODES);
    return {
        flavor,
        calicoApply,
        cluster: {
            mode,
            calicoApply,
            kubeconfigContext: keys.optional("kubeconfigContext"),
            renderDirectory: keys.optional("renderDirectory") ?? defaultRenderDirectory(scenario),
            calicoVersion,
            kind: {
                name: check("kindClusterName", keys.nonEmpty("kindClusterName", "a kind cluster name"), kindClusterNameProblem),
                nodeImage: check("kindNodeImage", keys.nonEmpty("kindNodeImage", "a kind node image such as kindest/node:v1.33.1"), imageReferenceProblem),
                workers: keys.integer("kindWorkers", 0, 5),
                podSubnet: keys.ipv4Cidr("podSubnet"),
                calicoVersion,
            },
        },
    };
}

/** The stack's raw configuration, as Pulumi gives it (Pulumi.yaml defaults included), for the scenarios' parsers. */
export function stackConfigReader(): RawConfigReader {
    const config = new pulumi.Config(PROJECT_NAME);
    return (key) => config.get(key);
}
