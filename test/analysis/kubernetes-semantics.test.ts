// Kubernetes NetworkPolicy semantics, one rule per test. Source unless noted:
// kubernetes.io/docs/concepts/services-networking/network-policies.
import { describe, expect, it } from "vitest";
import { allowed, BASE, modelOf, verdict } from "./helpers";

const knp = (name: string, namespace: string, spec: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec.replace(/^/gm, "  ")}
`;

const DENY_ALL = knp("deny-all", "lab", "podSelector: {}\npolicyTypes: [Ingress, Egress]");

describe("Kubernetes NetworkPolicy", () => {
    it("allows everything when no policy selects a pod (non-isolated)", () => {
        const model = modelOf(BASE);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(true);
        expect(verdict(model, "lab/web", "lab/api", 8080).explanation.ingress.decidedBy).toBe("no-policy");
    });

    it("isolates per direction: an Ingress-only policy leaves egress open", () => {
        const model = modelOf(BASE + knp("ingress-only", "lab", "podSelector: {}\npolicyTypes: [Ingress]"));
        expect(allowed(model, "lab/web", "external:1.1.1.1", 443)).toBe(true);
        expect(allowed(model, "other/client", "lab/web", 8080)).toBe(false);
    });

    it("defaults policyTypes to Ingress, plus Egress when there are egress rules: an egress-only policy also isolates ingress", () => {
        const model = modelOf(BASE + knp("egress-dns", "lab", "podSelector: {}\negress:\n- ports: [{port: 53, protocol: UDP}]"));
        expect(allowed(model, "other/client", "lab/web", 8080)).toBe(false);
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/UDP")).toBe(true);
        expect(allowed(model, "lab/web", "external:1.1.1.1", 443)).toBe(false);
    });

    it("ignores egress rules when policyTypes omits Egress", () => {
        const model = modelOf(BASE + knp("typo", "lab", "podSelector: {}\npolicyTypes: [Ingress]\negress:\n- to: [{podSelector: {}}]"));
        expect(allowed(model, "lab/web", "external:1.1.1.1", 443)).toBe(true);
    });

    it("requires both ends: the source's egress and the destination's ingress", () => {
        const model = modelOf(
            BASE +
                knp("web-egress", "lab", "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]") +
                knp("api-ingress", "lab", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{podSelector: {matchLabels: {app: web}}}]"),
        );
        const v = verdict(model, "lab/web", "lab/api", 8080);
        expect(v.allowed).toBe(false);
        expect(v.explanation.ingress.allowed).toBe(true);
        expect(v.explanation.egress.allowed).toBe(false);
    });

    it("takes the union of all policies that select a pod (order does not matter)", () => {
        const model = modelOf(BASE + DENY_ALL + knp("allow-web", "lab", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{namespaceSelector: {}}]"));
        expect(allowed(model, "other/client", "lab/api", 8080)).toBe(true);
        expect(allowed(model, "other/client", "lab/db", 5432)).toBe(false);
    });

    it("reads a podSelector-only peer in the policy's own namespace", () => {
        const model = modelOf(BASE + knp("from-client", "lab", "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: client}}}]"));
        expect(allowed(model, "other/client", "lab/web", 8080)).toBe(false);
    });

    it("ANDs namespaceSelector and podSelector inside one peer, ORs separate peers", () => {
        const and = modelOf(
            BASE +
                knp(
                    "and",
                    "lab",
                    "podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {team: other}}\n    podSelector: {matchLabels: {app: web}}",
                ),
        );
        const or = modelOf(
            BASE +
                knp(
                    "or",
                    "lab",
                    "podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {team: other}}\n  - podSelector: {matchLabels: {app: web}}",
                ),
        );
        expect(allowed(and, "other/client", "lab/api", 8080)).toBe(false);
        expect(allowed(or, "other/client", "lab/api", 8080)).toBe(true);
        expect(allowed(or, "lab/web", "lab/api", 8080)).toBe(true);
    });

    it("matches namespaces by name through kubernetes.io/metadata.name, also for namespaces not declared in the input", () => {
        const model = modelOf(
            BASE +
                knp(
                    "from-kube-system",
                    "lab",
                    "podSelector: {}\ningress:\n- from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]",
                ),
        );
        expect(model.namespaces.get("kube-system")?.declared).toBe(false);
        expect(allowed(model, "kube-system/coredns", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "other/client", "lab/web", 8080)).toBe(false);
    });

    it("treats ingress: [{}] as allow-all and ingress: [] as allow-nothing", () => {
        const all = modelOf(BASE + knp("all", "lab", "podSelector: {}\ningress: [{}]"));
        const none = modelOf(BASE + knp("none", "lab", "podSelector: {}\ningress: []"));
        expect(allowed(all, "external:8.8.8.8", "lab/web", 8080)).toBe(true);
        expect(allowed(none, "lab/api", "lab/web", 8080)).toBe(false);
    });

    it("defaults a port's protocol to TCP", () => {
        const model = modelOf(BASE + knp("tcp53", "lab", "podSelector: {}\npolicyTypes: [Egress]\negress:\n- ports: [{port: 53}]"));
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/TCP")).toBe(true);
        expect(allowed(model, "lab/web", "kube-system/coredns", "53/UDP")).toBe(false);
    });

    it("resolves a named port on the destination pod, with its protocol", () => {
        const model = modelOf(BASE + knp("named", "lab", "podSelector: {}\ningress:\n- ports: [{port: metrics}]"));
        expect(allowed(model, "lab/web", "lab/api", 9090)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false);
        expect(allowed(model, "lab/api", "lab/web", 9090)).toBe(false); // web has no port named metrics
    });

    it("matches a port range with endPort (stable since 1.25)", () => {
        const model = modelOf(BASE + knp("range", "lab", "podSelector: {}\ningress:\n- ports: [{port: 8000, endPort: 8999}]"));
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 9090)).toBe(false);
    });

    it("matches external addresses with ipBlock cidr minus except", () => {
        const model = modelOf(BASE + knp("world", "lab", "podSelector: {}\ningress:\n- from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]"));
        expect(allowed(model, "external:203.0.113.10", "lab/web", 8080)).toBe(true);
        expect(allowed(model, "external:10.1.2.3", "lab/web", 8080)).toBe(false);
    });

    // Implementations disagree: Calico turns ipBlock into nets that match pod IPs
    // (libcalico-go k8s conversion; Kubernetes e2e netpol expects the same); netpol-analyzer does not.
    it("lets an ipBlock match pod addresses by default (Calico), and not with ipBlockMatchesPods: false", () => {
        const yaml = BASE + knp("world", "lab", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{ipBlock: {cidr: 0.0.0.0/0}}]");
        expect(allowed(modelOf(yaml), "lab/web", "lab/api", 8080)).toBe(true);
        expect(allowed(modelOf(yaml, { ipBlockMatchesPods: false }), "lab/web", "lab/api", 8080)).toBe(false);
        expect(allowed(modelOf(yaml, { ipBlockMatchesPods: false }), "external:1.2.3.4", "lab/api", 8080)).toBe(true);
    });

    it("excludes pods when except covers the pod CIDR, and uses a Pod's status.podIP when known", () => {
        const excepted = modelOf(
            BASE + knp("world", "lab", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{ipBlock: {cidr: 0.0.0.0/0, except: [192.168.0.0/16]}}]"),
        );
        expect(allowed(excepted, "lab/web", "lab/api", 8080)).toBe(false);
        const pod = `---
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: lab, labels: {app: pinned}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.9.0.5}
`;
        const model = modelOf(BASE + pod + knp("one-ip", "lab", "podSelector: {matchLabels: {app: api}}\ningress:\n- from: [{ipBlock: {cidr: 10.9.0.0/24}}]"), {
            podCIDR: "10.0.0.0/8",
        });
        expect(allowed(model, "lab/pinned", "lab/api", 8080)).toBe(true);
        expect(allowed(model, "lab/web", "lab/api", 8080)).toBe(false);
    });

    it("models workloads from every controller kind: pod template labels, service account and ports", () => {
        const kinds =
            ["StatefulSet", "DaemonSet", "ReplicaSet", "Job"]
                .map(
                    (kind) => `---
apiVersion: ${kind === "Job" ? "batch/v1" : "apps/v1"}
kind: ${kind}
metadata: {name: ${kind.toLowerCase()}, namespace: lab}
spec:
  selector: {matchLabels: {kind: ${kind.toLowerCase()}}}
  template:
    metadata: {labels: {kind: ${kind.toLowerCase()}}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 7000}]}]}
`,
                )
                .join("") +
            `---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cron, namespace: lab}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {kind: cron}}
        spec: {serviceAccountName: batch, containers: [{name: c, image: x, ports: [{containerPort: 7000}]}]}
`;
        const model = modelOf(BASE + kinds + knp("only-statefulset", "lab", "podSelector: {matchLabels: {kind: statefulset}}\ningress: []"));
        expect(model.workloads.map((w) => w.id)).toEqual(expect.arrayContaining(["lab/statefulset", "lab/daemonset", "lab/replicaset", "lab/job", "lab/cron"]));
        expect(model.workloadsById.get("lab/cron")?.serviceAccount).toBe("batch");
        expect(allowed(model, "lab/web", "lab/statefulset", 7000)).toBe(false);
        expect(allowed(model, "lab/web", "lab/daemonset", 7000)).toBe(true);
    });
});
