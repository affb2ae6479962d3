/** A Kubernetes or Calico object as read from YAML: plain data, nothing else. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
    spec?: any;
    [k: string]: unknown;
}

export type Labels = Readonly<Record<string, string>>;
export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
export type Direction = "ingress" | "egress";
export type Action = "Allow" | "Deny" | "Log" | "Pass";
