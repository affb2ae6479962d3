// What a stack tells its user after `pulumi up`: how to try the lab's two paths (the stage's
// expected flows: common/outputs.ts intentTable).
import type { LabConfig } from "./config";
import { NODE_IP_COMMAND } from "../common/outputs";

function curlPost(nodePort: number, path: string, body: Record<string, string>): string {
    return `curl -s --connect-timeout 5 -X POST "http://$NODE_IP:${nodePort}${path}" -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`;
}

export type TryCommands = {
    nodeIp: string;
    direct?: string;
    viaProxy?: string;
};

/** The lab's curl calls for the workloads that exist at the stage. */
export function tryCommands(config: LabConfig, appServiceHost: string): TryCommands {
    return {
        nodeIp: NODE_IP_COMMAND,
        direct: config.features.helloworld ? curlPost(config.app.nodePort, "/api/messages", { sender: "lab" }) : undefined,
        viaProxy: config.features.proxy ? curlPost(config.proxy.nodePort, "/proxy/api/messages", { sender: "lab", host: appServiceHost }) : undefined,
    };
}
