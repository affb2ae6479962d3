// dns-allowance: isolated workloads still resolve names, and the exception made for that is no
// wider than cluster DNS. For every workload whose egress is isolated, the analyzer must allow
// UDP and TCP 53 to the kube-dns pods (both ends: the workload's egress and kube-dns's ingress),
// and must refuse port 53 to another pod of kube-system, to a pod in an unrelated namespace and to
// an address on the internet.
import type { Workload } from "../../analysis";
import { podToPodAllows } from "../../analysis";
import { ask, askOwn, ClusterView, ownAllows } from "../lib/cluster";
import { schemaOf } from "../lib/config";
import { describeDecision, explainVerdict } from "../lib/explain";
import { clusterPolicy } from "../lib/policy";
import { isIsolated } from "./default-deny";

const PROTOCOLS = ["UDP", "TCP"] as const;

interface Unreachable {
    lines: string[];
    egressBlocked: boolean;
    dnsIngressBlocked: string[];
}

function missing(view: ClusterView, workload: Workload): Unreachable {
    const found: Unreachable = { lines: [], egressBlocked: false, dnsIngressBlocked: [] };
    for (const protocol of PROTOCOLS) {
        // The Service balances over every DNS pod: each must be reachable.
        for (const server of view.dnsServers) {
            if (podToPodAllows(view.model, { src: workload.id, dst: server.id, port: view.settings.dnsPort, protocol })) continue;
            const verdict = ask(view, workload.id, server.id, view.settings.dnsPort, protocol);
            if (verdict.allowed) continue;
            found.lines.push(explainVerdict(verdict, "      "));
            if (!verdict.explanation.egress.allowed) found.egressBlocked = true;
            if (!verdict.explanation.ingress.allowed) found.dnsIngressBlocked.push(...verdict.explanation.ingress.policies);
        }
    }
    return found;
}

function tooBroad(view: ClusterView, workload: Workload): string[] {
    const { dnsPort, dnsNamespace, unrelatedAddresses } = view.settings;
    const probes = [
        { peer: view.dnsDecoy, what: `any pod in ${dnsNamespace}, not only kube-dns` },
        { peer: view.neighbour, what: "pods in any namespace" },
        ...unrelatedAddresses
            .slice(0, 1)
            .map((a) => ({ peer: `external:${a}`, what: "any address, inside or outside the cluster (e.g. 0.0.0.0/0 on port 53)" })),
    ];
    const problems: string[] = [];
    for (const { peer, what } of probes) {
        if (!ownAllows(view, workload.id, peer, dnsPort, "UDP", "egress")) continue;
        const decision = askOwn(view, workload.id, peer, dnsPort, "UDP", "egress");
        if (decision.allowed) problems.push(`${workload.id} may send to ${peer} on UDP ${dnsPort}, i.e. to ${what}: ${describeDecision(decision)}`);
    }
    return problems;
}

const configSchema = schemaOf(["systemNamespaces", "dnsNamespace", "dnsLabels", "dnsPort", "unrelatedAddresses", "probePort", "hostEndpoints"]);

export const dnsAllowance = clusterPolicy({
    name: "dns-allowance",
    description:
        "Workloads under a default deny can still resolve names: UDP and TCP 53 to the kube-dns pods (k8s-app=kube-dns in kube-system) are allowed at both ends, " +
        "and the allowance is no broader than that (not all of kube-system, not every namespace, not 0.0.0.0/0 on 53). " +
        "Catches the namespaced Calico policy whose DNS rule selector never leaves its own namespace, the UDP-only allowance, and the 'name: kube-system' label that does not exist.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    judge(view, report) {
        const labels = Object.entries(view.settings.dnsLabels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
        for (const workload of view.workloads) {
            if (!isIsolated(view, workload, "egress")) continue; // not isolated: DNS works, and default-deny reports the workload
            const unreachable = missing(view, workload);
            if (unreachable.lines.length) {
                const fixes: string[] = [];
                if (unreachable.egressBlocked) {
                    fixes.push(
                        `allow egress to the kube-dns pods on UDP and TCP ${view.settings.dnsPort}: in a NetworkPolicy use to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${view.settings.dnsNamespace}}}, ` +
                            `podSelector: {matchLabels: {${labels.replace(/=/g, ": ")}}}}]; in a namespaced Calico NetworkPolicy add namespaceSelector: projectcalico.org/name == '${view.settings.dnsNamespace}' ` +
                            `to the rule's destination (a rule selector alone only matches pods of the policy's own namespace)`,
                    );
                }
                if (unreachable.dnsIngressBlocked.length) {
                    const blamed = [...new Set(unreachable.dnsIngressBlocked)];
                    const many = blamed.length > 1;
                    fixes.push(
                        `${blamed.join(", ")} isolate${many ? "" : "s"} the kube-dns pods' ingress: scope ${many ? "them" : "it"} away from ${view.settings.dnsNamespace}, or allow ingress to kube-dns on port ${view.settings.dnsPort}`,
                    );
                }
                report(
                    [
                        `${workload.id} is isolated for Egress but cannot reach cluster DNS (${labels} in ${view.settings.dnsNamespace}) on port ${view.settings.dnsPort}:`,
                        ...unreachable.lines.map((line) => `  - ${line}`),
                        `Why it matters: every Service name lookup fails, so the workload breaks in ways that look like network outages (truncated answers retry over TCP, so both protocols are needed).`,
                        `Fix: ${fixes.join("; and ")}.`,
                    ].join("\n"),
                    view.objectOf(workload),
                );
            }
            const broad = tooBroad(view, workload);
            if (broad.length) {
                report(
                    [
                        `The DNS allowance of ${workload.id} is broader than cluster DNS:`,
                        ...broad.map((line) => `  - ${line}`),
                        `Why it matters: port 53 to anything is a classic exfiltration and tunnelling channel, and any pod listening on 53 becomes reachable.`,
                        `Fix: restrict the rule's destination to the kube-dns pods: namespace ${view.settings.dnsNamespace} AND pod labels ${labels} (one peer with both selectors, not two peers), not an ipBlock/nets of 0.0.0.0/0.`,
                    ].join("\n"),
                    view.objectOf(workload),
                );
            }
        }
    },
});
