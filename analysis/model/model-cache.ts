import type { ClusterModel } from "./model-types";

/**
 * A cache whose entries live as long as their model: one weak entry per model holding a plain Map.
 * A WeakMap keyed by each of a large model's objects (hundreds of thousands of workloads or rule
 * entities) makes every garbage collection walk its entries, which cost a third of a
 * 100,000-workload matrix's time.
 */
export function modelCache<K, V>(): (model: ClusterModel) => Map<K, V> {
    const byModel = new WeakMap<ClusterModel, Map<K, V>>();
    return (model) => {
        let entries = byModel.get(model);
        if (!entries) {
            entries = new Map();
            byModel.set(model, entries);
        }
        return entries;
    };
}
