/**
 * Indexes over a built model, made once per model on first use: Services by namespace and name and
 * by ClusterIP, workloads by namespace, by pod label and by address. A query then looks up what it
 * names instead of scanning every workload or Service, so its cost does not grow with the cluster.
 * Every lookup answers exactly what the scan it replaces did (the first match in model order; lists
 * in model order). The model is not changed after buildModel, so the indexes never go stale.
 */
import type { ClusterModel, Service, Workload } from "./model-types";
import type { Labels } from "../types";

interface ModelIndex {
    services: Map<string, Map<string, Service>>;
    servicesByClusterIP: Map<number, Service>;
    workloads: Map<string, Workload[]>;
    /** namespace -> label key -> label value -> workloads (pod template labels). */
    labels: Map<string, Map<string, Map<string, Workload[]>>>;
    workloadsByIP: Map<number, Workload>;
}

const indexes = new WeakMap<ClusterModel, ModelIndex>();

function indexOf(model: ClusterModel): ModelIndex {
    let index = indexes.get(model);
    if (index) return index;
    index = { services: new Map(), servicesByClusterIP: new Map(), workloads: new Map(), labels: new Map(), workloadsByIP: new Map() };
    for (const service of model.services) {
        const byName = getOrCreate(index.services, service.namespace, () => new Map<string, Service>());
        if (!byName.has(service.name)) byName.set(service.name, service);
        for (const ip of service.clusterIPs) if (!index.servicesByClusterIP.has(ip)) index.servicesByClusterIP.set(ip, service);
    }
    for (const workload of model.workloads) {
        getOrCreate(index.workloads, workload.namespace, () => []).push(workload);
        const byKey = getOrCreate(index.labels, workload.namespace, () => new Map<string, Map<string, Workload[]>>());
        for (const key of Object.keys(workload.labels)) {
            getOrCreate(
                getOrCreate(byKey, key, () => new Map<string, Workload[]>()),
                workload.labels[key]!,
                () => [],
            ).push(workload);
        }
        for (const ip of workload.ips) if (!index.workloadsByIP.has(ip)) index.workloadsByIP.set(ip, workload);
    }
    indexes.set(model, index);
    return index;
}

export function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
    let value = map.get(key);
    if (value === undefined) {
        value = create();
        map.set(key, value);
    }
    return value;
}

/** The Service `namespace/name`, if the model has it. */
export function serviceNamed(model: ClusterModel, namespace: string | undefined, name: string | undefined): Service | undefined {
    if (namespace === undefined || name === undefined) return undefined;
    return indexOf(model).services.get(namespace)?.get(name);
}

/** The first Service (in model order) with this ClusterIP. */
export function serviceWithClusterIP(model: ClusterModel, ip: number): Service | undefined {
    return indexOf(model).servicesByClusterIP.get(ip);
}

/** The workloads of a namespace, in model order. */
export function workloadsIn(model: ClusterModel, namespace: string | undefined): readonly Workload[] {
    return (namespace !== undefined && indexOf(model).workloads.get(namespace)) || [];
}

/**
 * The workloads of `namespace` whose pod labels hold every pair of `selector` (a Service selector),
 * in model order: the shortest list of workloads holding one of the pairs, filtered by the others.
 */
export function workloadsSelected(model: ClusterModel, namespace: string, selector: Labels): Workload[] {
    const byKey = indexOf(model).labels.get(namespace);
    const pairs = Object.entries(selector);
    if (!pairs.length) return [...workloadsIn(model, namespace)];
    let shortest: Workload[] | undefined;
    for (const [key, value] of pairs) {
        const holding = byKey?.get(key)?.get(value);
        if (!holding) return [];
        if (!shortest || holding.length < shortest.length) shortest = holding;
    }
    return shortest!.filter((w) => pairs.every(([k, v]) => w.labels[k] === v));
}

/** The first workload (in model order) with this known pod address. */
export function workloadWithIP(model: ClusterModel, ip: number): Workload | undefined {
    return indexOf(model).workloadsByIP.get(ip);
}
