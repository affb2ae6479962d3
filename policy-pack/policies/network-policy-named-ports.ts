// network-policy-named-ports (advisory): a named port in a NetworkPolicy ingress rule resolves on
// the pods the policy selects. A name no container declares (or declares for another protocol)
// matches nothing, so the rule silently allows nothing.
import { KubeObject, matchesKubeSelector, parseKubeSelector, type Workload } from "../../analysis";
import { schemaOf } from "../lib/config";
import { describe } from "../lib/objects";
import { clusterPolicy } from "../lib/policy";

export const networkPolicyNamedPorts = clusterPolicy({
    name: "network-policy-named-ports",
    description:
        "Named ports in NetworkPolicy ingress rules resolve to a container port, with the same protocol, of the pods the policy selects; otherwise the rule allows nothing.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: schemaOf(["systemNamespaces"]),
    judge(view, report) {
        const policies = view.subjects.filter((o: KubeObject) => o.apiVersion === "networking.k8s.io/v1" && o.kind === "NetworkPolicy");
        // A NetworkPolicy selects pods of its own namespace only: index the workloads once (in model order).
        const byNamespace = new Map<string, Workload[]>();
        for (const w of view.model.workloads) {
            const list = byNamespace.get(w.namespace);
            if (list) list.push(w);
            else byNamespace.set(w.namespace, [w]);
        }
        for (const policy of policies) {
            const namespace = policy.metadata.namespace || "default";
            const selector = parseKubeSelector(policy.spec?.podSelector, { object: describe(policy), key: "spec.podSelector" });
            const selected = (byNamespace.get(namespace) ?? []).filter((w) => matchesKubeSelector(selector, w.labels));
            if (selected.length === 0) continue; // nothing to resolve against in these objects
            const rules: any[] = Array.isArray(policy.spec?.ingress) ? policy.spec.ingress : [];
            rules.forEach((rule, i) => {
                (Array.isArray(rule?.ports) ? rule.ports : []).forEach((port: any, j: number) => {
                    if (typeof port?.port !== "string" || /^\d+$/.test(port.port)) return;
                    const protocol = port.protocol ?? "TCP";
                    const unresolved = selected.filter((w) => !w.ports.some((p) => p.name === port.port && p.protocol === protocol));
                    if (unresolved.length === 0) return;
                    report(
                        `${describe(policy)} ingress[${i}].ports[${j}] names port "${port.port}"/${protocol}, which ${unresolved.map((w) => w.id).join(", ")} ` +
                            `${unresolved.length > 1 ? "do" : "does"} not declare (declared: ${unresolved[0]!.ports.map((p) => `${p.name ?? "-"}=${p.port}/${p.protocol}`).join(", ") || "none"}). ` +
                            `The rule matches no traffic to ${unresolved.length > 1 ? "them" : "it"}. Fix: use the containerPort's name as declared, or the number.`,
                        policy,
                    );
                });
            });
        }
    },
});
