/**
 * Connections through a Service, judged after DNAT as Calico does: kube-proxy rewrites the
 * ClusterIP and Service port to one backend's address and targetPort before the packet meets policy,
 * so the client's egress policy sees the backend (a pod, or e.g. the API server on node:6443 behind
 * the `kubernetes` Service), never the ClusterIP (Calico docs services-cluster-ips.mdx: policy is
 * enforced on the DNATed packet). A connection through a Service is allowed only when every backend
 * allows it: which backend answers is up to kube-proxy.
 *
 * Backends: the pods the selector matches (targetPort by number, or by name per pod); for a Service
 * without selector, the addresses of its Endpoints / EndpointSlices (a known pod, a node, or an
 * address outside the cluster) with their ports. A headless Service (clusterIP: None) has no DNAT:
 * clients connect to the backends' addresses on the port they choose.
 */
import { AnalysisInputError } from "../errors";
import { locate, protocolOf } from "../input/manifests";
import type { ClusterModel, Service, ServiceEndpoint, ServicePort, Workload } from "./model-types";
import { modelCache } from "./model-cache";
import { workloadsSelected, workloadWithIP } from "./model-index";
import { addressFamily, formatIPv4, parseIPv4 } from "../net";
import { hostParty, Party, partyName } from "../engine/parties";
import type { KubeObject, Protocol } from "../types";

/** Parses an Endpoints (v1) or EndpointSlice (discovery.k8s.io) object: whose Service, which addresses and ports. */
export function endpointsOf(object: KubeObject): { namespace: string; service: string; endpoints: ServiceEndpoint[] } {
    const namespace = object.metadata.namespace || "default";
    const list = (raw: unknown, key: string): any[] => {
        if (raw === undefined || raw === null) return [];
        if (!Array.isArray(raw)) throw new AnalysisInputError(`expected a list, got ${JSON.stringify(raw)}`, locate(object, key));
        return raw;
    };
    const portsOf = (raw: unknown, key: string) =>
        list(raw, key).map((p, i) => {
            const port = Number(p?.port);
            if (!Number.isInteger(port) || port < 1 || port > 65535)
                throw new AnalysisInputError(`port ${JSON.stringify(p?.port)} is not a port number`, locate(object, `${key}[${i}].port`));
            return { port, protocol: protocolOf(p.protocol, object, `${key}[${i}].protocol`), ...(p.name ? { name: String(p.name) } : {}) };
        });
    const address = (raw: unknown, key: string): number | undefined => {
        if (typeof raw === "string" && addressFamily(raw) === 6) return undefined; // IPv6: outside this IPv4 model
        const ip = parseIPv4(String(raw ?? ""));
        if (ip === undefined) throw new AnalysisInputError(`${JSON.stringify(raw)} is not an IP address`, locate(object, key));
        return ip;
    };
    const podOf = (ref: any) =>
        ref?.kind === "Pod" && typeof ref.name === "string" ? { namespace: String(ref.namespace ?? namespace), name: ref.name } : undefined;
    if (object.kind === "Endpoints") {
        const endpoints = list(object.subsets, "subsets").flatMap((subset, s) => {
            const ports = portsOf(subset?.ports, `subsets[${s}].ports`);
            // notReadyAddresses receive no traffic from kube-proxy.
            return list(subset?.addresses, `subsets[${s}].addresses`).flatMap((a, i): ServiceEndpoint[] => {
                const ip = address(a?.ip, `subsets[${s}].addresses[${i}].ip`);
                const pod = podOf(a?.targetRef);
                return ip === undefined ? [] : [{ ip, ports, ...(pod ? { pod } : {}) }];
            });
        });
        return { namespace, service: object.metadata.name, endpoints };
    }
    const service = object.metadata.labels?.["kubernetes.io/service-name"];
    if (typeof service !== "string" || !service) {
        throw new AnalysisInputError("an EndpointSlice needs the label kubernetes.io/service-name naming its Service", locate(object, "metadata.labels"));
    }
    const ports = portsOf((object as any).ports, "ports");
    const endpoints = list((object as any).endpoints, "endpoints").flatMap((e, i): ServiceEndpoint[] => {
        if (e?.conditions?.ready === false) return []; // not ready: kube-proxy sends nothing there
        const pod = podOf(e?.targetRef);
        return list(e?.addresses, `endpoints[${i}].addresses`).flatMap((text, j) => {
            const ip = address(text, `endpoints[${i}].addresses[${j}]`);
            return ip === undefined ? [] : [{ ip, ports, ...(pod ? { pod } : {}) }];
        });
    });
    return { namespace, service, endpoints };
}

/** A place a Service sends traffic to, and the port it lands on for a given Service port. */
export interface ServiceBackend {
    party: Party;
    /** The destination port after DNAT; undefined when the backend has no such port (no traffic gets there). */
    targetPort(servicePort: ServicePort): number | undefined;
}

const backendCache = modelCache<Service, ServiceBackend[]>();

/** The backends of a Service: selected pods, or the addresses of its Endpoints/EndpointSlices (computed once per model). */
export function serviceBackendsOf(model: ClusterModel, service: Service): ServiceBackend[] {
    const byService = backendCache(model);
    let backends = byService.get(service);
    if (!backends) {
        backends = findBackends(model, service);
        byService.set(service, backends);
    }
    return backends;
}

function findBackends(model: ClusterModel, service: Service): ServiceBackend[] {
    if (service.selector) {
        return serviceBackends(model, service).map((workload) => ({
            party: { kind: "workload", workload },
            targetPort: (sp) => resolveTargetPort(sp, workload),
        }));
    }
    const seen = new Set<string>();
    return (service.endpoints ?? []).flatMap((endpoint): ServiceBackend[] => {
        const party = endpointParty(model, endpoint);
        const name = partyName(party);
        if (seen.has(name)) return [];
        seen.add(name);
        return [
            {
                party,
                // Endpoints ports carry the Service port's name (unnamed when the Service has one port).
                targetPort: (sp) =>
                    endpoint.ports.find((p) => p.protocol === sp.protocol && (p.name ?? "") === (sp.name ?? ""))?.port ??
                    (endpoint.ports.length === 1 && endpoint.ports[0]!.protocol === sp.protocol ? endpoint.ports[0]!.port : undefined),
            },
        ];
    });
}

function endpointParty(model: ClusterModel, endpoint: ServiceEndpoint): Party {
    const byRef = endpoint.pod && model.workloadsById.get(`${endpoint.pod.namespace}/${endpoint.pod.name}`);
    const workload = byRef || workloadWithIP(model, endpoint.ip);
    if (workload) return { kind: "workload", workload };
    const node = model.nodes.find((n) => n.ip === endpoint.ip);
    if (node) return hostParty(node);
    return { kind: "external", ip: endpoint.ip, text: formatIPv4(endpoint.ip) };
}

/** The Service port a client addresses: by number or by the port's name. */
export function findServicePort(service: Service, port: number | string, protocol: Protocol): ServicePort {
    const found = service.ports.find((p) => p.protocol === protocol && (typeof port === "number" ? p.port === port : p.name === port));
    if (found) return found;
    const known = service.ports.map((p) => `${p.name ? `${p.name}=` : ""}${p.port}/${p.protocol}`).join(", ") || "none";
    throw new AnalysisInputError(`service ${service.namespace}/${service.name} has no ${protocol} port ${JSON.stringify(port)}; its ports: ${known}`);
}

/** Backends of a service: workloads in its namespace whose pod labels match its selector (through the model's label index). */
export function serviceBackends(model: ClusterModel, service: Service): Workload[] {
    const selector = service.selector;
    if (!selector) return [];
    return workloadsSelected(model, service.namespace, selector);
}

/** The container port a service port's targetPort lands on for one backend (named targetPorts resolve per pod). */
export function resolveTargetPort(servicePort: ServicePort, backend: Workload): number | undefined {
    if (typeof servicePort.targetPort === "number") return servicePort.targetPort;
    return backend.ports.find((p) => p.name === servicePort.targetPort && p.protocol === servicePort.protocol)?.port;
}
