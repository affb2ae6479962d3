import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHttpWorkload } from "./http-workload";
import { Placement, placedIn } from "./placement";

export const PROXY_NAME = "helloworld-proxy";
export const PROXY_PORT = 8080;

export interface ProxyArgs extends Placement {
    namespace: pulumi.Input<string>;
    /** The lab's proxy is the same image as the app, labelled differently. */
    image: string;
    replicas: number;
    /** `<service>:<port>` of the app, resolved by cluster DNS; the proxy forwards to it. */
    upstreamHost: pulumi.Input<string>;
    nodePort?: number;
}

/**
 * The lab's edge: Deployment and Service `helloworld-proxy`. A POST to /proxy/api/messages with
 * {"host": "<upstreamHost>"} makes it call the app, so it needs DNS and TCP 8080 to the app.
 */
export class Proxy extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly upstreamHost: pulumi.Output<string>;

    constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:components:Proxy", name, {}, opts);
        this.upstreamHost = pulumi.output(args.upstreamHost);
        const workload = createHttpWorkload(
            {
                name: PROXY_NAME,
                namespace: args.namespace,
                image: args.image,
                replicas: args.replicas,
                containerPort: PROXY_PORT,
                nodePort: args.nodePort,
                // The image takes its upstream from each request; the annotation records it for readers.
                annotations: { "lab.calico-zero-trust/upstream": this.upstreamHost },
            },
            placedIn(args, this),
        );
        this.deployment = workload.deployment;
        this.service = workload.service;
        this.registerOutputs({ upstreamHost: this.upstreamHost });
    }
}
