/**
 * Host endpoints and host policies Felix ignores in part, said at run time instead of judged silently:
 *  - a host endpoint without expectedIPs: rule selectors never resolve to it (hostendpoint.mdx: "If the
 *    expectedIPs field is omitted then security rules that use labels will fail to match this
 *    endpoint"), and the analyzer knows an interface by its addresses, so no modelled packet crosses it,
 *    forwarded NodePort traffic included, although Felix polices the interface by its name;
 *  - a doNotTrack policy selecting an all-interfaces (`*`) host endpoint: Felix ignores it ("DoNotTrack
 *    policy is not supported for a HEP with `interfaceName: *`; ignoring it", felix
 *    dataplane/linux/endpoint_mgr.go updateHostEndpoints, v3.28.5).
 */
import { isAllInterfaces } from "../engine/host-interfaces";
import type { ClusterModel } from "./model-types";
import { subjectSelects } from "../engine/rules";

export function hostEndpointWarnings(model: ClusterModel): string[] {
    const warnings: string[] = [];
    for (const hostEndpoint of model.hostEndpoints) {
        if (hostEndpoint.auto || hostEndpoint.expectedIPs.length) continue;
        warnings.push(
            `HostEndpoint ${hostEndpoint.name} (node ${hostEndpoint.node}, interface ${hostEndpoint.interfaceName ?? "unset"}) has no expectedIPs: ` +
                "rule selectors that match its labels resolve to no address (Calico matches a host endpoint by its expectedIPs only), " +
                (isAllInterfaces(hostEndpoint)
                    ? ""
                    : "and the analyzer cannot tell which of the node's addresses its interface holds, so it judges no packet as crossing it (neither the node's own traffic nor traffic forwarded to pods and NodePorts, which Felix polices by the interface name); ") +
                "add spec.expectedIPs",
        );
    }
    const untracked = model.policies.filter((p) => p.doNotTrack);
    for (const hostEndpoint of model.hostEndpoints.filter(isAllInterfaces)) {
        const ignored = untracked.filter((p) => subjectSelects(p.subject, { labels: hostEndpoint.labels })).map((p) => p.ref.id);
        if (ignored.length) {
            warnings.push(
                `doNotTrack policy ${ignored.join(", ")} selects the all-interfaces host endpoint ${hostEndpoint.name}: Felix ignores doNotTrack policy ` +
                    'on interfaceName "*" endpoints, and so does the analyzer; give the interface its own host endpoint (interfaceName and expectedIPs)',
            );
        }
    }
    return warnings;
}
