// The yaobank scenario inside the fake API server: the objects the program declares for a yaobank
// stage (under mocks, cluster=render, scenario=yaobank) in its three namespaces, the pods its
// Deployments would run (each under its service account), CoreDNS, a node, and the customer
// NodePort (30180, fixed by the scenario) served by a small HTTP server that renders the customer
// page when the chain customer -> summary -> database works. The data plane (`allows`) decides
// which connections work; like Calico's service-account selectors, it only gives a yaobank
// probe pod its workload's identity when the pod runs under the workload's service account.
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import { YAOBANK_APPS, YAOBANK_NODE_PORT, YAOBANK_WORKLOADS } from "../../scenarios/yaobank/stages";
import { runProgram } from "../helpers/program";
import { ExecReply, ExecRequest, FakeKube, FakeKubeOptions, Obj } from "./fake-kube";
import { Allows, clusterBaseline, DNS_IP, runningPods } from "./lab-cluster";

export const YAOBANK_NAMESPACES = YAOBANK_APPS.map((app) => YAOBANK_WORKLOADS[app].namespace);
export const CUSTOMER = "yaobank-customer/customer";
export const SUMMARY = "yaobank-summary/summary";
export const DATABASE = "yaobank-database/database";
export const CUSTOMER_NODEPORT = `nodeport:${CUSTOMER}`;
export const CUSTOMER_PAGE = "<h1>Welcome to YAO Bank</h1>";

export interface YaobankCluster {
    kube: FakeKube;
    /** The node's address: the customer NodePort listens there on 30180. */
    nodeAddress: string;
    podIPs: Record<string, string[]>;
    close(): Promise<void>;
}

/**
 * The NodePort is the scenario's (30180), not a free one: listen on 127.0.0.2 when the platform
 * has it (Linux routes all of 127/8), so no other test's random NodePort on 127.0.0.1 collides.
 */
async function listenOnNodePort(handler: http.RequestListener): Promise<{ address: string; close: () => Promise<void> }> {
    const sockets = new Set<Socket>();
    for (const address of ["127.0.0.2", "127.0.0.1"]) {
        const server = http.createServer(handler);
        server.on("connection", (socket) => {
            sockets.add(socket);
            socket.on("close", () => sockets.delete(socket));
        });
        const ok = await new Promise<boolean>((resolve) => {
            server.once("error", () => resolve(false));
            server.listen(YAOBANK_NODE_PORT, address, () => resolve(true));
        });
        if (ok)
            return {
                address: (server.address() as AddressInfo).address,
                close: () =>
                    new Promise((resolve) => {
                        for (const s of sockets) s.destroy();
                        server.close(() => resolve());
                    }),
            };
    }
    throw new Error(`cannot listen on ${YAOBANK_NODE_PORT} (127.0.0.2 or 127.0.0.1) for the fake customer NodePort`);
}

/** Who a pod speaks as: `<namespace>/<workload>`; a yaobank pod without its workload's service account is nobody the policies know. */
export function identityOf(pod: Obj): string {
    const namespace = pod.metadata.namespace ?? "default";
    const labels = pod.metadata.labels ?? {};
    if (labels["k8s-app"] === "kube-dns") return "kube-system/coredns";
    const app = labels.app ?? "unknown";
    if (YAOBANK_NAMESPACES.includes(namespace) && pod.spec?.serviceAccountName !== app) return `${namespace}/${app}-without-its-service-account`;
    return `${namespace}/${app}`;
}

/** The data plane answers an exec like busybox would (nc, nslookup against any server). */
export function yaobankExec(podIPs: () => Record<string, string[]>, allows: Allows): (request: ExecRequest) => ExecReply {
    const owner = (ip: string) => Object.entries(podIPs()).find(([, ips]) => ips.includes(ip))?.[0];
    const dnsTarget = (address: string) => (address === DNS_IP ? "kube-system/coredns" : `external:${address}`);
    return ({ pod, command }) => {
        const src = identityOf(pod);
        const [tool, ...args] = command;
        if (tool === "nc") {
            const [address, port] = args.slice(-2);
            const dst = Number(port) === 53 ? dnsTarget(address) : (owner(address) ?? `external:${address}`);
            return allows(src, dst, Number(port), "TCP") ? { exitCode: 0 } : { exitCode: 1, stderr: "" };
        }
        if (tool === "timeout" && args[1] === "nslookup") {
            const server = args[3];
            return allows(src, dnsTarget(server), 53, "UDP")
                ? { exitCode: 0, stdout: `Server:\t\t${server}\nAddress:\t${server}:53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n` }
                : { exitCode: 1, stdout: ";; connection timed out; no servers could be reached\n" };
        }
        return { exitCode: 127, stderr: `sh: ${tool}: not found` };
    };
}

/** yaobank's stage 4 (calico-policies) as a data plane: the web UI's chain, DNS, and the unisolated rest. */
export function yaobankDataPlane(): Allows {
    const yaobank = (endpoint: string) => YAOBANK_NAMESPACES.some((namespace) => endpoint.startsWith(`${namespace}/`));
    return (src, dst, port, protocol) => {
        if (dst === "kube-system/coredns") return true;
        if (src.startsWith("external:")) return dst === CUSTOMER_NODEPORT;
        if (src === CUSTOMER) return dst === SUMMARY && port === 80 && protocol === "TCP";
        if (src === SUMMARY) return dst === DATABASE && port === 2379 && protocol === "TCP";
        if (yaobank(src)) return false;
        // Sources outside yaobank are not isolated; of the yaobank pods only the customer admits them.
        if (yaobank(dst)) return dst === CUSTOMER && port === 80;
        return true;
    };
}

export async function yaobankCluster(stage: string, allows: Allows, options: FakeKubeOptions = {}): Promise<YaobankCluster> {
    const nodePort = await listenOnNodePort((req, res) => {
        if (!allows("external:world", CUSTOMER_NODEPORT, YAOBANK_NODE_PORT, "TCP")) return; // dropped: the client times out
        if (req.method !== "GET" || req.url !== "/") {
            res.statusCode = 404;
            return void res.end("not found");
        }
        if (allows(CUSTOMER, SUMMARY, 80, "TCP") && allows(SUMMARY, DATABASE, 2379, "TCP"))
            return void res.end(`<html><body>${CUSTOMER_PAGE}<p>Balance: 950.00</p></body></html>`);
        res.statusCode = 500;
        res.end("<h1>Internal Server Error</h1>");
    });
    const run = await runProgram({ cluster: "render", scenario: "yaobank", stage, flavor: "calico" });
    const { pods, podIPs } = runningPods(
        run.kubernetesObjects as Obj[],
        "192.168.2",
        (deployment) => `docker.io/rezareza/yaobank-${deployment.metadata.name}@sha256:${deployment.metadata.name}`,
    );
    const kube = new FakeKube({ exec: (request) => yaobankExec(() => podIPs, allows)(request), ...options });
    kube.add(...(run.kubernetesObjects as Obj[]).map((o) => ({ ...o, metadata: { ...o.metadata } })), ...pods);
    kube.add(...clusterBaseline().map((o) => (o.kind === "Node" ? { ...o, status: { addresses: [{ type: "InternalIP", address: nodePort.address }] } } : o)));
    await kube.start();
    return {
        kube,
        nodeAddress: nodePort.address,
        podIPs,
        close: async () => {
            await nodePort.close();
            await kube.stop();
        },
    };
}
