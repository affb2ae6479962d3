// Calico on kind through the tigera-operator, at a pinned version: the operator's manifests
// from the Calico release, then the Installation (IP pool = the kind pod subnet) and the
// APIServer (projectcalico.org/v3 for the calico policy flavor). All of it goes through kubectl
// run by local commands, not Helm Chart v4 or yaml/v2: those need a reachable cluster at preview
// and fail while the kubeconfig of a cluster created in the same program is unknown
// (pulumi-kubernetes#3027). docs/cluster.md explains the choice.
import { stringify } from "yaml";
import { ConfigError } from "../../config";

export interface CalicoVersion {
    tag: string;
    major: number;
    minor: number;
    patch: number;
}

/** The oldest release whose manifest layout the program knows. */
export const OLDEST_SUPPORTED_CALICO = { major: 3, minor: 28 };

export function parseCalicoVersion(tag: string): CalicoVersion {
    const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(tag);
    const version = match && { tag, major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
    const supported =
        version &&
        (version.major > OLDEST_SUPPORTED_CALICO.major || (version.major === OLDEST_SUPPORTED_CALICO.major && version.minor >= OLDEST_SUPPORTED_CALICO.minor));
    if (!version || !supported) {
        throw new ConfigError("calicoVersion", tag, `expected a Calico release tag v3.28.0 or later, such as v3.30.3`);
    }
    return version;
}

const atLeast = (v: CalicoVersion, minor: number) => v.major > 3 || v.minor >= minor;

/**
 * The release manifests, in apply order. Where the CRDs live changed twice:
 * - up to 3.29, tigera-operator.yaml carries every CRD;
 * - 3.30 and 3.31 ship them apart in operator-crds.yaml;
 * - 3.32 removed them from the operator chart and manifest (calico#11727): the
 *   crd.projectcalico.org/v1 + operator.tigera.io/v1 CRDs are v1_crd_projectcalico_org.yaml.
 */
export function calicoManifestUrls(version: CalicoVersion): string[] {
    const base = `https://raw.githubusercontent.com/projectcalico/calico/${version.tag}/manifests`;
    if (atLeast(version, 32)) {
        return [`${base}/v1_crd_projectcalico_org.yaml`, `${base}/tigera-operator.yaml`];
    }
    if (atLeast(version, 30)) {
        return [`${base}/operator-crds.yaml`, `${base}/tigera-operator.yaml`];
    }
    return [`${base}/tigera-operator.yaml`];
}

/** Server-side apply: idempotent (re-runs upgrade) and no size limit on the big CRDs. */
export function calicoOperatorScript(version: CalicoVersion): string {
    return calicoManifestUrls(version)
        .map((url) => `kubectl apply --server-side --force-conflicts -f ${url}`)
        .concat("kubectl -n tigera-operator rollout status deployment/tigera-operator --timeout=300s")
        .join("\n");
}

/** The operator's custom resources: Calico networking with the kind pod subnet, and its API server. */
export function calicoCustomResources(podSubnet: string): Record<string, unknown>[] {
    return [
        {
            apiVersion: "operator.tigera.io/v1",
            kind: "Installation",
            metadata: { name: "default" },
            spec: {
                calicoNetwork: {
                    ipPools: [
                        {
                            name: "default-ipv4-ippool",
                            cidr: podSubnet,
                            blockSize: 26,
                            // Calico's own kind guide: VXLAN only between subnets; kind's nodes share
                            // one Docker bridge, so pod traffic is routed without encapsulation.
                            encapsulation: "VXLANCrossSubnet",
                            natOutgoing: "Enabled",
                            nodeSelector: "all()",
                        },
                    ],
                },
            },
        },
        { apiVersion: "operator.tigera.io/v1", kind: "APIServer", metadata: { name: "default" }, spec: {} },
    ];
}

export const CALICO_CUSTOM_RESOURCES_SCRIPT = [
    "kubectl wait --for=condition=Established --timeout=120s crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io",
    "kubectl apply --server-side --force-conflicts -f -",
].join("\n");

export function renderCustomResources(podSubnet: string): string {
    return calicoCustomResources(podSubnet)
        .map((resource) => stringify(resource))
        .join("---\n");
}
