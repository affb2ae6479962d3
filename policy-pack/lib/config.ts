// The settings the policies share, as JSON-schema fragments with the lab's defaults. Each policy
// declares the ones it reads in its configSchema; `settingsOf` fills the defaults in, because the
// Pulumi CLI does that for `--policy-pack-config` but unit tests and `policy:check` do not.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { SYSTEM_NAMESPACES } from "../../analysis/system-namespaces";

/** Namespaces that run the cluster itself: no lab policy is expected there (one list, shared with the program's config). */
export { SYSTEM_NAMESPACES };

/** Addresses outside the cluster that no lab policy names: "the world" (TEST-NET-3 and TEST-NET-2, RFC 5737). */
export const UNRELATED_ADDRESSES = ["203.0.113.10", "198.51.100.20"];

export const SETTINGS = {
    systemNamespaces: {
        type: "array",
        items: { type: "string" },
        default: SYSTEM_NAMESPACES,
        description: "Namespaces that run the cluster (DNS, CNI, operators); the zero-trust policies do not judge their workloads.",
    },
    edgeWorkloads: {
        type: "array",
        items: { type: "string" },
        default: ["helloworld-proxy"],
        description: "Workloads meant to be reached from outside the cluster, as <name> (any namespace) or <namespace>/<name>. The lab's edge is the proxy.",
    },
    dnsNamespace: { type: "string", default: "kube-system", description: "Namespace of the cluster DNS pods." },
    dnsLabels: {
        type: "object",
        additionalProperties: { type: "string" },
        default: { "k8s-app": "kube-dns" },
        description: "Labels of the cluster DNS pods (kube-dns and CoreDNS both carry k8s-app=kube-dns).",
    },
    dnsPort: { type: "integer", minimum: 1, maximum: 65535, default: 53, description: "Port cluster DNS listens on (UDP and TCP)." },
    unrelatedAddresses: {
        type: "array",
        items: { type: "string" },
        default: UNRELATED_ADDRESSES,
        description: "IPv4 addresses outside the cluster that stand for an arbitrary client or server on the internet.",
    },
    probePort: {
        type: "integer",
        minimum: 1,
        maximum: 65535,
        default: 47123,
        description: "An arbitrary port no workload is meant to use: a connection on it succeeds only if policy allows everything.",
    },
    calicoVersion: {
        type: "string",
        default: "",
        description:
            "The Calico release whose enforcement is judged (v3.28.0 to v3.32.1, or a minor such as 3.31); empty: the release the stack states " +
            "(the zero-trust-intent ConfigMap's calico-version, from the program's calicoVersion config), else v3.30.3.",
    },
    hostEndpoints: {
        type: "string",
        enum: ["auto", "on", "off"],
        default: "auto",
        description:
            "Whether nodes have Calico automatic host endpoints: on, off, or auto (assumed when the objects hold preDNAT or applyOnForward policies but no HostEndpoint, as the lab's lockdown stage on kind does).",
    },
} as const satisfies Record<string, PolicyConfigJSONSchema>;

export interface Settings {
    systemNamespaces: string[];
    edgeWorkloads: string[];
    dnsNamespace: string;
    dnsLabels: Record<string, string>;
    dnsPort: number;
    unrelatedAddresses: string[];
    probePort: number;
    hostEndpoints: "auto" | "on" | "off";
    calicoVersion: string;
}

export type SettingName = keyof Settings;

/** A configSchema made of shared settings (plus any policy-specific ones). */
export function schemaOf(names: SettingName[], extra: PolicyConfigSchema["properties"] = {}): PolicyConfigSchema {
    const properties: PolicyConfigSchema["properties"] = {};
    for (const name of names) properties[name] = structuredClone(SETTINGS[name]) as PolicyConfigJSONSchema;
    return { properties: { ...properties, ...extra } };
}

/** The defaults of a configSchema, as the Pulumi CLI fills them in. */
export function defaultsOf(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        if (typeof property === "object" && property.default !== undefined) out[key] = structuredClone(property.default);
    }
    return out;
}

/** Per schema, its defaults over the shared ones, as JSON: each call reads a fresh copy (structuredClone per resource was slow). */
const defaultTexts = new WeakMap<object, string>();
const NO_SCHEMA = {};

function freshDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    let text = defaultTexts.get(schema ?? NO_SCHEMA);
    if (text === undefined) {
        // Shared settings a policy does not expose keep their defaults (the cluster view reads them all).
        text = JSON.stringify({ ...defaultsOf({ properties: SETTINGS as unknown as PolicyConfigSchema["properties"] }), ...defaultsOf(schema) });
        defaultTexts.set(schema ?? NO_SCHEMA, text);
    }
    return JSON.parse(text) as Record<string, unknown>;
}

/** The policy's configuration with defaults for what the user did not set. */
export function settingsOf<T extends object>(args: { getConfig<C extends object>(): C }, schema: PolicyConfigSchema | undefined): T {
    const given = (args.getConfig<Record<string, unknown>>() ?? {}) as Record<string, unknown>;
    const merged = freshDefaults(schema);
    for (const [key, value] of Object.entries(given)) if (value !== undefined && key !== "enforcementLevel") merged[key] = value;
    return merged as T;
}
