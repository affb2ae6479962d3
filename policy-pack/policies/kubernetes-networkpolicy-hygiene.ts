// kubernetes-networkpolicy-hygiene: networking.k8s.io/v1 NetworkPolicy written so that what it
// does is what it says. Resource level: each object on its own (named ports are resolved against
// the workloads by the stack policy network-policy-named-ports).
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { schemaOf } from "../lib/config";
import { describe } from "../lib/objects";

export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PROTOCOLS = ["TCP", "UDP", "SCTP"];

export function networkPolicyProblems(object: { kind: string; metadata: { name: string; namespace?: string }; spec?: any }): string[] {
    const spec = object.spec ?? {};
    const name = describe(object);
    const problems: string[] = [];
    const types: unknown[] | undefined = Array.isArray(spec.policyTypes) ? spec.policyTypes : undefined;
    if (!types || types.length === 0) {
        problems.push(
            `${name} has no explicit policyTypes. Kubernetes then assumes Ingress, plus Egress only if egress rules are present, ` +
                `so a "deny all" without rules leaves egress open. Fix: set policyTypes: [Ingress, Egress] (or the direction meant).`,
        );
    }
    for (const [direction, type] of [
        ["ingress", "Ingress"],
        ["egress", "Egress"],
    ] as const) {
        if (types?.length && Array.isArray(spec[direction]) && spec[direction].length > 0 && !types.includes(type)) {
            problems.push(
                `${name} has ${direction} rules but policyTypes does not list ${type}: Kubernetes ignores them and the pods are not isolated for ${type} by this policy. ` +
                    `Fix: add ${type} to policyTypes (this is the lab's "Engress" typo class of bug).`,
            );
        }
        const rules: any[] = Array.isArray(spec[direction]) ? spec[direction] : [];
        rules.forEach((rule, i) => {
            const ports: any[] = Array.isArray(rule?.ports) ? rule.ports : [];
            ports.forEach((port, j) => {
                const where = `${direction}[${i}].ports[${j}]`;
                if (port?.protocol !== undefined && !PROTOCOLS.includes(String(port.protocol))) {
                    problems.push(
                        `${name} ${where} has protocol ${JSON.stringify(port.protocol)}; NetworkPolicy accepts TCP, UDP or SCTP (case-sensitive). Fix: use one of them.`,
                    );
                }
                if (port?.endPort !== undefined) {
                    if (typeof port.port !== "number") {
                        problems.push(
                            `${name} ${where} has endPort ${port.endPort} but port ${JSON.stringify(port.port)} is not a number: a range needs a numeric start. Fix: set port to the first port of the range.`,
                        );
                    } else if (typeof port.endPort !== "number" || port.endPort < port.port || port.endPort > 65535) {
                        problems.push(
                            `${name} ${where} has endPort ${JSON.stringify(port.endPort)} for port ${port.port}: endPort must be a number from port to 65535. Fix: correct the range.`,
                        );
                    }
                }
            });
            const peers: any[] = Array.isArray(rule?.[direction === "ingress" ? "from" : "to"]) ? rule[direction === "ingress" ? "from" : "to"] : [];
            peers.forEach((peer, j) => {
                const labels = peer?.namespaceSelector?.matchLabels;
                if (labels && typeof labels === "object" && "name" in labels && !("kubernetes.io/metadata.name" in labels)) {
                    problems.push(
                        `${name} ${direction}[${i}] peer ${j} selects namespaces by the label name=${labels.name}, which Kubernetes does not set (a well-known policy-library pitfall): ` +
                            `the peer matches no namespace unless someone labelled it by hand. Fix: use kubernetes.io/metadata.name: ${labels.name}, set by the API server on every namespace.`,
                    );
                }
            });
        });
    }
    return problems;
}

export const kubernetesNetworkPolicyHygiene: ResourceValidationPolicy = {
    name: "kubernetes-networkpolicy-hygiene",
    description:
        "Kubernetes NetworkPolicy says what it does: explicit policyTypes (rules of a direction not listed are ignored), valid protocols, endPort ranges with a numeric start, " +
        "and namespaces selected by kubernetes.io/metadata.name rather than a 'name' label nobody sets.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: schemaOf([]),
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
        if (args.type !== NETWORK_POLICY_TYPE) return;
        const object = {
            kind: "NetworkPolicy",
            metadata: { name: args.props.metadata?.name ?? args.name, namespace: args.props.metadata?.namespace },
            spec: args.props.spec,
        };
        for (const problem of networkPolicyProblems(object)) reportViolation(problem);
    },
};
