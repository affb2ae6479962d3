// Services after DNAT (analysis/model/services.ts; semantics in scenario services-after-dnat): the
// explanation's per-backend verdicts, partial answers, and what is refused.
import { describe, expect, it } from "vitest";
import { deployment, modelOf, verdict } from "./helpers";

const cluster =
    deployment("shop", "web-a", { app: "web", v: "a" }) +
    deployment("shop", "web-b", { app: "web", v: "b" }) +
    deployment("shop", "client", { app: "client" }) +
    `---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {clusterIP: 10.96.1.1, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-a-open, namespace: shop}
spec:
  podSelector: {matchLabels: {v: b}}
  policyTypes: [Ingress]
`;

describe("a connection through a Service", () => {
    it("gives each backend's verdict after DNAT and is allowed only when all allow (partial otherwise)", () => {
        const v = verdict(modelOf(cluster), "shop/client", "service:shop/web", 80);
        expect(v.allowed).toBe(false);
        expect(v.partial).toBe(true);
        expect(v.explanation.backends!.map((b) => [b.backend, b.targetPort, b.allowed])).toEqual([
            ["shop/web-a", 8080, true],
            ["shop/web-b", 8080, false],
        ]);
        expect(v.explanation.service).toMatchObject({ namespace: "shop", name: "web", port: 80, clusterIP: "10.96.1.1", targetPort: "http" });
        expect(v.reason).toContain(
            "blocked: 1 of 2 backends of service shop/web allow it (judged after DNAT); shop/web-b:8080: denied at the end of tier default",
        );
        expect(v.explanation.ingress.endpoint).toBe("shop/web-b");
    });

    it("reaches the Service by its ClusterIP the same way", () => {
        expect(verdict(modelOf(cluster), "shop/client", "external:10.96.1.1", 80).reason).toContain("1 of 2 backends");
    });

    it("refuses a Service as a source, an unknown Service and a port the Service does not have", () => {
        const model = modelOf(cluster);
        expect(() => verdict(model, "service:shop/web", "shop/client", 80)).toThrow("a service can only be a destination");
        expect(() => verdict(model, "shop/client", "service:shop/nope", 80)).toThrow("no such service; known in shop: service:shop/web");
        expect(() => verdict(model, "shop/client", "service:shop/web", 8080)).toThrow("service shop/web has no TCP port 8080; its ports: http=80/TCP");
    });

    it("refuses an EndpointSlice that does not name its Service", () => {
        expect(() =>
            modelOf(
                cluster + "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: shop}\naddressType: IPv4\nendpoints: []\n",
            ),
        ).toThrow("EndpointSlice shop/s: metadata.labels: an EndpointSlice needs the label kubernetes.io/service-name");
    });
});
