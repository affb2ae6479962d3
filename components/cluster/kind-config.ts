// The kind cluster configuration (kind.x-k8s.io/v1alpha4) the program generates: no default
// CNI (Calico is the CNI), the pod subnet equal to Calico's IP pool, one control plane and N
// workers on the configured node image. kind decodes its config strictly, so only fields of
// kind's v1alpha4 types appear here (test/cluster/kind-v1alpha4.schema.yaml checks that).
import { stringify } from "yaml";
import { ConfigError } from "../../config";
import type { ClusterSettings } from "../../config";

export interface KindNode {
    role: "control-plane" | "worker";
    image: string;
}

export interface KindClusterConfig {
    kind: "Cluster";
    apiVersion: "kind.x-k8s.io/v1alpha4";
    name: string;
    networking: { disableDefaultCNI: true; podSubnet: string; serviceSubnet: string };
    nodes: KindNode[];
}

/** kind's default IPv4 Service range; the pod subnet must not overlap it. */
export const KIND_SERVICE_SUBNET = "10.96.0.0/16";

function cidrRange(cidr: string): [number, number] {
    const [address, bits] = cidr.split("/");
    const base = address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    const start = base - (base % size);
    return [start, start + size - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
    const [aStart, aEnd] = cidrRange(a);
    const [bStart, bEnd] = cidrRange(b);
    return aStart <= bEnd && bStart <= aEnd;
}

export function kindClusterConfig(kind: ClusterSettings["kind"]): KindClusterConfig {
    if (cidrsOverlap(kind.podSubnet, KIND_SERVICE_SUBNET)) {
        throw new ConfigError("podSubnet", kind.podSubnet, `must not overlap the kind Service subnet ${KIND_SERVICE_SUBNET}; use e.g. 192.168.0.0/16`);
    }
    const node = (role: KindNode["role"]): KindNode => ({ role, image: kind.nodeImage });
    return {
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        name: kind.name,
        networking: { disableDefaultCNI: true, podSubnet: kind.podSubnet, serviceSubnet: KIND_SERVICE_SUBNET },
        nodes: [node("control-plane"), ...Array.from({ length: kind.workers }, () => node("worker"))],
    };
}

export function renderKindConfig(config: KindClusterConfig): string {
    return stringify(config);
}
