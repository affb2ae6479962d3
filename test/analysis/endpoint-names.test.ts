import { describe, expect, it } from "vitest";
import { parseEndpointName } from "../../analysis";

describe("endpoint names", () => {
    it.each([
        ["lab/web", { kind: "workload", namespace: "lab", name: "web" }],
        ["external:203.0.113.10", { kind: "external", address: "203.0.113.10" }],
        ["node:worker-1", { kind: "node", node: "worker-1" }],
        ["node:worker-1/eth1", { kind: "node", node: "worker-1", interface: "eth1" }],
        ["nodeport:lab/web", { kind: "nodeport", namespace: "lab", service: "web" }],
        ["service:lab/web", { kind: "service", namespace: "lab", service: "web" }],
    ])("%s", (text, parsed) => {
        expect(parseEndpointName(text)).toEqual(parsed);
    });

    it.each([
        "web",
        "lab/",
        "/web",
        "lab/web/extra",
        "external:",
        "external:a/b",
        "node:",
        "node:worker-1/",
        "node:a/b/c",
        "nodeport:lab",
        "service:lab/web/x",
        "service:/web",
    ])("refuses %j", (text) => {
        expect(parseEndpointName(text)).toBeUndefined();
    });
});
