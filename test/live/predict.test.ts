// The live verification's predictions judge the cluster as the Calico release it runs enforces it
// (analysis/model/calico-releases.ts): calico-node's ClusterInformation, else the intent ConfigMap's calico-version.
import { describe, expect, it } from "vitest";
import { analyzerOptions } from "../../live/predict";
import type { PlainObject } from "../../live/cluster";

const intent = (version: string): PlainObject =>
    ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "zero-trust-intent", namespace: "lab" },
        data: { "calico-version": version },
    }) as unknown as PlainObject;
const clusterInformation = (version: string): PlainObject =>
    ({
        apiVersion: "projectcalico.org/v3",
        kind: "ClusterInformation",
        metadata: { name: "default" },
        spec: { calicoVersion: version },
    }) as unknown as PlainObject;

describe("the Calico release of the live cluster", () => {
    it("is the one calico-node reports, else the one the stack states, else the analyzer's default", () => {
        expect(analyzerOptions([intent("v3.29.0"), clusterInformation("v3.31.2")], []).calicoVersion).toBe("v3.31.2");
        expect(analyzerOptions([intent("v3.29.0")], []).calicoVersion).toBe("v3.29.0");
        expect(analyzerOptions([], []).calicoVersion).toBeUndefined();
    });

    it("is the release part of a build's version: a suffix after it does not make the cluster unreadable", () => {
        expect(analyzerOptions([clusterInformation("v3.28.5-host-processes")], []).calicoVersion).toBe("v3.28.5");
        expect(analyzerOptions([clusterInformation("v3.30.3-0.dev-123-gabcdef")], []).calicoVersion).toBe("v3.30.3");
    });
});
