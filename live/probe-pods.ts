// Short-lived probe pods: one per identity a flow needs (a lab workload's labels, and its service
// account when it has one, in the workload's namespace; the neighbour's labels in lab-neighbour).
// They meet the "restricted" Pod Security Standard (the helloworld namespace enforces it; the
// yaobank namespaces enforce "baseline" and warn about "restricted", so no warning either),
// carry resource limits, never join a Service (a readiness gate nobody sets keeps them NotReady)
// and die on their own after activeDeadlineSeconds even if nobody deletes them. ProbePods deletes every pod it created, on success, failure and Ctrl-C.
import type * as k8s from "@kubernetes/client-node";
import { randomBytes } from "crypto";
import type { ClusterApi, PodInfo } from "./cluster";
import { errorText } from "./error-text";

export const PROBE_LABEL = "lab.calico-zero-trust/probe";
export const PROBE_RUN_LABEL = "lab.calico-zero-trust/probe-run";
/**
 * The lab a probe pod verifies (its first lab namespace): a verification deletes the stale probe pods
 * of its own lab only, never those of another lab's verification running at the same time in a
 * namespace both use (lab-neighbour).
 */
export const PROBE_OWNER_LABEL = "lab.calico-zero-trust/probe-for";
export const PROBE_READINESS_GATE = "lab.calico-zero-trust/never-ready";
export const PROBE_CONTAINER = "probe";
export const DEFAULT_PROBE_IMAGE = "busybox:1.36";
/** The probe pod kills itself after this, should cleanup never happen (a killed verify). */
export const PROBE_POD_DEADLINE_SECONDS = 900;

export interface ProbePodRequest {
    namespace: string;
    /** The workload whose identity the pod takes, e.g. "helloworld". */
    workload: string;
    labels: Record<string, string>;
    /**
     * The workload's service account: the pod runs under it (its token is still not mounted), so
     * policies that select by service account (Calico's projectcalico.org/serviceaccount) see the
     * workload's identity. Unset: the namespace's default account.
     */
    serviceAccount?: string;
}

export function probePodName(workload: string, runId: string): string {
    const base = `probe-${workload}`
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 40)
        .replace(/-+$/, "");
    return `${base}-${runId}`;
}

/** The probe pod manifest: restricted PSS, limits, out of every Service, self-expiring. */
export function probePodManifest(request: ProbePodRequest, runId: string, image: string, owner?: string): k8s.V1Pod {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: probePodName(request.workload, runId),
            namespace: request.namespace,
            labels: { ...request.labels, [PROBE_LABEL]: "true", [PROBE_RUN_LABEL]: runId, ...(owner ? { [PROBE_OWNER_LABEL]: owner } : {}) },
            annotations: { "lab.calico-zero-trust/purpose": `verify probe with the identity of ${request.namespace}/${request.workload}` },
        },
        spec: {
            restartPolicy: "Never",
            ...(request.serviceAccount ? { serviceAccountName: request.serviceAccount } : {}),
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            activeDeadlineSeconds: PROBE_POD_DEADLINE_SECONDS,
            // The probe has the workload's labels, so the workload's Service selects it; a gate
            // that is never set keeps it NotReady and out of the Service's endpoints.
            readinessGates: [{ conditionType: PROBE_READINESS_GATE }],
            securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
                {
                    name: PROBE_CONTAINER,
                    image,
                    command: ["sleep", String(PROBE_POD_DEADLINE_SECONDS)],
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        capabilities: { drop: ["ALL"] },
                    },
                    resources: {
                        requests: { cpu: "10m", memory: "16Mi" },
                        limits: { cpu: "100m", memory: "32Mi" },
                    },
                },
            ],
        },
    };
}

export interface ProbePodOptions {
    image: string;
    runId?: string;
    /** The lab the pods verify (PROBE_OWNER_LABEL). */
    owner?: string;
    /** How long a pod may take to run (image pull included). */
    startTimeoutMs: number;
    pollIntervalMs: number;
    /** Create lab-neighbour (or any missing namespace) and delete it afterwards. */
    createMissingNamespaces: boolean;
    /** Aborted (Ctrl-C): stop waiting for a pod to run, so cleanup need not wait for startTimeoutMs. */
    signal?: AbortSignal;
}

export const DEFAULT_PROBE_POD_OPTIONS: ProbePodOptions = {
    image: DEFAULT_PROBE_IMAGE,
    startTimeoutMs: 120_000,
    pollIntervalMs: 1000,
    createMissingNamespaces: true,
};

export interface CleanupReport {
    deleted: string[];
    /** Pods (or namespaces) that could not be deleted, with the error and the command that would. */
    leftovers: { resource: string; error: string; command: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ProbePodError extends Error {
    constructor(
        readonly pod: string,
        message: string,
    ) {
        super(message);
        this.name = "ProbePodError";
    }
}

/** Creates probe pods on demand, remembers them, and deletes them all in cleanup(). */
export class ProbePods {
    readonly runId: string;
    private readonly created = new Map<string, { namespace: string; name: string }>();
    private readonly createdNamespaces: string[] = [];
    private readonly pending = new Map<string, Promise<PodInfo>>();
    private cleanedUp = false;
    private cleaning?: Promise<CleanupReport>;

    constructor(
        private readonly cluster: ClusterApi,
        private readonly options: ProbePodOptions = DEFAULT_PROBE_POD_OPTIONS,
    ) {
        this.runId = options.runId ?? randomBytes(3).toString("hex");
    }

    /** Names of the pods created and not yet deleted, as namespace/name. */
    get live(): string[] {
        return [...this.created.values()].map((pod) => `${pod.namespace}/${pod.name}`);
    }

    /** A running probe pod with this identity, created at the first request. */
    get(request: ProbePodRequest): Promise<PodInfo> {
        const key = `${request.namespace}/${request.workload}`;
        let pod = this.pending.get(key);
        if (!pod) {
            pod = this.start(request);
            this.pending.set(key, pod);
        }
        return pod;
    }

    private async start(request: ProbePodRequest): Promise<PodInfo> {
        if (this.cleanedUp) throw new ProbePodError(request.workload, "verification was stopped; no new probe pods");
        if (!(await this.cluster.namespaceExists(request.namespace))) {
            if (!this.options.createMissingNamespaces) {
                throw new ProbePodError(request.workload, `namespace ${request.namespace} does not exist`);
            }
            await this.cluster.createNamespace(request.namespace, { [PROBE_LABEL]: "true", [PROBE_RUN_LABEL]: this.runId });
            this.createdNamespaces.push(request.namespace);
        }
        const manifest = probePodManifest(request, this.runId, this.options.image, this.options.owner);
        const name = manifest.metadata!.name!;
        // Remember the pod before asking for it: a create that times out may still have succeeded.
        this.created.set(`${request.namespace}/${name}`, { namespace: request.namespace, name });
        await this.cluster.createPod(request.namespace, manifest);
        const deadline = Date.now() + this.options.startTimeoutMs;
        for (;;) {
            const pod = await this.cluster.getPod(request.namespace, name);
            if (pod?.phase === "Running" && pod.ip) return pod;
            if (pod?.phase === "Failed" || pod?.phase === "Succeeded") {
                throw new ProbePodError(name, `probe pod ${request.namespace}/${name} ended (${pod.phase}) before probing`);
            }
            if (pod?.waitingReason && /BackOff|Err|Invalid/.test(pod.waitingReason)) {
                throw new ProbePodError(
                    name,
                    `probe pod ${request.namespace}/${name} cannot start: ${pod.waitingReason} (image ${this.options.image}; set --probe-image to a reachable busybox)`,
                );
            }
            if (this.cleanedUp || this.options.signal?.aborted) {
                throw new ProbePodError(name, `verification was stopped before probe pod ${request.namespace}/${name} was running`);
            }
            if (Date.now() >= deadline) {
                throw new ProbePodError(
                    name,
                    `probe pod ${request.namespace}/${name} not running after ${Math.round(this.options.startTimeoutMs / 1000)}s (phase ${pod?.phase ?? "unknown"}${pod?.waitingReason ? `, ${pod.waitingReason}` : ""})`,
                );
            }
            await sleep(this.options.pollIntervalMs);
        }
    }

    /**
     * Deletes every pod and namespace this run created; never throws, reports what is left.
     * Called again (a second Ctrl-C while the first cleanup runs), it returns the same cleanup,
     * so whoever exits after it does not cut the other's deletions short.
     */
    cleanup(): Promise<CleanupReport> {
        this.cleaning ??= this.deleteAll();
        return this.cleaning;
    }

    private async deleteAll(): Promise<CleanupReport> {
        this.cleanedUp = true;
        const report: CleanupReport = { deleted: [], leftovers: [] };
        // Wait for creations in flight, so a pod created during Ctrl-C is deleted too.
        await Promise.allSettled([...this.pending.values()]);
        for (const [key, pod] of [...this.created]) {
            try {
                await this.cluster.deletePod(pod.namespace, pod.name);
                this.created.delete(key);
                report.deleted.push(key);
            } catch (error) {
                report.leftovers.push({
                    resource: `pod ${key}`,
                    error: errorText(error),
                    command: `kubectl delete pod -n ${pod.namespace} ${pod.name} --grace-period=0`,
                });
            }
        }
        for (const namespace of this.createdNamespaces.splice(0)) {
            try {
                await this.cluster.deleteNamespace(namespace);
                report.deleted.push(`namespace/${namespace}`);
            } catch (error) {
                report.leftovers.push({ resource: `namespace ${namespace}`, error: errorText(error), command: `kubectl delete namespace ${namespace}` });
            }
        }
        return report;
    }
}

/**
 * Deletes probe pods an earlier, killed verification of the same lab (`owner`) left behind, and those
 * of versions that did not label their lab. Another lab's probe pods are left alone: its verification
 * may be running now.
 */
export async function deleteStaleProbePods(cluster: ClusterApi, namespaces: string[], owner: string): Promise<string[]> {
    const deleted: string[] = [];
    for (const namespace of namespaces) {
        if (!(await cluster.namespaceExists(namespace))) continue;
        const stale = [
            ...(await cluster.listPods(namespace, `${PROBE_LABEL}=true,${PROBE_OWNER_LABEL}=${owner}`)),
            ...(await cluster.listPods(namespace, `${PROBE_LABEL}=true,!${PROBE_OWNER_LABEL}`)),
        ];
        for (const pod of stale) {
            await cluster.deletePod(namespace, pod.name);
            deleted.push(`${namespace}/${pod.name}`);
        }
    }
    return deleted;
}
