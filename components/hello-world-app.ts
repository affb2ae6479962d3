import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHttpWorkload } from "./http-workload";
import { Placement, placedIn } from "./placement";

export const HELLOWORLD_NAME = "helloworld";
export const HELLOWORLD_PORT = 8080;

export interface HelloWorldAppArgs extends Placement {
    namespace: pulumi.Input<string>;
    image: string;
    replicas: number;
    /** Expose the Service as a NodePort on this port (the lab "leaves the NodePort open"). */
    nodePort?: number;
}

/** The lab's app: Deployment and Service `helloworld`, port 8080 named http-server, label app=helloworld. */
export class HelloWorldApp extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    /** In-cluster address of the app, as the proxy calls it. */
    public readonly serviceHost: pulumi.Output<string>;

    constructor(name: string, args: HelloWorldAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lab:components:HelloWorldApp", name, {}, opts);
        const workload = createHttpWorkload(
            {
                name: HELLOWORLD_NAME,
                namespace: args.namespace,
                image: args.image,
                replicas: args.replicas,
                containerPort: HELLOWORLD_PORT,
                nodePort: args.nodePort,
            },
            placedIn(args, this),
        );
        this.deployment = workload.deployment;
        this.service = workload.service;
        this.serviceHost = pulumi.interpolate`${this.service.metadata.name}:${HELLOWORLD_PORT}`;
        this.registerOutputs({ serviceHost: this.serviceHost });
    }
}
