/**
 * The model's shapes: the cluster as the analyzer sees it (namespaces, workload endpoints, services,
 * host endpoints, nodes, tiers, network sets and the normalized policies) and the parties of a
 * connection. Types only, apart from the code that builds them (model.ts and the readers it calls)
 * and the code that reads them (the engine, the query, the matrix).
 */
import type { CalicoRelease } from "./calico-releases";
import type { FelixSettings } from "./felix-config";
import type { Cidr } from "../net";
import type { Policy, Tier } from "./policies";
import type { Labels, Protocol } from "../types";

export interface AnalyzerOptions {
    /**
     * Whether a Kubernetes ipBlock can match pod IPs. Calico (the default, true) turns ipBlock into
     * `nets` that match any address, pods included (libcalico-go k8s conversion; Kubernetes e2e
     * netpol expects the same). false follows netpol-analyzer: ipBlocks only match cluster-external
     * addresses.
     */
    ipBlockMatchesPods?: boolean;
    /** Pod address range for pods whose IP is unknown. Default: an IPPool's cidr, else 192.168.0.0/16 (Calico's default pool). */
    podCIDR?: string;
    /** The nodes' automatic host endpoints (kube-controllers `hostEndpoint.autoCreate: Enabled`). */
    hostEndpoints?: AutoHostEndpointOptions;
    /**
     * How the client of NodePort traffic with `externalTrafficPolicy: Cluster` appears to the backend
     * pod: with the client's address when the backend runs on the receiving node, with the receiving
     * node's address (SNAT) when it runs on another node. "both" (default) requires both to be allowed.
     */
    nodePortSource?: "both" | "client" | "node";
    /** Objects of unknown kinds are ignored instead of rejected. */
    ignoreUnknownKinds?: boolean;
    /**
     * The Calico release whose enforcement is judged ("v3.30.3", "3.30"): which kinds it enforces,
     * its tiers, conversions and validator rules (calico-releases.ts). Default DEFAULT_CALICO_VERSION.
     */
    calicoVersion?: string;
}

export interface AutoHostEndpointOptions {
    auto: boolean;
    /** Default: one representative node named "node". */
    nodeName?: string;
    /** Default: kubernetes.io/hostname=<nodeName>, kubernetes.io/os=linux. */
    nodeLabels?: Record<string, string>;
    /** Default: 172.18.0.2 (a kind node). */
    nodeIP?: string;
}

export interface ResolvedOptions {
    ipBlockMatchesPods: boolean;
    podCIDR: Cidr;
    nodePortSource: "both" | "client" | "node";
    autoHostEndpoints: boolean;
    autoHostEndpointsReason?: string;
    calicoRelease: CalicoRelease;
}

export interface Namespace {
    name: string;
    labels: Labels;
    declared: boolean;
}

export interface ContainerPort {
    name?: string;
    port: number;
    protocol: Protocol;
}

export interface Workload {
    /** "<namespace>/<name>" */
    id: string;
    namespace: string;
    name: string;
    kind: string;
    /** Pod template labels. */
    labels: Labels;
    serviceAccount: string;
    ports: ContainerPort[];
    /** Known pod addresses (a Pod's status.podIP), as numbers. */
    ips: number[];
    hostNetwork: boolean;
    /** The node a Pod is bound to (spec.nodeName, as read back from a cluster); unknown for templates. */
    node?: string;
    /** Labels Calico selectors see: pod labels plus projectcalico.org/{namespace,orchestrator,serviceaccount}. */
    calicoLabels: Labels;
}

export interface ServicePort {
    name?: string;
    port: number;
    targetPort: number | string;
    nodePort?: number;
    protocol: Protocol;
}

export interface Service {
    namespace: string;
    name: string;
    type: string;
    selector?: Labels;
    ports: ServicePort[];
    externalTrafficPolicy: "Cluster" | "Local";
    /** spec.clusterIP(s), IPv4 only; empty when headless or not yet assigned. */
    clusterIPs: number[];
    /** clusterIP: None: clients reach the backends' addresses directly, no DNAT. */
    headless: boolean;
    /** From the Service's Endpoints / EndpointSlices when the input has them (what a selector-less Service reaches). */
    endpoints?: ServiceEndpoint[];
}

export interface HostEndpoint {
    name: string;
    node: string;
    labels: Labels;
    interfaceName?: string;
    expectedIPs: number[];
    profiles: string[];
    /** Created by kube-controllers (auto host endpoint), not declared in the input. */
    auto: boolean;
}

export interface NetworkSet {
    name: string;
    namespace?: string;
    labels: Labels;
    nets: Cidr[];
}

export interface ServiceAccount {
    namespace: string;
    name: string;
    labels: Labels;
}

/** A node: its InternalIP (`ip`), its ExternalIP when it has one (where the world reaches it), its host endpoints. */
export interface Node {
    name: string;
    ip: number;
    ipText: string;
    externalIp?: number;
    hostEndpoints: HostEndpoint[];
}

export interface ClusterModel {
    options: ResolvedOptions;
    namespaces: Map<string, Namespace>;
    workloads: Workload[];
    workloadsById: Map<string, Workload>;
    services: Service[];
    serviceAccounts: Map<string, ServiceAccount>;
    hostEndpoints: HostEndpoint[];
    nodes: Node[];
    networkSets: NetworkSet[];
    tiers: Map<string, Tier>;
    /** Sorted in evaluation order: tier order, then policy order (missing = last), then name. */
    policies: Policy[];
    /** Failsafe ports and the endpoint-to-host action (felix-config.ts). */
    felix: FelixSettings;
    warnings: string[];
}

/** One address of a Service's Endpoints or EndpointSlice. */
export interface ServiceEndpoint {
    ip: number;
    /** The pod the endpoint is, when the object says so (targetRef kind Pod). */
    pod?: { namespace: string; name: string };
    ports: { name?: string; port: number; protocol: Protocol }[];
}

export type Party =
    | { kind: "workload"; workload: Workload }
    | { kind: "host"; node: Node; ip: number; hostEndpoint?: HostEndpoint }
    | { kind: "external"; ip: number; text: string };

/** What a Calico selector can see of an endpoint or network set. */
export interface Identity {
    labels: Labels;
    namespace?: string;
    /** Namespace labels (Calico's pcns.* profile labels). */
    namespaceLabels?: Labels;
    /** Service account labels plus projectcalico.org/name (Calico's pcsa.* labels). */
    serviceAccountLabels?: Labels;
}

/** The profile and label of the host endpoints Calico creates for each node (automatic host endpoints). */
export const AUTO_HEP_PROFILE = "projectcalico-default-allow";
export const AUTO_HEP_LABEL = { "projectcalico.org/created-by": "calico-kube-controllers" };
