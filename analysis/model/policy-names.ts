/**
 * The names Felix keys policies by. Felix orders the policies of a tier by order, then breaks ties
 * with the key's name (felix/calc/policy_sorter.go PolKVLess, v3.28.5 and v3.29.0-v3.31.7:
 * `i.Key.Name < j.Key.Name`), and that name is not the object's metadata.name:
 *
 * - a Calico policy written through projectcalico.org/v3 is stored as `default.<name>`
 *   (libcalico-go clientv3/globalnetworkpolicy.go convertPolicyNameForStorage, v3.28.5: names
 *   starting `knp.` or `ossg.` are kept); from v3.29 on the stored name is names.TieredPolicyName:
 *   a name without a dot gets `default.`, a name with one is kept, and the API requires policies
 *   of any other tier to be named `<tier>.<name>` (libcalico-go names/policy.go, v3.29.0-v3.31.7);
 * - a crd.projectcalico.org/v1 object is that stored object: its metadata.name is the key;
 * - a Kubernetes NetworkPolicy becomes `knp.default.<name>` (libcalico-go k8s/conversion/conversion.go
 *   K8sNetworkPolicyNamePrefix, every release);
 * - a namespaced policy's key is `<namespace>/<stored name>` (libcalico-go syncersv1/updateprocessors/
 *   networkpolicyprocessor.go convertNetworkPolicyV2ToV1Key), a global one's the stored name
 *   (globalnetworkpolicyprocessor.go);
 * - AdminNetworkPolicy is `kanp.adminnetworkpolicy.<name>` (v3.29.0), BaselineAdminNetworkPolicy
 *   `kbanp.baselineadminnetworkpolicy.<name>` (v3.30.0; names/policy.go);
 * - from v3.32.0 keys are metadata.name, namespace and kind, and ties compare `<name>/<namespace>/<kind>`
 *   (felix/calc/policy_sorter.go PolKVLess, model.PolicyKey; kinds NetworkPolicy, GlobalNetworkPolicy,
 *   KubernetesNetworkPolicy, KubernetesClusterNetworkPolicy): ClusterNetworkPolicy exists only there.
 *   Which scheme a release uses is calico-releases.ts POLICY_KEYS.
 *
 * So a GlobalNetworkPolicy `z-deny` (`default.z-deny`) runs before a NetworkPolicy `a-allow` in
 * namespace `shop` (`shop/default.a-allow`) at the same order.
 */
import { CalicoRelease, POLICY_KEYS, valueAt } from "./calico-releases";
import type { AdminPolicyKind } from "../types";

const byNameNamespaceKind = (release: CalicoRelease) => valueAt(release, POLICY_KEYS) === "name-namespace-kind";

const CALICO_CRD_GROUP = "crd.projectcalico.org/";
const KEPT_BY_CLIENT = ["knp.", "ossg."];

/** Felix's key name of a Kubernetes NetworkPolicy. */
export function kubernetesPolicyKey(namespace: string, name: string, release: CalicoRelease): string {
    if (byNameNamespaceKind(release)) return `${name}/${namespace}/KubernetesNetworkPolicy`;
    return `${namespace}/knp.default.${name}`;
}

/** Felix's key name of a Calico (Global)NetworkPolicy; `namespace` undefined for a global one. */
export function calicoPolicyKey(apiVersion: string, namespace: string | undefined, name: string, tier: string, release: CalicoRelease): string {
    if (byNameNamespaceKind(release)) return `${name}/${namespace ?? ""}/${namespace === undefined ? "GlobalNetworkPolicy" : "NetworkPolicy"}`;
    const stored = storedPolicyName(apiVersion, name, tier);
    return namespace === undefined ? stored : `${namespace}/${stored}`;
}

/** Felix's key name of a policy of the Kubernetes network-policy API. */
export function adminPolicyKey(kind: AdminPolicyKind, name: string): string {
    switch (kind) {
        case "AdminNetworkPolicy":
            return `kanp.adminnetworkpolicy.${name}`;
        case "BaselineAdminNetworkPolicy":
            return `kbanp.baselineadminnetworkpolicy.${name}`;
        case "ClusterNetworkPolicy":
            return `${name}//KubernetesClusterNetworkPolicy`;
    }
}

/**
 * The name a policy is stored under. In the default tier as v3.28 stores it (always `default.` first);
 * in another tier (v3.29+) the name as written when it carries the tier, else with it, which is what
 * the API server would have required.
 */
function storedPolicyName(apiVersion: string, name: string, tier: string): string {
    if (apiVersion.startsWith(CALICO_CRD_GROUP)) return name;
    if (KEPT_BY_CLIENT.some((prefix) => name.startsWith(prefix))) return name;
    if (tier !== "default" && name.startsWith(`${tier}.`)) return name;
    return `${tier}.${name}`;
}
