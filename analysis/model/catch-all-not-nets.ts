/**
 * A catch-all CIDR in a Calico rule's notNets (0.0.0.0/0, ::/0). The API server refuses it from
 * v3.29.6 and v3.30.3 on (calico-releases.ts VALIDATOR_ROWS.catchAllNotNets); the releases before
 * accept it, and then Felix's iptables dataplane cannot program it: on this project's real cluster
 * (Felix of the v3.28 branch, iptables nft backend) the rule's `! -d 0.0.0.0/0` made
 * iptables-nft-restore fail ("RULE_APPEND failed (Invalid argument)"), and after its retries Felix
 * panicked (felix/iptables/table.go Apply), so no later policy change on the node was programmed.
 * The analyzer judges such a rule as matching no traffic and says, naming the object, that the
 * dataplane will not.
 */
import { inSpans, VALIDATOR_ROWS } from "./calico-releases";
import type { CalicoRelease } from "./calico-releases";
import { describeObject } from "../input/manifests";
import { parseCIDRText } from "../ip-text";
import type { KubeObject } from "../types";

const CALICO_POLICY_KINDS = new Set(["NetworkPolicy", "GlobalNetworkPolicy"]);

/** 0.0.0.0/0 or an IPv6 /0 of the zero address, as the validator compares them. */
export function isCatchAllNet(net: string): boolean {
    const parsed = parseCIDRText(net);
    return net === "0.0.0.0/0" || (parsed?.family === 6 && parsed.prefix === 0 && parsed.address.value === 0n);
}

/** One warning per catch-all notNets entry of a Calico policy, on releases whose API server accepts it. */
export function catchAllNotNetsWarnings(objects: readonly KubeObject[], release: CalicoRelease): string[] {
    if (inSpans(release, VALIDATOR_ROWS.catchAllNotNets.spans)) return []; // refused before this point
    const warnings: string[] = [];
    for (const object of objects) {
        if (!object.apiVersion?.includes("projectcalico.org/") || !CALICO_POLICY_KINDS.has(object.kind)) continue;
        const spec = (object as { spec?: Record<string, unknown> }).spec ?? {};
        for (const direction of ["ingress", "egress"] as const) {
            const rules = Array.isArray(spec[direction]) ? (spec[direction] as Record<string, any>[]) : [];
            rules.forEach((rule, r) => {
                for (const side of ["source", "destination"] as const) {
                    const notNets = Array.isArray(rule?.[side]?.notNets) ? (rule[side].notNets as unknown[]) : [];
                    notNets.forEach((net, n) => {
                        if (typeof net !== "string" || !isCatchAllNet(net)) return;
                        warnings.push(
                            `${describeObject(object)}: spec.${direction}[${r}].${side}.notNets[${n}] ${JSON.stringify(net)}: ` +
                                `Calico v${release.version} accepts it and the analyzer judges the rule as matching no traffic, but Felix's iptables dataplane ` +
                                `cannot program it (iptables-nft-restore refuses the negated catch-all; Felix panics after its retries, so no later policy change ` +
                                `on the node is enforced until it restarts): remove it (releases from v3.29.6 and v3.30.3 refuse it)`,
                        );
                    });
                }
            });
        }
    }
    return warnings;
}
