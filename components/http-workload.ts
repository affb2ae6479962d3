// One HTTP workload as the lab deploys it: a Deployment and a Service of the same, explicit
// name (other workloads address it by that DNS name), hardened by default. HelloWorldApp and
// Proxy are both made of this.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const HTTP_PORT_NAME = "http-server";

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
}

export interface HttpWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
}

/** Requests and limits sized for the lab's Spring Boot image (JVM heap plus metaspace). */
const RESOURCES = {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "500m", memory: "512Mi" },
};

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities: the "restricted" Pod Security Standard. */
const NON_ROOT_USER = 10001;

export function createHttpWorkload(args: HttpWorkloadArgs, opts: pulumi.CustomResourceOptions): HttpWorkload {
    const labels = { app: args.name };
    const metadata = { name: args.name, namespace: args.namespace, labels };

    const deployment = new k8s.apps.v1.Deployment(args.name, {
        metadata,
        spec: {
            replicas: args.replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels, annotations: args.annotations },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: NON_ROOT_USER,
                        runAsGroup: NON_ROOT_USER,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [{
                        name: args.name,
                        image: args.image,
                        ports: [{ name: HTTP_PORT_NAME, containerPort: args.containerPort, protocol: "TCP" }],
                        // The app only answers POSTs, so the probes check the socket, not a GET path.
                        readinessProbe: { tcpSocket: { port: HTTP_PORT_NAME }, initialDelaySeconds: 10, periodSeconds: 5 },
                        livenessProbe: { tcpSocket: { port: HTTP_PORT_NAME }, initialDelaySeconds: 60, periodSeconds: 20, failureThreshold: 3 },
                        resources: RESOURCES,
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { drop: ["ALL"] },
                        },
                        // Spring Boot's embedded Tomcat writes its work directory under /tmp.
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    }, opts);

    const service = new k8s.core.v1.Service(args.name, {
        metadata,
        spec: {
            type: args.nodePort === undefined ? "ClusterIP" : "NodePort",
            selector: labels,
            ports: [{ name: "http", port: args.containerPort, targetPort: HTTP_PORT_NAME, protocol: "TCP", nodePort: args.nodePort }],
        },
    }, opts);

    return { deployment, service };
}
