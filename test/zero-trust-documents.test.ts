// The policy documents of both flavors, rule by rule, against readable YAML fixtures.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { PolicyDocument, zeroTrustDocuments, ZeroTrustIntent } from "../components/zero-trust-documents";

const fixture = (name: string): PolicyDocument[] =>
    parseAllDocuments(fs.readFileSync(path.join(__dirname, "fixtures", "policies", name), "utf8")).map((d) => d.toJS());

const LAB: Omit<ZeroTrustIntent, "flavor" | "defaultDeny" | "allowProxy" | "lockdown"> = {
    namespace: "zero-trust-lab",
    app: { app: "helloworld", port: 8080 },
    proxy: { app: "helloworld-proxy", port: 8080 },
    proxyNodePort: 30081,
    hostEndpointSelector: "has(kubernetes.io/hostname)",
};
const atStage = (flavor: "calico" | "kubernetes", stage: number) =>
    zeroTrustDocuments({
        ...LAB,
        flavor,
        defaultDeny: stage >= 3,
        allowProxy: stage >= 4,
        lockdown: stage >= 5,
    });
const names = (documents: PolicyDocument[]) => documents.map((d) => `${d.kind}/${d.metadata.name}`);

describe("calico flavor", () => {
    const lockdown = fixture("calico-lockdown.yaml");

    it("at the lockdown stage is exactly the reviewed fixture", () => {
        expect(atStage("calico", 5)).toEqual(lockdown);
    });

    it("grows stage by stage: nothing before deny-all, then the default deny, the allowed flows, the lockdown", () => {
        expect(atStage("calico", 2)).toEqual([]);
        expect(names(atStage("calico", 3))).toEqual(["GlobalNetworkPolicy/zero-trust-lab-default-deny"]);
        expect(atStage("calico", 4)).toEqual(lockdown.slice(0, 4));
    });

    it("sets an explicit order and types on every policy", () => {
        for (const document of lockdown) {
            expect(typeof document.spec.order, document.metadata.name).toBe("number");
            expect(Array.isArray(document.spec.types), document.metadata.name).toBe(true);
        }
    });

    it("allows DNS on UDP and TCP 53 to kube-dns in kube-system and nothing broader", () => {
        const [defaultDeny] = lockdown;
        expect(defaultDeny.spec.namespaceSelector).toBe("projectcalico.org/name == 'zero-trust-lab'");
        expect(defaultDeny.spec.ingress).toBeUndefined();
        const egress = defaultDeny.spec.egress as Record<string, any>[];
        expect(egress.map((rule) => rule.protocol)).toEqual(["UDP", "TCP"]);
        for (const rule of egress) {
            expect(rule.destination).toEqual({ namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] });
        }
    });

    it("locks down every NodePort but the proxy's, before DNAT, on the configured host endpoints", () => {
        const nodeports = atStage("calico", 5).at(-1)!;
        expect(nodeports.spec).toMatchObject({ preDNAT: true, applyOnForward: true, types: ["Ingress"], selector: "has(kubernetes.io/hostname)" });
        const iks = zeroTrustDocuments({
            ...LAB,
            flavor: "calico",
            defaultDeny: true,
            allowProxy: true,
            lockdown: true,
            hostEndpointSelector: "ibm.role == 'worker_public'",
            proxyNodePort: 31234,
        }).at(-1)!;
        expect(iks.spec.selector).toBe("ibm.role == 'worker_public'");
        expect((iks.spec.ingress as any[])[0].destination.notPorts).toEqual([31234]);
    });
});

describe("kubernetes flavor", () => {
    it("at the allow-proxy stage is exactly the reviewed fixture", () => {
        expect(atStage("kubernetes", 4)).toEqual(fixture("kubernetes-allow-proxy.yaml"));
    });

    it("has the same policies by name as the calico flavor, stage by stage", () => {
        const base = (name: string) => name.replace(/^zero-trust-lab-/, "");
        for (const stage of [0, 1, 2, 3, 4]) {
            expect(atStage("kubernetes", stage).map((d) => d.metadata.name)).toEqual(atStage("calico", stage).map((d) => base(d.metadata.name)));
        }
    });

    it("refuses the lockdown: NetworkPolicy cannot select host endpoints", () => {
        expect(() => atStage("kubernetes", 5)).toThrow(/lockdown stage needs Calico host endpoint policy/);
    });
});
