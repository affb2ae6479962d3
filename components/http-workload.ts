// One HTTP-style workload as the lab deploys it: a Deployment and a Service of the same,
// explicit name (other workloads address it by that DNS name), optionally its own service
// account, hardened by default. HelloWorldApp, Proxy and the yaobank tiers are all made of this;
// every option defaults to what the helloworld lab needs, so its objects do not change.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const HTTP_PORT_NAME = "http-server";

/**
 * restricted: a fixed non-root user, read-only root filesystem with a writable /tmp, no
 * capabilities (the "restricted" Pod Security Standard). image-user: the image's own user and
 * a writable root filesystem, for images built to run as root that write beside their binary
 * (the track's yaobank images: etcd keeps its data in its working directory); still no
 * privilege escalation, RuntimeDefault seccomp and no capabilities but NET_BIND_SERVICE when
 * the port is below 1024 (the "baseline" standard).
 */
export type PodHardening = "restricted" | "image-user";

export interface ProbeTimings {
    readinessDelaySeconds: number;
    livenessDelaySeconds: number;
}

export interface HttpWorkloadArgs {
    /** Deployment, Service, container and `app` label name. */
    name: string;
    namespace: pulumi.Input<string>;
    image: string;
    replicas: number;
    containerPort: number;
    /** Set to expose the Service as a NodePort on this port; ClusterIP otherwise. */
    nodePort?: number;
    /** Extra pod annotations, e.g. what the workload talks to. */
    annotations?: Record<string, pulumi.Input<string>>;
    /** Pod labels besides `app` (the selector stays `app` alone), e.g. the track's version: v1. */
    extraLabels?: Record<string, string>;
    /** Create a ServiceAccount of this name (labels as given) and run the pods under it; `default` otherwise. */
    serviceAccount?: { name: string; labels?: Record<string, string> };
    /** Container environment, e.g. the hosts of the workloads it calls. */
    env?: Record<string, pulumi.Input<string>>;
    command?: string[];
    args?: string[];
    /** Name of the container port; the probes and the Service target it. Default http-server. */
    portName?: string;
    hardening?: PodHardening;
    /** Requests and limits; default sized for the lab's Spring Boot image. */
    resources?: { requests: Record<string, string>; limits: Record<string, string> };
    /** Default 10 s and 60 s, for a JVM; both probes check the socket (tcpSocket), not a path. */
    probeTimings?: ProbeTimings;
}

export interface HttpWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
    serviceAccount?: k8s.core.v1.ServiceAccount;
}

/** Requests and limits sized for the lab's Spring Boot image (JVM heap plus metaspace). */
const RESOURCES = {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "500m", memory: "512Mi" },
};

const PROBE_TIMINGS: ProbeTimings = { readinessDelaySeconds: 10, livenessDelaySeconds: 60 };

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities: the "restricted" Pod Security Standard. */
const NON_ROOT_USER = 10001;
const FIRST_UNPRIVILEGED_PORT = 1024;

function podSecurity(hardening: PodHardening, containerPort: number) {
    if (hardening === "restricted") {
        return {
            pod: {
                runAsNonRoot: true,
                runAsUser: NON_ROOT_USER,
                runAsGroup: NON_ROOT_USER,
                seccompProfile: { type: "RuntimeDefault" },
            },
            container: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
            // Spring Boot's embedded Tomcat writes its work directory under /tmp.
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        };
    }
    const capabilities = containerPort < FIRST_UNPRIVILEGED_PORT ? { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } : { drop: ["ALL"] };
    return {
        pod: { seccompProfile: { type: "RuntimeDefault" } },
        container: { allowPrivilegeEscalation: false, capabilities },
        volumeMounts: undefined,
        volumes: undefined,
    };
}

export function createHttpWorkload(args: HttpWorkloadArgs, opts: pulumi.CustomResourceOptions): HttpWorkload {
    const labels = { app: args.name };
    const podLabels = { ...labels, ...args.extraLabels };
    const metadata = { name: args.name, namespace: args.namespace, labels };
    const portName = args.portName ?? HTTP_PORT_NAME;
    const security = podSecurity(args.hardening ?? "restricted", args.containerPort);
    const timings = args.probeTimings ?? PROBE_TIMINGS;

    const serviceAccount =
        args.serviceAccount === undefined
            ? undefined
            : new k8s.core.v1.ServiceAccount(
                  args.serviceAccount.name,
                  {
                      metadata: { name: args.serviceAccount.name, namespace: args.namespace, labels: args.serviceAccount.labels },
                      // The lab's apps never call the Kubernetes API.
                      automountServiceAccountToken: false,
                  },
                  opts,
              );

    const deployment = new k8s.apps.v1.Deployment(
        args.name,
        {
            metadata: args.extraLabels === undefined ? metadata : { ...metadata, labels: podLabels },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels: podLabels, annotations: args.annotations },
                    spec: {
                        ...(serviceAccount === undefined ? {} : { serviceAccountName: serviceAccount.metadata.name }),
                        automountServiceAccountToken: false,
                        securityContext: security.pod,
                        containers: [
                            {
                                name: args.name,
                                image: args.image,
                                ...(args.command === undefined ? {} : { command: args.command }),
                                ...(args.args === undefined ? {} : { args: args.args }),
                                ...(args.env === undefined ? {} : { env: Object.entries(args.env).map(([name, value]) => ({ name, value })) }),
                                ports: [{ name: portName, containerPort: args.containerPort, protocol: "TCP" }],
                                // The helloworld app only answers POSTs and the yaobank customer's page
                                // calls its peers, so the probes check the socket, not a GET path.
                                readinessProbe: { tcpSocket: { port: portName }, initialDelaySeconds: timings.readinessDelaySeconds, periodSeconds: 5 },
                                livenessProbe: {
                                    tcpSocket: { port: portName },
                                    initialDelaySeconds: timings.livenessDelaySeconds,
                                    periodSeconds: 20,
                                    failureThreshold: 3,
                                },
                                resources: args.resources ?? RESOURCES,
                                securityContext: security.container,
                                ...(security.volumeMounts === undefined ? {} : { volumeMounts: security.volumeMounts }),
                            },
                        ],
                        ...(security.volumes === undefined ? {} : { volumes: security.volumes }),
                    },
                },
            },
        },
        opts,
    );

    const service = new k8s.core.v1.Service(
        args.name,
        {
            metadata,
            spec: {
                type: args.nodePort === undefined ? "ClusterIP" : "NodePort",
                selector: labels,
                ports: [{ name: "http", port: args.containerPort, targetPort: portName, protocol: "TCP", nodePort: args.nodePort }],
            },
        },
        opts,
    );

    return { deployment, service, serviceAccount };
}
