// Every policy of the pack, in the order the README presents them. Importing this module starts
// nothing: the PolicyPack is created in ../index.ts only.
import type { Policies } from "@pulumi/policy";
import { calicoPolicyHygiene } from "./calico-policy-hygiene";
import { defaultDeny } from "./default-deny";
import { dnsAllowance } from "./dns-allowance";
import { edgeOnlyIngress } from "./edge-only-ingress";
import { expectedFlows } from "./expected-flows";
import { kubernetesNetworkPolicyHygiene } from "./kubernetes-networkpolicy-hygiene";
import { networkPolicyNamedPorts } from "./network-policy-named-ports";
import { noBroadAllow } from "./no-broad-allow";
import { serviceExposure } from "./service-exposure";
import { stagedPolicies } from "./staged-policies";
import { unjudgedKinds } from "./unjudged-kinds";

export {
    calicoPolicyHygiene,
    defaultDeny,
    dnsAllowance,
    edgeOnlyIngress,
    expectedFlows,
    kubernetesNetworkPolicyHygiene,
    networkPolicyNamedPorts,
    noBroadAllow,
    serviceExposure,
    stagedPolicies,
    unjudgedKinds,
};

export const policies: Policies = [
    defaultDeny,
    dnsAllowance,
    edgeOnlyIngress,
    noBroadAllow,
    expectedFlows,
    unjudgedKinds,
    calicoPolicyHygiene,
    kubernetesNetworkPolicyHygiene,
    networkPolicyNamedPorts,
    serviceExposure,
    stagedPolicies,
];
