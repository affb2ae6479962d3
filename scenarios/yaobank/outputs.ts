// What a yaobank stack tells its user after `pulumi up`: the track's own checks (the stage's
// expected flows: common/outputs.ts intentTable).
import { NODE_IP_COMMAND } from "../common/outputs";
import type { YaobankConfig } from "./config";
import { YAOBANK_NODE_PORT, YAOBANK_WORKLOADS, YaobankWorkload } from "./stages";

/** `<service>.<namespace>`, the form the env-reading images expect (tigera/ccol2azure week2). */
export function serviceHost(workload: YaobankWorkload): string {
    return `${workload.app}.${workload.namespace}`;
}

/** The track's own checks: the web UI through the NodePort, and the two probes from the customer pod. */
export function yaobankTryCommands(config: YaobankConfig) {
    const customer = YAOBANK_WORKLOADS.customer;
    const database = YAOBANK_WORKLOADS.database;
    const fromCustomer = `kubectl exec -n ${customer.namespace} deploy/${customer.app} --`;
    return {
        nodeIp: NODE_IP_COMMAND,
        webUi: config.features.app ? `curl -s --connect-timeout 5 "http://$NODE_IP:${YAOBANK_NODE_PORT}/"` : undefined,
        customerToDatabase: config.features.app
            ? `${fromCustomer} curl -s --connect-timeout 5 "http://${serviceHost(database)}:${database.port}/v2/keys?recursive=true"`
            : undefined,
        customerToInternet: config.features.app ? `${fromCustomer} curl -LIs --connect-timeout 5 https://www.google.com` : undefined,
    };
}
