/** Namespaces that run the cluster itself (Kubernetes, Calico and its operator, kind, IKS): no lab workload or policy belongs there. */
export const SYSTEM_NAMESPACES = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "calico-system",
    "calico-apiserver",
    "tigera-operator",
    "local-path-storage",
    "ibm-system",
    "ibm-operators",
    "ibm-cert-store",
];
