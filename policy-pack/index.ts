// The CrossGuard pack: only assembles the policies (policies/) into a PolicyPack. Creating the
// PolicyPack starts the policy server, so nothing else imports this module.
import "./module-paths";
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("calico-zero-trust", {
    description:
        "Zero trust for the calico-zero-trust-lab, judged by the connectivity analyzer: default deny, DNS allowance, edge-only ingress, no broad allows, expected flows, and Calico/Kubernetes policy hygiene.",
    policies,
});
