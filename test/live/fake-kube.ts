// A fake Kubernetes API server on 127.0.0.1 that @kubernetes/client-node talks to for real:
// discovery, lists (paged with limit/continue), configmaps, nodes, namespaces, pods (create/get/delete with a lifecycle),
// and exec over a WebSocket (v4.channel.k8s.io framing, hand-written here). What an exec
// prints is decided by the test's `exec` handler: the fake data plane.
import * as k8s from "@kubernetes/client-node";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { AddressInfo, Socket } from "net";
import { temporaryDirectory } from "../helpers/temporary";

export type Obj = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
    spec?: any;
    status?: any;
    data?: Record<string, string>;
    [k: string]: unknown;
};

export interface ExecRequest {
    namespace: string;
    pod: Obj;
    container: string;
    command: string[];
}
export type ExecReply = { exitCode: number; stdout?: string; stderr?: string; delayMs?: number } | "hang" | "close-without-status";

export interface FakeKubeOptions {
    /** Answers an exec; default: exit 0, no output. */
    exec?: (request: ExecRequest) => ExecReply | Promise<ExecReply>;
    /** API groups/versions the server does not serve (e.g. "projectcalico.org/v3"). */
    unserved?: string[];
    /** GETs of a new pod before it is Running. */
    podStartPolls?: number;
    /** A new pod never starts: it waits with this reason (e.g. ImagePullBackOff). */
    podWaitingReason?: string;
    /** Requests answered with an error: (method, path) -> status code or undefined (403: Forbidden, as RBAC answers). */
    fail?: (method: string, path: string) => number | undefined;
    /** Serve crd.projectcalico.org/v1, Calico's CRDs (a cluster without Calico's API server); default: not served. */
    calicoCrds?: boolean;
    /** Kinds no API group serves (e.g. the staged kinds on a Calico before v3.30). */
    unservedKinds?: string[];
}

const plural = (kind: string) => (kind.endsWith("y") ? `${kind.slice(0, -1).toLowerCase()}ies` : `${kind.toLowerCase()}s`);
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "Node",
    "GlobalNetworkPolicy",
    "GlobalNetworkSet",
    "HostEndpoint",
    "Tier",
    "IPPool",
    "KubeControllersConfiguration",
    "FelixConfiguration",
    "ClusterInformation",
    "StagedGlobalNetworkPolicy",
]);
const CALICO_KINDS = [
    "NetworkPolicy",
    "GlobalNetworkPolicy",
    "NetworkSet",
    "GlobalNetworkSet",
    "HostEndpoint",
    "Tier",
    "IPPool",
    "KubeControllersConfiguration",
    "FelixConfiguration",
    "ClusterInformation",
    "StagedNetworkPolicy",
    "StagedGlobalNetworkPolicy",
    "StagedKubernetesNetworkPolicy",
];
const SERVED: Record<string, string[]> = {
    v1: ["Namespace", "Node", "Pod", "Service", "ConfigMap", "ServiceAccount"],
    "apps/v1": ["Deployment", "StatefulSet", "DaemonSet"],
    "networking.k8s.io/v1": ["NetworkPolicy"],
    "discovery.k8s.io/v1": ["EndpointSlice"],
    "projectcalico.org/v3": CALICO_KINDS,
    "crd.projectcalico.org/v1": CALICO_KINDS,
};

function matchesSelector(labels: Record<string, string> = {}, selector?: string | null): boolean {
    if (!selector) return true;
    // The API server's equality and existence terms: key=value, key (exists), !key (does not exist).
    return selector.split(",").every((term) => {
        if (term.startsWith("!")) return !Object.hasOwn(labels, term.slice(1));
        const [key, value] = term.split("=");
        return value === undefined ? Object.hasOwn(labels, key) : labels[key] === value;
    });
}

// ---- WebSocket framing (RFC 6455), server side --------------------------------------------
function frame(opcode: number, payload: Buffer): Buffer {
    const length = payload.length;
    const header =
        length < 126
            ? Buffer.from([0x80 | opcode, length])
            : length < 65536
              ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
              : (() => {
                    const b = Buffer.alloc(10);
                    b[0] = 0x80 | opcode;
                    b[1] = 127;
                    b.writeBigUInt64BE(BigInt(length), 2);
                    return b;
                })();
    return Buffer.concat([header, payload]);
}
const channel = (n: number, text: string) => frame(0x2, Buffer.concat([Buffer.from([n]), Buffer.from(text, "utf8")]));

export class FakeKube {
    readonly objects: Obj[] = [];
    readonly requests: string[] = [];
    /** Every list request with its query (`/api/v1/pods?limit=500&continue=...`): pages and selectors. */
    readonly lists: string[] = [];
    readonly execs: ExecRequest[] = [];
    private server?: http.Server;
    private readonly sockets = new Set<Socket>();
    private readonly podPolls = new Map<string, number>();
    private nextPodIp = 100;
    port = 0;
    /** Tests that change the cluster's workloads tell the data plane their pod IPs. */
    setPodIPs: (ips: Record<string, string[]>) => void = () => undefined;

    constructor(readonly options: FakeKubeOptions = {}) {}

    add(...objects: Obj[]): this {
        for (const object of objects) this.objects.push(structuredClone(object));
        return this;
    }

    find(kind: string, namespace: string | undefined, name: string): Obj | undefined {
        return this.objects.find((o) => o.kind === kind && o.metadata.name === name && (CLUSTER_SCOPED.has(kind) || o.metadata.namespace === namespace));
    }

    pods(namespace?: string): Obj[] {
        return this.objects.filter((o) => o.kind === "Pod" && (namespace === undefined || o.metadata.namespace === namespace));
    }

    async start(): Promise<this> {
        this.server = http.createServer((req, res) => void this.handle(req, res));
        this.server.on("upgrade", (req, socket: Socket) => void this.upgrade(req, socket));
        this.server.on("connection", (socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        return this;
    }

    async stop(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    }

    kubeConfig(): k8s.KubeConfig {
        const kc = new k8s.KubeConfig();
        kc.loadFromOptions({
            clusters: [{ name: "fake", server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
            users: [{ name: "fake" }],
            contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
            currentContext: "fake",
        });
        return kc;
    }

    private send(res: http.ServerResponse, code: number, body: unknown): void {
        res.writeHead(code, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
    }

    private status(res: http.ServerResponse, code: number, message: string): void {
        this.send(res, code, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message,
            reason: code === 404 ? "NotFound" : code === 403 ? "Forbidden" : "InternalError",
            code,
        });
    }

    private async body(req: http.IncomingMessage): Promise<any> {
        let text = "";
        for await (const chunk of req) text += chunk;
        return text ? JSON.parse(text) : undefined;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://fake");
        const method = req.method ?? "GET";
        this.requests.push(`${method} ${url.pathname}`);
        const failure = this.options.fail?.(method, url.pathname);
        if (failure) return this.status(res, failure, `injected failure for ${method} ${url.pathname}`);

        const parts = url.pathname.split("/").filter(Boolean);
        const [apiVersion, rest] = parts[0] === "api" ? [parts[1], parts.slice(2)] : [`${parts[1]}/${parts[2]}`, parts.slice(3)];
        const unserved = this.options.unserved?.includes(apiVersion ?? "") || (apiVersion === "crd.projectcalico.org/v1" && !this.options.calicoCrds);
        if (!apiVersion || !SERVED[apiVersion] || unserved) return this.status(res, 404, `the server could not find the requested resource (${url.pathname})`);
        if (rest.length === 0) {
            return this.send(res, 200, {
                kind: "APIResourceList",
                groupVersion: apiVersion,
                resources: this.served(apiVersion).map((kind) => ({ name: plural(kind), kind, namespaced: !CLUSTER_SCOPED.has(kind), verbs: ["get", "list"] })),
            });
        }
        let namespace: string | undefined;
        let resource = rest;
        if (rest[0] === "namespaces" && rest.length >= 3) {
            namespace = rest[1];
            resource = rest.slice(2);
        }
        const kind = this.served(apiVersion).find((k) => plural(k) === resource[0]);
        if (!kind) return this.status(res, 404, `no resource ${resource[0]} in ${apiVersion}`);
        const name = resource[1];
        const inGroup = (o: Obj) =>
            o.kind === kind && (o.apiVersion === apiVersion || (kind !== "NetworkPolicy" && apiVersion.split("/")[0] === o.apiVersion.split("/")[0]));

        if (method === "GET" && !name) {
            const items = this.objects.filter(
                (o) =>
                    inGroup(o) &&
                    (namespace === undefined || o.metadata.namespace === namespace) &&
                    matchesSelector(o.metadata.labels, url.searchParams.get("labelSelector")),
            );
            this.lists.push(`${url.pathname}${url.search}`);
            // Pages as the API server gives them: `limit` items, then a `continue` token for the rest.
            const offset = Number(url.searchParams.get("continue") ?? 0);
            const limit = Number(url.searchParams.get("limit") ?? 0) || items.length;
            const page = items.slice(offset, offset + limit);
            const rest = offset + limit < items.length ? { continue: String(offset + limit), remainingItemCount: items.length - offset - limit } : {};
            return this.send(res, 200, {
                kind: `${kind}List`,
                apiVersion,
                metadata: rest,
                items: page.map((o) => ({ ...o, ...(kind === "Pod" ? { status: this.podStatus(o) } : {}) })),
            });
        }
        if (method === "GET") {
            const object = this.objects.find((o) => inGroup(o) && o.metadata.name === name && (CLUSTER_SCOPED.has(kind) || o.metadata.namespace === namespace));
            if (!object) return this.status(res, 404, `${plural(kind)} "${name}" not found`);
            return this.send(res, 200, kind === "Pod" ? { ...object, status: this.podStatus(object) } : object);
        }
        if (method === "POST") {
            const object = (await this.body(req)) as Obj;
            object.apiVersion = apiVersion;
            object.kind = kind;
            if (namespace) object.metadata.namespace = namespace;
            if (this.find(kind, namespace, object.metadata.name)) return this.status(res, 409, `${plural(kind)} "${object.metadata.name}" already exists`);
            if (kind === "Pod") object.status = { phase: "Pending" };
            this.objects.push(object);
            return this.send(res, 201, object);
        }
        if (method === "PATCH") {
            const object = this.objects.find((o) => inGroup(o) && o.metadata.name === name && (CLUSTER_SCOPED.has(kind) || o.metadata.namespace === namespace));
            if (!object) return this.status(res, 404, `${plural(kind)} "${name}" not found`);
            if (!/merge-patch\+json/.test(req.headers["content-type"] ?? ""))
                return this.status(res, 415, `the fake takes merge patches only, not ${req.headers["content-type"]}`);
            mergePatch(object, await this.body(req));
            return this.send(res, 200, object);
        }
        if (method === "DELETE") {
            const index = this.objects.findIndex(
                (o) => inGroup(o) && o.metadata.name === name && (CLUSTER_SCOPED.has(kind) || o.metadata.namespace === namespace),
            );
            if (index < 0) return this.status(res, 404, `${plural(kind)} "${name}" not found`);
            const [object] = this.objects.splice(index, 1);
            return this.send(res, 200, object);
        }
        return this.status(res, 405, `${method} not supported by the fake`);
    }

    private served(apiVersion: string): string[] {
        return SERVED[apiVersion]!.filter((kind) => !this.options.unservedKinds?.includes(kind));
    }

    /** A created pod runs after `podStartPolls` reads, with an IP; pods added by the test keep their status. */
    private podStatus(pod: Obj): any {
        if (["Running", "Failed", "Succeeded"].includes(pod.status?.phase)) return pod.status;
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        const polls = (this.podPolls.get(key) ?? 0) + 1;
        this.podPolls.set(key, polls);
        if (this.options.podWaitingReason) {
            return {
                phase: "Pending",
                containerStatuses: [
                    {
                        name: "probe",
                        ready: false,
                        restartCount: 0,
                        image: "busybox",
                        imageID: "",
                        state: { waiting: { reason: this.options.podWaitingReason } },
                    },
                ],
            };
        }
        if (polls > (this.options.podStartPolls ?? 1)) {
            pod.status = {
                phase: "Running",
                podIP: `192.168.9.${this.nextPodIp++}`,
                containerStatuses: [{ name: "probe", ready: false, restartCount: 0, image: "busybox:1.36", imageID: "docker.io/library/busybox@sha256:1111" }],
            };
            return pod.status;
        }
        return { phase: "Pending" };
    }

    private async upgrade(req: http.IncomingMessage, socket: Socket): Promise<void> {
        const url = new URL(req.url ?? "/", "http://fake");
        this.requests.push(`UPGRADE ${url.pathname}`);
        const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
        const pod = match ? this.find("Pod", match[1], match[2]) : undefined;
        if (!match || !pod) {
            socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(
            [
                "HTTP/1.1 101 Switching Protocols",
                "Upgrade: websocket",
                "Connection: Upgrade",
                `Sec-WebSocket-Accept: ${accept}`,
                "Sec-WebSocket-Protocol: v4.channel.k8s.io",
                "",
                "",
            ].join("\r\n"),
        );
        socket.on("data", () => undefined);
        socket.on("error", () => undefined);
        const request: ExecRequest = {
            namespace: match[1],
            pod,
            container: url.searchParams.get("container") ?? "",
            command: url.searchParams.getAll("command"),
        };
        this.execs.push(request);
        const reply = this.options.exec ? await this.options.exec(request) : { exitCode: 0 };
        if (reply === "hang") return;
        if (reply === "close-without-status") {
            socket.end(frame(0x8, Buffer.alloc(0)));
            return;
        }
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (socket.destroyed) return;
        if (reply.stdout) socket.write(channel(1, reply.stdout));
        if (reply.stderr) socket.write(channel(2, reply.stderr));
        const status =
            reply.exitCode === 0
                ? { metadata: {}, status: "Success" }
                : {
                      metadata: {},
                      status: "Failure",
                      message: `command terminated with non-zero exit code: exit status ${reply.exitCode}`,
                      reason: "NonZeroExitCode",
                      details: { causes: [{ reason: "ExitCode", message: String(reply.exitCode) }] },
                  };
        socket.write(channel(3, JSON.stringify(status)));
        socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    }
}

/** A kubeconfig file (in a fresh temp directory) whose only context is the fake API on `port`. */
export function kubeconfigFile(port: number): string {
    const file = path.join(temporaryDirectory("kubeconfig"), "config");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            "current-context: fake",
            "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:" + port + "', insecure-skip-tls-verify: true}}]",
            "users: [{name: fake, user: {}}]",
            "contexts: [{name: fake, context: {cluster: fake, user: fake}}]",
        ].join("\n"),
    );
    return file;
}

/** RFC 7386 JSON merge patch, in place: null removes a key, objects merge, anything else replaces. */
function mergePatch(target: Record<string, any>, patch: Record<string, any>): void {
    for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete target[key];
        else if (typeof value === "object" && !Array.isArray(value) && typeof target[key] === "object" && target[key] !== null && !Array.isArray(target[key]))
            mergePatch(target[key], value);
        else target[key] = value;
    }
}
