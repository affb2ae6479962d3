// A differential scenario as data: namespaces, pods (each listening on its ports), Services in
// front of single pods, and the policies and network sets under test. It is what the generator
// makes, what the shrinker cuts down and what a reproduction file holds (YAML).
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { parseEnvFile } from "./options";
import type { PlainObject } from "../../live/cluster";

export type Protocol = "TCP" | "UDP";

export interface ScenarioNamespace {
    name: string;
    labels: Record<string, string>;
}

export interface ScenarioPort {
    port: number;
    protocol: Protocol;
    name?: string;
}

export interface ScenarioPod {
    namespace: string;
    name: string;
    labels: Record<string, string>;
    serviceAccount: string;
    /** The listener answers on every one of these (scripts/cluster/images/listen). */
    ports: ScenarioPort[];
}

export interface ScenarioServicePort {
    port: number;
    protocol: Protocol;
    targetPort: number | string;
}

export interface ScenarioService {
    namespace: string;
    name: string;
    type: "ClusterIP" | "NodePort";
    /** The one pod behind it (selected by its df-pod label): through a ClusterIP one backend is one verdict. */
    pod: string;
    ports: ScenarioServicePort[];
}

/**
 * The node's side of a scenario: the labels the tier gives the cluster's host endpoint (on the
 * node's interface to the world, scripts/cluster/up.sh CLUSTER_HOST_ENDPOINT) for the scenario,
 * besides its own and df-scope, and whether it keeps its expectedIPs (rule selectors resolve a host
 * endpoint through them only). The host policies are GlobalNetworkPolicies in `objects`.
 */
export interface ScenarioHost {
    labels: Record<string, string>;
    expectedIPs: boolean;
}

export interface Scenario {
    seed: number;
    /** s<seed>; global objects are named after it, namespaced ones live in its namespaces. */
    name: string;
    namespaces: ScenarioNamespace[];
    pods: ScenarioPod[];
    services: ScenarioService[];
    /** Policies and network sets, applied in this order. */
    objects: PlainObject[];
    /** Absent: the host endpoint stays as the cluster has it (no policy selects it). */
    host?: ScenarioHost;
}

const CLUSTER_ADDRESSES = parseEnvFile(fs.readFileSync(path.join(__dirname, "..", "..", "scripts", "cluster", "addresses.env"), "utf8"));

function address(key: string): string {
    const value = CLUSTER_ADDRESSES[key];
    if (!value) throw new Error(`scripts/cluster/addresses.env does not set ${key}`);
    return value;
}

/**
 * Addresses of the real cluster the generator writes into nets and ipBlocks, read from the one
 * source the cluster's scripts read too (scripts/cluster/addresses.env): the pod CIDR, the node's
 * network, the outside netns' and the node's address on it, and the world's "internet" address.
 * A seed makes the same scenario on every cluster built from this checkout; the runner checks the
 * running cluster's description agrees.
 */
export const ADDRESSES = {
    podCidr: address("POD_CIDR"),
    nodeNet: address("NODE_NET"),
    /** The outside netns' own address: the source of its NodePort calls. */
    outside: address("OUTSIDE_IP"),
    /** The node's address on that network (CLUSTER_NODE_ADDRESS; the runner checks it). */
    nodeAddress: address("NODE_IP"),
    /** The world's internet host: TCP 443 (a listener) and DNS on 53 (world-dns). */
    internet: address("INTERNET_IP"),
} as const;

/**
 * The node's own listeners (the tier's process, node-listener.ts), HTTP on each: a port no policy
 * of the cluster's names, and 5473, one of Felix's default failsafe inbound ports (FelixConfiguration
 * failsafeInboundHostPorts), which host endpoint policy never closes. Not 6666 or 6667, also failsafe:
 * fetch refuses them ("bad ports", fetch.spec.whatwg.org #port-blocking), and the world probes with fetch.
 */
export const NODE_PORTS = { open: 7070, failsafe: 5473 } as const;

/** Labels every scenario pod carries besides its random ones. */
export const POD_NAME_LABEL = "df-pod";
/** Only scenario pods carry it: global policies are scoped with it, so they never touch the cluster's own pods. */
export const SCOPE_LABEL = "df-scope";
/** On namespaces and global objects: which scenario made them (cleanup finds them by it). */
export const SCENARIO_LABEL = "df-scenario";

export function toYaml(scenario: Scenario): string {
    return stringify(scenario, { lineWidth: 0 });
}

export function fromYaml(text: string, source: string): Scenario {
    const value = parse(text) as Scenario | null;
    if (
        !value ||
        typeof value.seed !== "number" ||
        !Array.isArray(value.namespaces) ||
        !Array.isArray(value.pods) ||
        !Array.isArray(value.services) ||
        !Array.isArray(value.objects)
    ) {
        throw new Error(`${source}: not a differential scenario (expected seed, name, namespaces, pods, services, objects)`);
    }
    return value;
}
