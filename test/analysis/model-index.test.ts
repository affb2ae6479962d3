// The model's indexes (analysis/model/model-index.ts) answer exactly what a scan of every workload or
// Service answers: the same members, in model order, the first match where a scan stops at one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel, KubeObject } from "../../analysis";
import { serviceBackends } from "../../analysis/model/services";
import { serviceNamed, serviceWithClusterIP, workloadsIn, workloadWithIP } from "../../analysis/model/model-index";

const value = fc.constantFrom("a", "b", "c");
const labels = fc.dictionary(fc.constantFrom("app", "tier", "v"), value, { maxKeys: 3 });
const namespace = fc.constantFrom("x", "y");
const ip = fc.constantFrom("10.0.0.1", "10.0.0.2", "10.0.0.3");

const pod = (name: string, ns: string, podLabels: Record<string, string>, podIP: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: podLabels },
    spec: { containers: [{ name: "c", image: "x" }] },
    status: { podIP },
});
const service = (name: string, ns: string, selector: Record<string, string>, clusterIP: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { selector, clusterIP, ports: [{ port: 80 }] },
});

const cluster = fc.record({
    pods: fc.array(fc.tuple(namespace, labels, ip), { maxLength: 12 }),
    services: fc.array(fc.tuple(namespace, labels, fc.constantFrom("10.96.0.1", "10.96.0.2")), { maxLength: 6 }),
});

describe("model indexes", () => {
    it("give the same backends, Services, workloads and addresses as scanning the model", () => {
        fc.assert(
            fc.property(cluster, ({ pods, services }) => {
                const model = buildModel([
                    ...pods.map(([ns, podLabels, podIP], i) => pod(`p${i}`, ns, podLabels, podIP)),
                    ...services.map(([ns, selector, clusterIP], i) => service(`s${i}`, ns, selector, clusterIP)),
                ]);
                for (const s of model.services) {
                    const scanned = s.selector
                        ? model.workloads.filter((w) => w.namespace === s.namespace && Object.entries(s.selector!).every(([k, v]) => w.labels[k] === v))
                        : [];
                    expect(serviceBackends(model, s)).toEqual(scanned);
                    expect(serviceNamed(model, s.namespace, s.name)).toBe(model.services.find((t) => t.namespace === s.namespace && t.name === s.name));
                }
                for (const address of [0x0a600001, 0x0a600002, 0x0a000001, 0x0a000002, 0x0a000003]) {
                    expect(serviceWithClusterIP(model, address)).toBe(model.services.find((s) => s.clusterIPs.includes(address)));
                    expect(workloadWithIP(model, address)).toBe(model.workloads.find((w) => w.ips.includes(address)));
                }
                for (const ns of ["x", "y", "z"]) expect(workloadsIn(model, ns)).toEqual(model.workloads.filter((w) => w.namespace === ns));
                expect(serviceNamed(model, "x", undefined)).toBeUndefined();
            }),
            { seed: 16, numRuns: 300 },
        );
    });
});
