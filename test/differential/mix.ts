// The feature mix of the generator, as data: every random choice the generator makes reads its
// weights from this one table (a key's chance is its weight over the row's total). The README
// prints it; change a weight here to steer the tier toward a feature.
export const MIX = {
    // The scenario's shape.
    "scenario.namespaces": { "2": 2, "3": 1 },
    "namespace.podCount": { "1": 1, "2": 2 },
    "pod.tcpPorts": { "1": 2, "2": 1 },
    "pod.udpPorts": { "0": 1, "1": 2 },
    "port.name": { unnamed: 1, named: 1 },
    "pod.serviceAccount": { default: 1, alpha: 1, beta: 1 },
    "scenario.services": { "0": 1, "1": 2, "2": 1 },
    "service.type": { ClusterIP: 1, NodePort: 1 },
    "service.targetPort": { number: 1, name: 1 },
    "scenario.policies": { "2": 1, "3": 2, "4": 2, "5": 2, "6": 1, "7": 1, "8": 1 },
    "scenario.networkSet": { none: 3, NetworkSet: 1, GlobalNetworkSet: 1 },
    "policy.kind": { KubernetesNetworkPolicy: 4, CalicoNetworkPolicy: 3, GlobalNetworkPolicy: 3 },

    // Kubernetes NetworkPolicy (networking.k8s.io/v1).
    "knp.podSelector": { empty: 2, matchLabels: 3, matchExpressions: 1 },
    "knp.policyTypes": { omitted: 3, Ingress: 2, Egress: 2, both: 2 },
    "knp.rules": { "0": 1, "1": 3, "2": 2 },
    "knp.peers": { omitted: 1, "1": 3, "2": 1 },
    "knp.peer": { podSelector: 3, namespaceSelector: 2, namespaceAndPodSelector: 2, ipBlock: 2 },
    "knp.ipBlock.except": { none: 1, some: 1 },
    "knp.ports": { omitted: 2, "1": 3, "2": 1 },
    "knp.port": { number: 3, named: 2, endPort: 1, protocolOnly: 1 },
    "knp.protocol": { omitted: 2, TCP: 1, UDP: 2 },

    // Calico NetworkPolicy and GlobalNetworkPolicy (projectcalico.org/v3).
    "calico.order": { omitted: 2, distinct: 2, tie: 2, "1000": 1 },
    "calico.types": { inferred: 2, Ingress: 1, Egress: 1, both: 2 },
    "calico.selector": { all: 1, equal: 3, notEqual: 1, has: 1, notHas: 1, in: 1, notIn: 1, and: 1, or: 1, podName: 1 },
    "gnp.namespaceSelector": { omitted: 2, set: 1 },
    "calico.serviceAccountSelector": { omitted: 6, set: 1 },
    "calico.rules": { "0": 1, "1": 2, "2": 2, "3": 1 },
    "calico.action": { Allow: 4, Deny: 3, Pass: 1, Log: 1 },
    "calico.protocol": { omitted: 2, TCP: 2, UDP: 2, notProtocol: 1 },
    "calico.entityFields": { "0": 2, "1": 3, "2": 1 },
    "calico.entityField": { selector: 3, notSelector: 1, namespaceSelector: 2, serviceAccounts: 1, nets: 2, notNets: 1, networkSet: 1 },
    "calico.ports": { none: 2, number: 3, range: 1, named: 1, notPorts: 1 },
    "calico.serviceAccounts": { names: 2, selector: 1 },

    // The node's side (drawn last, so a seed's pods and policies are the same with or without it): the
    // cluster's host endpoint labelled for the scenario, and GlobalNetworkPolicies that select it.
    "scenario.host": { none: 1, endpoint: 1 },
    "host.expectedIPs": { kept: 3, removed: 1 },
    "host.podLabels": { none: 1, some: 1 },
    "host.policies": { "0": 1, "1": 2, "2": 2, "3": 1 },
    "host.policy": { normal: 3, applyOnForward: 1, preDNAT: 2, doNotTrack: 2 },
    "host.types": { Ingress: 2, Egress: 1, both: 1 },
    "host.rules": { "1": 2, "2": 1 },
    "host.action": { Allow: 3, Deny: 3, Log: 1 },
    "host.ingressPort": { node: 3, failsafe: 1, nodePorts: 1, none: 1 },
    "host.source": { none: 2, outside: 2, nodeNet: 1, world: 1 },
    "host.egressPort": { https: 2, dns: 1, none: 1 },
    "host.egressSource": { none: 1, node: 1 },

    // Addresses in ipBlocks, nets and network sets.
    net: { podCidr: 1, podHalf: 1, world: 2, worldHost: 1, outside: 1, any: 1 },
} as const satisfies Record<string, Record<string, number>>;

export type Mix = typeof MIX;
export type Choice<K extends keyof Mix> = keyof Mix[K] & string;
