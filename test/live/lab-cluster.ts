// A lab cluster inside the fake API server: the objects the Pulumi program declares for a stage
// (run under mocks, cluster=render), the pods the Deployments would have, CoreDNS, a node whose
// address is 127.0.0.1, and NodePorts served by small HTTP servers that answer like the lab's
// app. Which connections work is decided by a data plane the test gives (`allows`), so the
// probes observe it through the real client, exec channel and fetch.
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import { runProgram } from "../helpers/program";
import { ExecReply, ExecRequest, FakeKube, FakeKubeOptions, Obj } from "./fake-kube";

export const NAMESPACE = "zero-trust-lab";

/**
 * Waits for verification against the fake API: real sockets and real timers, in milliseconds.
 * A NodePort the data plane drops never answers, so the HTTP probe is aborted after
 * HTTP_TIMEOUT_MS and observed as tcp-timeout, the way a real drop is after the default 2.5 s.
 * Allowed calls answer from loopback well within it (and are retried if a loaded machine stalls).
 */
export const HTTP_TIMEOUT_MS = 1000;
export const FAST_RETRY = { timeoutSeconds: 1, maxAttempts: 3, intervalMs: 5, stableCount: 2 };
/** A fake probe pod runs after a number of reads (podStartPolls), never after a time: its deadline is never reached. */
const POD_START_TIMEOUT_MS = 120_000;
export const FAST = { retry: FAST_RETRY, waits: { httpTimeoutMs: HTTP_TIMEOUT_MS }, probePods: { pollIntervalMs: 5, startTimeoutMs: POD_START_TIMEOUT_MS } };
/** The same for `npm run verify` as a child process (LAB_VERIFY_TEST_WAITS, live/verify.ts). */
export const FAST_ENV = { LAB_VERIFY_TEST_WAITS: `httpTimeoutMs=${HTTP_TIMEOUT_MS},pollIntervalMs=5,startTimeoutMs=${POD_START_TIMEOUT_MS}` };
export const DNS_IP = "10.96.0.10";

/** Who may connect where in the fake data plane: src workload (or "lab-neighbour/probe") -> dst. */
export type Allows = (src: string, dst: string, port: number, protocol: "TCP" | "UDP") => boolean;

export interface LabCluster {
    kube: FakeKube;
    nodePorts: { helloworld: number; proxy: number };
    podIPs: Record<string, string[]>;
    close(): Promise<void>;
}

async function listenInNodePortRange(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
    const sockets = new Set<Socket>();
    for (let attempt = 0; attempt < 50; attempt++) {
        const port = 30000 + Math.floor(Math.random() * 2700);
        const server = http.createServer(handler);
        server.on("connection", (socket) => {
            sockets.add(socket);
            socket.on("close", () => sockets.delete(socket));
        });
        const ok = await new Promise<boolean>((resolve) => {
            server.once("error", () => resolve(false));
            server.listen(port, "127.0.0.1", () => resolve(true));
        });
        if (ok)
            return {
                port: (server.address() as AddressInfo).port,
                close: () =>
                    new Promise((resolve) => {
                        for (const s of sockets) s.destroy();
                        server.close(() => resolve());
                    }),
            };
    }
    throw new Error("no free port in 30000-32767 for a fake NodePort");
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, string>> {
    let text = "";
    for await (const chunk of req) text += chunk;
    return JSON.parse(text || "{}");
}

/** The data plane answers an exec like busybox would. */
export function busyboxExec(podIPs: Record<string, string[]>, allows: Allows): (request: ExecRequest) => ExecReply {
    const owner = (ip: string) => Object.entries(podIPs).find(([, ips]) => ips.includes(ip))?.[0];
    return ({ pod, command }) => {
        const labels = pod.metadata.labels ?? {};
        const src = `${pod.metadata.namespace}/${pod.metadata.namespace === NAMESPACE ? labels.app : "probe"}`;
        const [tool, ...args] = command;
        if (tool === "nc") {
            const [address, port] = args.slice(-2);
            const dst = address === DNS_IP ? "kube-system/coredns" : (owner(address) ?? `external:${address}`);
            return allows(src, dst, Number(port), "TCP") ? { exitCode: 0 } : { exitCode: 1, stderr: "" };
        }
        if (tool === "timeout" && args[1] === "nslookup") {
            return allows(src, "kube-system/coredns", 53, "UDP")
                ? { exitCode: 0, stdout: `Server:\t\t${DNS_IP}\nAddress:\t${DNS_IP}:53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n` }
                : { exitCode: 1, stdout: ";; connection timed out; no servers could be reached\n" };
        }
        return { exitCode: 127, stderr: `sh: ${tool}: not found` };
    };
}

export async function labCluster(stage: string, allows: Allows, options: FakeKubeOptions & { flavor?: string } = {}): Promise<LabCluster> {
    // NodePorts: helloworld answers directly if the world may reach it, else it drops (never answers).
    const closers: (() => Promise<void>)[] = [];
    const worldMay = (service: string) => allows("external:world", `nodeport:${NAMESPACE}/${service}`, 0, "TCP");
    // Decided per request, so a walk that changes stage changes what the NodePorts do.
    const app = await listenInNodePortRange(async (req, res) => {
        if (!worldMay("helloworld")) return; // dropped: the client times out
        const body = await readJson(req);
        res.end(`Hello ${body.sender} (direct)`);
    });
    const proxy = await listenInNodePortRange(async (req, res) => {
        if (!worldMay("helloworld-proxy")) return;
        const body = await readJson(req);
        if (req.url === "/proxy/api/messages") {
            if (allows(`${NAMESPACE}/helloworld-proxy`, `${NAMESPACE}/helloworld`, 8080, "TCP")) return void res.end(`Hello ${body.sender} (proxy)`);
            res.statusCode = 500;
            return void res.end(
                `{"status":500,"error":"Internal Server Error","message":"I/O error on POST request for \\"http://${body.host}/api/messages\\": connect timed out"}`,
            );
        }
        res.end(`Hello ${body.sender} (direct)`);
    });
    closers.push(app.close, proxy.close);

    const { objects, podIPs } = await programObjects(stage, { helloworld: app.port, proxy: proxy.port }, options.flavor);
    const kube = new FakeKube({ exec: (request) => busyboxExec(currentPodIPs(), allows)(request), ...options });
    let livePodIPs = podIPs;
    const currentPodIPs = () => livePodIPs;
    kube.setPodIPs = (ips) => {
        livePodIPs = ips;
    };
    kube.add(...objects);
    kube.add(...clusterBaseline());
    await kube.start();
    closers.push(() => kube.stop());
    return {
        kube,
        nodePorts: { helloworld: app.port, proxy: proxy.port },
        podIPs,
        close: async () => {
            for (const close of closers) await close();
        },
    };
}

/** The program's objects at a stage (under mocks, cluster=render) and the pods its Deployments would run. */
export async function programObjects(
    stage: string,
    nodePorts: { helloworld: number; proxy: number },
    flavor = "calico",
): Promise<{ objects: Obj[]; podIPs: Record<string, string[]> }> {
    const run = await runProgram({ cluster: "render", stage, flavor, appNodePort: nodePorts.helloworld, proxyNodePort: nodePorts.proxy });
    const { pods, podIPs } = runningPods(run.kubernetesObjects as Obj[], "192.168.1", () => "docker.io/remkohdev/helloworld@sha256:abc123");
    return { objects: [...(run.kubernetesObjects as Obj[]).map((o) => ({ ...o, metadata: { ...o.metadata } })), ...pods], podIPs };
}

/**
 * The Running pods the Deployments among `objects` would have, one per replica, with their
 * template's labels and service account, addresses `<subnet>.10` upwards, keyed by `<namespace>/<deployment>`.
 */
export function runningPods(objects: Obj[], subnet: string, imageID: (deployment: Obj) => string): { pods: Obj[]; podIPs: Record<string, string[]> } {
    const podIPs: Record<string, string[]> = {};
    const pods: Obj[] = [];
    let ip = 10;
    for (const object of objects) {
        if (object.kind !== "Deployment") continue;
        const id = `${object.metadata.namespace}/${object.metadata.name}`;
        const template = object.spec.template;
        podIPs[id] = [];
        for (let i = 0; i < (object.spec.replicas ?? 1); i++) {
            const address = `${subnet}.${ip++}`;
            podIPs[id].push(address);
            pods.push({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: `${object.metadata.name}-${i}`, namespace: object.metadata.namespace, labels: template.metadata.labels },
                spec: {
                    nodeName: "calico-lab-worker",
                    ...(template.spec.serviceAccountName === undefined ? {} : { serviceAccountName: template.spec.serviceAccountName }),
                },
                status: {
                    phase: "Running",
                    podIP: address,
                    containerStatuses: [
                        {
                            name: template.spec.containers[0].name,
                            ready: true,
                            restartCount: 0,
                            image: template.spec.containers[0].image,
                            imageID: imageID(object),
                        },
                    ],
                },
            });
        }
    }
    return { pods, podIPs };
}

/** What every cluster has: kube-system with CoreDNS, and a node at 127.0.0.1. */
export function clusterBaseline(): Obj[] {
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" } } },
        {
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: "calico-lab-control-plane", labels: { "kubernetes.io/hostname": "calico-lab-control-plane" } },
            status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }] },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "coredns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
            spec: {
                replicas: 2,
                selector: { matchLabels: { "k8s-app": "kube-dns" } },
                template: {
                    metadata: { labels: { "k8s-app": "kube-dns" } },
                    spec: {
                        containers: [
                            {
                                name: "coredns",
                                image: "registry.k8s.io/coredns/coredns:v1.12.0",
                                ports: [
                                    { containerPort: 53, protocol: "UDP", name: "dns" },
                                    { containerPort: 53, protocol: "TCP", name: "dns-tcp" },
                                ],
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
            spec: {
                clusterIP: DNS_IP,
                selector: { "k8s-app": "kube-dns" },
                ports: [
                    { name: "dns", port: 53, protocol: "UDP" },
                    { name: "dns-tcp", port: 53, protocol: "TCP" },
                ],
            },
        },
    ];
}

/** The lab's truth table as a data plane (docs/lab.md), for the stages the tests use. */
export function labDataPlane(stage: number): Allows {
    return (src, dst, _port, protocol) => {
        const toDns = dst === "kube-system/coredns";
        if (toDns) return true; // every stage allows DNS to kube-dns
        if (stage <= 2) return true;
        if (stage === 3) return false;
        // 4 and 5: world -> proxy, proxy -> helloworld; nothing else.
        if (src === "external:world") return dst === `nodeport:${NAMESPACE}/helloworld-proxy`;
        return src === `${NAMESPACE}/helloworld-proxy` && dst === `${NAMESPACE}/helloworld` && protocol === "TCP";
    };
}
