// What verification needs from a cluster, and its implementation over @kubernetes/client-node.
// The probes, the read-back and the lab walk only see ClusterApi; tests point the real
// implementation (KubeClusterApi) at a fake API server on loopback.
import * as k8s from "@kubernetes/client-node";
import { Writable } from "stream";
import { EnvironmentError, KubeconfigSource, loadKubeConfig } from "./kubeconfig";
import { errorText } from "./error-text";
import { Redactor } from "./redact";

export interface PodInfo {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    phase: string;
    ip?: string;
    nodeName?: string;
    /** Why the pod is not running, when a container waits (ImagePullBackOff, CreateContainerConfigError ...). */
    waitingReason?: string;
    /** Container name -> imageID as the kubelet reports it (a pinned digest). */
    imageIds: Record<string, string>;
}

export interface NodeInfo {
    name: string;
    labels: Record<string, string>;
    internalIP?: string;
    externalIP?: string;
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

export type PlainObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
    [key: string]: unknown;
};

export interface ClusterApi {
    /** Removes the kubeconfig's credentials from text and results (KubeClusterApi has one; a test double may not). */
    readonly redactor?: Redactor;
    /** A ConfigMap's data; undefined when the ConfigMap does not exist. */
    readConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
    listNodes(): Promise<NodeInfo[]>;
    listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]>;
    namespaceExists(name: string): Promise<boolean>;
    createNamespace(name: string, labels: Record<string, string>): Promise<void>;
    deleteNamespace(name: string): Promise<void>;
    createPod(namespace: string, pod: k8s.V1Pod): Promise<void>;
    getPod(namespace: string, name: string): Promise<PodInfo | undefined>;
    /** Deletes a pod immediately; resolves also when it is already gone. */
    deletePod(namespace: string, name: string): Promise<void>;
    /** Runs a command in a container; rejects after timeoutMs. */
    exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult>;
    /**
     * Every object of a kind (in a namespace, or cluster-wide), with apiVersion and kind set, read
     * page by page (`limit`/`continue`); undefined when the cluster does not serve that API (e.g. no
     * Calico API server). @throws ListForbiddenError when the credentials may not list the kind.
     */
    listObjects(apiVersion: string, kind: string, namespace?: string): Promise<PlainObject[] | undefined>;
}

function statusCode(error: unknown): number | undefined {
    const code = (error as { code?: unknown })?.code;
    return typeof code === "number" ? code : undefined;
}

function isNotFound(error: unknown): boolean {
    if (statusCode(error) === 404) return true;
    // KubernetesObjectApi reports an unserved API version as a failed discovery or an unknown kind.
    const message = error instanceof Error ? error.message : String(error);
    return /Failed to fetch resource metadata|Unrecognized API version and kind/.test(message) && /404|Unrecognized/.test(message);
}

function podInfo(pod: k8s.V1Pod): PodInfo {
    const statuses = pod.status?.containerStatuses ?? [];
    const waiting = statuses.map((status) => status.state?.waiting?.reason).find((reason) => reason !== undefined);
    return {
        name: pod.metadata?.name ?? "",
        namespace: pod.metadata?.namespace ?? "",
        labels: pod.metadata?.labels ?? {},
        phase: pod.status?.phase ?? "Unknown",
        ip: pod.status?.podIP,
        nodeName: pod.spec?.nodeName,
        waitingReason: waiting,
        imageIds: Object.fromEntries(statuses.filter((status) => status.imageID).map((status) => [status.name, status.imageID])),
    };
}

class Collector extends Writable {
    text = "";
    override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
        this.text += chunk.toString("utf8");
        callback();
    }
}

/** Exit code from the exec status channel: Success -> 0, NonZeroExitCode -> its ExitCode cause. */
export function exitCodeOf(status: k8s.V1Status): number {
    if (status.status === "Success") return 0;
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    const code = Number(cause?.message);
    return Number.isInteger(code) ? code : -1;
}

export interface KubeClusterApiOptions {
    /**
     * How long an exec socket that closed may still deliver its exit status before the exec is
     * a transport failure (default 50 ms; tests that close sockets on purpose shorten it).
     */
    closeGraceMs?: number;
    /** Longest wait for one API request, answer included (default DEFAULT_REQUEST_TIMEOUT_MS). */
    requestTimeoutMs?: number;
    /** Learns the credential headers the client sends (an exec plugin's token exists only then). */
    redactor?: Redactor;
    /** Items per page of a list (the API's `limit`; `continue` fetches the next page; default LIST_PAGE_SIZE). */
    listPageSize?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

/** A list's page size, as kubectl's `--chunk-size` default: no answer of a large cluster is one huge body. */
export const LIST_PAGE_SIZE = 500;

/** The credentials in use may not list a kind (HTTP 403): which kind, where, and (`neededBy`) what needs it. */
export class ListForbiddenError extends Error {
    constructor(
        readonly apiVersion: string,
        readonly kind: string,
        readonly namespace?: string,
        neededBy?: string,
    ) {
        super(
            `no permission to list ${kind} (${apiVersion})${namespace ? ` in namespace ${namespace}` : ""}${neededBy ? `, and verdicts need it: ${neededBy}` : ""}`,
        );
        this.name = "ListForbiddenError";
    }
}

/** The API server did not answer in time, or could not be reached: nothing can be verified (exit 2). */
export class ClusterUnreachableError extends EnvironmentError {
    constructor(message: string) {
        super(message);
        this.name = "ClusterUnreachableError";
    }
}

class RequestTimeoutError extends Error {
    constructor(timeoutMs: number) {
        super(`no answer within ${timeoutMs} ms`);
        this.name = "RequestTimeoutError";
    }
}

/** A transport failure (no answer, no connection), as opposed to an answer from the API server. */
function transportFailure(error: unknown): string | undefined {
    if (statusCode(error) !== undefined) return undefined;
    const name = (error as { name?: string })?.name;
    if (name === "RequestTimeoutError" || name === "TimeoutError" || name === "AbortError") return "timeout";
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    const code = cause?.code ?? (error as { code?: unknown })?.code;
    if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_\w+|EPIPE)$/.test(code))
        return `${code}${cause?.message ? ` (${cause.message})` : ""}`;
    return undefined;
}

export class KubeClusterApi implements ClusterApi {
    private readonly core: k8s.CoreV1Api;
    private readonly objects: ObjectApi;
    private readonly execClient: k8s.Exec;
    private readonly closeGraceMs: number;
    readonly requestTimeoutMs: number;
    readonly redactor: Redactor;
    private readonly listPageSize: number;

    constructor(
        readonly kubeConfig: k8s.KubeConfig,
        options: KubeClusterApiOptions = {},
    ) {
        this.closeGraceMs = options.closeGraceMs ?? 50;
        this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
        this.listPageSize = options.listPageSize ?? LIST_PAGE_SIZE;
        this.redactor = options.redactor ?? Redactor.fromKubeConfig(kubeConfig);
        const cluster = kubeConfig.getCurrentCluster();
        if (!cluster) throw new EnvironmentError(`the kubeconfig has no cluster for context ${kubeConfig.getCurrentContext()}`);
        // Every request gets a deadline (the client sets none: an API server that accepts the
        // connection and never answers would hang verify), and its credential header is learnt
        // by the redactor before it leaves.
        const timeoutMs = this.requestTimeoutMs;
        const redactor = this.redactor;
        const configuration = k8s.createConfiguration({
            baseServer: new k8s.ServerConfiguration(cluster.server, {}),
            authMethods: { default: kubeConfig },
            promiseMiddleware: [
                {
                    pre: async (context) => {
                        // Aborted with an Error of our own, not AbortSignal.timeout's DOMException:
                        // KubernetesObjectApi rewrites the message of what it catches, which a
                        // DOMException does not allow (the rewrite itself then throws a TypeError).
                        const controller = new AbortController();
                        setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs).unref();
                        context.setSignal(controller.signal);
                        redactor.addHeader(context.getHeaders().Authorization);
                        return context;
                    },
                    post: async (response) => response,
                },
            ],
        });
        this.core = new k8s.CoreV1Api(configuration);
        this.objects = new ObjectApi(configuration);
        this.execClient = new k8s.Exec(kubeConfig);
    }

    /** A kubeconfig checked before any network call (live/kubeconfig.ts), with its context. */
    static fromSource(source: KubeconfigSource, options: KubeClusterApiOptions = {}): KubeClusterApi {
        return new KubeClusterApi(loadKubeConfig(source), options);
    }

    /** The default kubeconfig (KUBECONFIG or ~/.kube/config), optionally another context. */
    static fromDefault(context?: string, options: KubeClusterApiOptions = {}): KubeClusterApi {
        return KubeClusterApi.fromSource({ context, origin: "your kubeconfig" }, options);
    }

    static fromKubeconfigText(text: string, context?: string, options: KubeClusterApiOptions = {}): KubeClusterApi {
        return KubeClusterApi.fromSource({ text, context, origin: "the kubeconfig given" }, options);
    }

    /** `<context> (<server>)`, the server's userinfo and every known credential redacted. */
    describe(): string {
        return this.redactor.text(`${this.kubeConfig.getCurrentContext()} (${this.kubeConfig.getCurrentCluster()?.server ?? "no server"})`);
    }

    /** Runs one API call; a transport failure becomes a ClusterUnreachableError naming the server. */
    private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
        try {
            return await request();
        } catch (error) {
            const failure = transportFailure(error);
            if (failure === undefined) {
                // An answer, or the client's own failure (an exec credential plugin's error quotes
                // its command line): the message loses the kubeconfig's credentials on the way up.
                if (error instanceof Error) {
                    try {
                        error.message = this.redactor.text(error.message);
                    } catch {
                        /* a read-only message (DOMException) carries none */
                    }
                }
                throw error;
            }
            const server = this.describe();
            throw new ClusterUnreachableError(
                failure === "timeout"
                    ? `the API server ${server} did not answer within ${this.requestTimeoutMs / 1000} s (${what}); is it up? (--request-timeout sets the wait per request)`
                    : this.redactor.text(`cannot reach the API server ${server} (${what}): ${failure}`),
            );
        }
    }

    async readConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
        try {
            const configMap = await this.call(`read ConfigMap ${namespace}/${name}`, () => this.core.readNamespacedConfigMap({ namespace, name }));
            return configMap.data ?? {};
        } catch (error) {
            if (statusCode(error) === 404) return undefined;
            throw error;
        }
    }

    async listNodes(): Promise<NodeInfo[]> {
        const nodes = await this.call("list nodes", () => this.core.listNode());
        return nodes.items.map((node) => ({
            name: node.metadata?.name ?? "",
            labels: node.metadata?.labels ?? {},
            internalIP: node.status?.addresses?.find((address) => address.type === "InternalIP")?.address,
            externalIP: node.status?.addresses?.find((address) => address.type === "ExternalIP")?.address,
        }));
    }

    async listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]> {
        const pods = await this.call(`list pods in ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector }));
        return pods.items.map(podInfo);
    }

    async namespaceExists(name: string): Promise<boolean> {
        try {
            await this.call(`read namespace ${name}`, () => this.core.readNamespace({ name }));
            return true;
        } catch (error) {
            if (statusCode(error) === 404) return false;
            throw error;
        }
    }

    async createNamespace(name: string, labels: Record<string, string>): Promise<void> {
        await this.call(`create namespace ${name}`, () => this.core.createNamespace({ body: { metadata: { name, labels } } }));
    }

    async deleteNamespace(name: string): Promise<void> {
        try {
            await this.call(`delete namespace ${name}`, () => this.core.deleteNamespace({ name }));
        } catch (error) {
            if (statusCode(error) !== 404) throw error;
        }
    }

    async createPod(namespace: string, pod: k8s.V1Pod): Promise<void> {
        await this.call(`create pod in ${namespace}`, () => this.core.createNamespacedPod({ namespace, body: pod }));
    }

    async getPod(namespace: string, name: string): Promise<PodInfo | undefined> {
        try {
            return podInfo(await this.call(`read pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name })));
        } catch (error) {
            if (statusCode(error) === 404) return undefined;
            throw error;
        }
    }

    async deletePod(namespace: string, name: string): Promise<void> {
        try {
            await this.call(`delete pod ${namespace}/${name}`, () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }));
        } catch (error) {
            if (statusCode(error) !== 404) throw error;
        }
    }

    exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult> {
        const stdout = new Collector();
        const stderr = new Collector();
        return new Promise<ExecResult>((resolve, reject) => {
            let socket: { close(): void } | undefined;
            let settled = false;
            const finish = (outcome: () => void) => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                outcome();
            };
            const timer = setTimeout(() => {
                finish(() => reject(new Error(`exec in ${namespace}/${pod} timed out after ${timeoutMs} ms: ${command.join(" ")}`)));
                socket?.close();
            }, timeoutMs);
            this.execClient
                .exec(namespace, pod, container, command, stdout, stderr, null, false, (status) => {
                    finish(() => resolve({ exitCode: exitCodeOf(status), stdout: stdout.text, stderr: stderr.text }));
                })
                .then((ws) => {
                    socket = ws;
                    if (settled) ws.close();
                    // A socket that closes without a status frame is a transport failure, not an exit code.
                    ws.addEventListener?.("close", () => {
                        setTimeout(
                            () => finish(() => reject(new Error(`exec in ${namespace}/${pod}: connection closed without an exit status`))),
                            this.closeGraceMs,
                        );
                    });
                })
                .catch((error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(errorText(error)))));
        });
    }

    async listObjects(apiVersion: string, kind: string, namespace?: string): Promise<PlainObject[] | undefined> {
        const what = `list ${kind} (${apiVersion})${namespace ? ` in ${namespace}` : ""}`;
        try {
            const items: unknown[] = [];
            let token: string | undefined;
            do {
                const page = await this.call(what, () => this.listPage(apiVersion, kind, namespace, token));
                if (page === undefined) return undefined;
                items.push(...page.items);
                token = page.token;
            } while (token);
            return (items as PlainObject[]).map((item) => ({ ...item, apiVersion, kind }));
        } catch (error) {
            if (isNotFound(error)) return undefined;
            if (statusCode(error) === 403) throw new ListForbiddenError(apiVersion, kind, namespace);
            throw error;
        }
    }

    /** One page of a list, as the API server's JSON, and the token of the next. Undefined when the kind is not served. */
    private async listPage(apiVersion: string, kind: string, namespace: string | undefined, token: string | undefined): Promise<ListPage | undefined> {
        if (!(await this.objects.discover(apiVersion, kind))) return undefined;
        const page = await this.objects.listJson(apiVersion, kind, namespace, this.listPageSize, token);
        return { items: page.items ?? [], token: page.metadata?.continue || undefined };
    }
}

/** Marks a request whose answer is kept as the API server's JSON (ObjectApi.processResponse). */
const AS_SENT = "as-sent";

/**
 * The object API with its discovery (protected there) open, and lists read as the API server sent
 * them. The client otherwise deserializes built-in kinds into its generated models, which rename
 * the fields that are reserved words in TypeScript (a NetworkPolicy rule's `from` becomes `_from`:
 * read so, the rule would look like one without `from`, which admits every source), turn timestamps
 * into Dates and cost a copy of every object (a second of CPU for 10,000 pods: bench/live-read.bench.ts);
 * and it reads a list's metadata as an object's, which drops a custom resource list's `continue`.
 */
class ObjectApi extends k8s.KubernetesObjectApi {
    discover(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
        return this.resource(apiVersion, kind);
    }

    /** One page of `kind` (cluster-wide without `namespace`), `limit` items after `token`, as JSON. @throws the client's ApiException */
    async listJson(apiVersion: string, kind: string, namespace: string | undefined, limit: number | undefined, token: string | undefined): Promise<ListJson> {
        const path = await this.specUriPath({ apiVersion, kind, metadata: { ...(namespace ? { namespace } : {}) } }, "list");
        const request = this.configuration.baseServer.makeRequestContext(path, k8s.HttpMethod.GET);
        request.setHeaderParam("Accept", "application/json");
        if (limit !== undefined) request.setQueryParam("limit", String(limit));
        if (token !== undefined) request.setQueryParam("continue", token);
        return (await this.requestPromise(request, AS_SENT)) as unknown as ListJson;
    }

    protected override async processResponse<T extends k8s.KubernetesObject>(response: k8s.ResponseContext, type?: string): Promise<T> {
        if (type !== AS_SENT || response.httpStatusCode < 200 || response.httpStatusCode > 299) return super.processResponse<T>(response, type);
        return JSON.parse(await response.body.text()) as T;
    }
}

interface ListJson {
    items?: unknown[];
    metadata?: { continue?: string };
}

interface ListPage {
    items: unknown[];
    token?: string;
}
