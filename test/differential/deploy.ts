// Puts a scenario on the cluster through the API server (real creates, never a dry run), moves
// it from one version to another (the shrinker's candidates) and removes it. An object the API
// server refuses is reported, not retried: the analyzer accepted it, so a refusal is a finding.
import * as k8s from "@kubernetes/client-node";
import type { ClusterApi, PlainObject } from "../../live/cluster";
import { errorText } from "../../live/error-text";
import { renderScenario } from "./render";
import { Scenario, SCENARIO_LABEL, ScenarioHost, SCOPE_LABEL } from "./scenario";

export interface Refusal {
    object: string;
    message: string;
}

const key = (object: PlainObject) => `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`;
export const describeObject = (object: PlainObject) =>
    `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request that does not answer in time fails (the client sets no deadline of its own). */
function bounded<T>(what: string, ms: number, request: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
}

function status(error: unknown): number | undefined {
    const code = (error as { code?: unknown })?.code;
    return typeof code === "number" ? code : undefined;
}

function refusalText(error: unknown): string {
    const body = (error as { body?: unknown })?.body;
    try {
        const parsed = typeof body === "string" ? JSON.parse(body) : body;
        if (parsed && typeof (parsed as { message?: unknown }).message === "string") return (parsed as { message: string }).message;
    } catch {
        /* not JSON: the error's own text */
    }
    return errorText(error);
}

/** On the cluster's host endpoint while a scenario has it: its labels and expectedIPs as the run found them (JSON). */
export const HOST_ORIGINAL_ANNOTATION = "differential.calico-zero-trust-lab/original";

interface HostState {
    labels: Record<string, string>;
    expectedIPs?: string[];
}

export class Deployer {
    private readonly objects: k8s.KubernetesObjectApi;

    /** hostEndpoint: the name of the cluster's host endpoint a scenario's node side labels (CLUSTER_HOST_ENDPOINT). */
    constructor(
        kubeConfig: k8s.KubeConfig,
        private readonly cluster: ClusterApi,
        private readonly image: string,
        private readonly requestTimeoutMs = 30_000,
        private readonly hostEndpoint?: string,
    ) {
        this.objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig);
    }

    /**
     * Puts the cluster's host endpoint in a scenario's state: its own labels plus df-scope and the
     * scenario's, its expectedIPs kept or removed. Undefined puts it back as the run found it. The
     * state it was found in rides on the endpoint itself (HOST_ORIGINAL_ANNOTATION), so a killed
     * run's successor restores it (removeLeftovers). A full replace, not a patch: a merge patch
     * cannot drop one label without naming it, and the endpoint is small.
     */
    async syncHost(host: ScenarioHost | undefined): Promise<void> {
        if (!this.hostEndpoint) {
            if (host) throw new Error("the scenario has a node side, but the cluster description names no host endpoint (CLUSTER_HOST_ENDPOINT)");
            return;
        }
        const ref = { apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: this.hostEndpoint } };
        const current = (await bounded(`read HostEndpoint ${this.hostEndpoint}`, this.requestTimeoutMs, this.objects.read(ref))) as PlainObject & {
            spec: Record<string, unknown>;
            metadata: { annotations?: Record<string, string> };
        };
        const annotations = { ...(current.metadata.annotations ?? {}) };
        const saved = annotations[HOST_ORIGINAL_ANNOTATION];
        const original: HostState = saved
            ? (JSON.parse(saved) as HostState)
            : {
                  labels: { ...(current.metadata.labels ?? {}) },
                  ...(Array.isArray(current.spec.expectedIPs) ? { expectedIPs: current.spec.expectedIPs as string[] } : {}),
              };
        if (!host && !saved) return;
        const next = structuredClone(current);
        if (host) {
            annotations[HOST_ORIGINAL_ANNOTATION] = JSON.stringify(original);
            next.metadata.labels = { ...original.labels, [SCOPE_LABEL]: "true", ...host.labels };
            if (host.expectedIPs && original.expectedIPs) next.spec.expectedIPs = original.expectedIPs;
            else delete next.spec.expectedIPs;
        } else {
            delete annotations[HOST_ORIGINAL_ANNOTATION];
            next.metadata.labels = original.labels;
            if (original.expectedIPs) next.spec.expectedIPs = original.expectedIPs;
            else delete next.spec.expectedIPs;
        }
        next.metadata.annotations = annotations;
        if (JSON.stringify(next) === JSON.stringify(current)) return;
        await bounded(`replace HostEndpoint ${this.hostEndpoint}`, this.requestTimeoutMs, this.objects.replace(next as k8s.KubernetesObject));
    }

    /**
     * Creates one object; the API server's refusal comes back as text. A pod refused because its
     * service account is not yet known (the ServiceAccount admission plugin reads an informer's
     * cache; a new namespace's `default` account is made by the controller manager) is created
     * again until the account appears, at most serviceAccountWaitMs.
     */
    async create(object: PlainObject, serviceAccountWaitMs = 30_000): Promise<string | undefined> {
        const deadline = Date.now() + serviceAccountWaitMs;
        for (;;) {
            try {
                await bounded(`create ${describeObject(object)}`, this.requestTimeoutMs, this.objects.create(object as k8s.KubernetesObject));
                return undefined;
            } catch (error) {
                const code = status(error);
                if (code === undefined || code < 400 || code >= 500) throw error;
                if (code === 409) return undefined;
                const message = refusalText(error);
                if (!/error looking up service account|serviceaccount .* not found/i.test(message) || Date.now() >= deadline) return `HTTP ${code}: ${message}`;
                await sleep(500);
            }
        }
    }

    /** Deletes one object at once (no grace); gone already is fine. */
    async delete(object: PlainObject): Promise<void> {
        try {
            await bounded(
                `delete ${describeObject(object)}`,
                this.requestTimeoutMs,
                this.objects.delete(object as k8s.KubernetesObject, undefined, undefined, 0),
            );
        } catch (error) {
            if (status(error) !== 404) throw error;
        }
    }

    /**
     * Creates a scenario's namespaces, accounts, pods and Services ahead of its trial, so they
     * start while the scenario before it is probed; the trial's sync then finds them (409) and
     * reports any refusal itself. Its policies and sets wait for the trial.
     */
    async createWorkloads(scenario: Scenario): Promise<void> {
        for (const object of renderScenario(scenario, this.image)) {
            if (["Namespace", "ServiceAccount", "Pod", "Service"].includes(object.kind)) await this.create(object, 0);
        }
    }

    /** Merges labels into an object's (a JSON merge patch of metadata.labels). */
    async label(object: PlainObject, labels: Record<string, string>): Promise<void> {
        const patch = {
            apiVersion: object.apiVersion,
            kind: object.kind,
            metadata: { name: object.metadata.name, namespace: object.metadata.namespace, labels },
        };
        await bounded(
            `label ${describeObject(object)}`,
            this.requestTimeoutMs,
            this.objects.patch(patch as k8s.KubernetesObject, undefined, undefined, "calico-zt-differential", undefined, k8s.PatchStrategy.MergePatch),
        );
    }

    /**
     * Moves the cluster from one version of a scenario to another: deletes what the new one lacks
     * or changes (policies first), then creates what is new (namespaces first). Namespaces stay.
     */
    async sync(from: Scenario | undefined, to: Scenario): Promise<Refusal[]> {
        const before = new Map((from ? renderScenario(from, this.image) : []).map((o) => [key(o), o]));
        const after = renderScenario(to, this.image);
        const afterKeys = new Map(after.map((o) => [key(o), o]));
        const same = (a: PlainObject, b: PlainObject | undefined) => b !== undefined && JSON.stringify(a) === JSON.stringify(b);
        const recreated: PlainObject[] = [];
        for (const object of [...before.values()].reverse()) {
            if (object.kind === "Namespace" || same(object, afterKeys.get(key(object)))) continue;
            await this.delete(object);
            if (afterKeys.has(key(object))) recreated.push(object);
        }
        // A pod deleted without grace still exists for a moment: its new version waits until it is gone.
        for (const object of recreated) await this.waitDeleted(object, 60_000);
        const refusals: Refusal[] = [];
        for (const object of after) {
            if (same(object, before.get(key(object)))) continue;
            const refused = await this.create(object);
            if (refused) refusals.push({ object: describeObject(object), message: refused });
        }
        await this.syncHost(to.host);
        return refusals;
    }

    private async waitDeleted(object: PlainObject, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            try {
                await bounded(
                    `read ${describeObject(object)}`,
                    this.requestTimeoutMs,
                    this.objects.read(object as k8s.KubernetesObject & { metadata: { name: string } }),
                );
            } catch (error) {
                if (status(error) === 404) return;
                throw error;
            }
            await sleep(500);
        }
    }

    /** Waits until every pod of the scenario runs with an address; returns their addresses and the ones that never did. */
    async waitRunning(scenario: Scenario, timeoutMs: number, pollMs = 250): Promise<{ podIPs: Record<string, string>; notRunning: string[] }> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const podIPs: Record<string, string> = {};
            const notRunning: string[] = [];
            for (const namespace of scenario.namespaces) {
                const pods = await this.cluster.listPods(namespace.name);
                for (const pod of scenario.pods.filter((p) => p.namespace === namespace.name)) {
                    const found = pods.find((p) => p.name === pod.name);
                    if (found?.phase === "Running" && found.ip) podIPs[`${pod.namespace}/${pod.name}`] = found.ip;
                    else
                        notRunning.push(
                            `${pod.namespace}/${pod.name} (${found ? `${found.phase}${found.waitingReason ? `, ${found.waitingReason}` : ""}` : "missing"})`,
                        );
                }
            }
            const stuck = notRunning.some((text) => /BackOff|ErrImage|Invalid|Failed/.test(text));
            if (notRunning.length === 0 || stuck || Date.now() >= deadline) return { podIPs, notRunning };
            await sleep(pollMs);
        }
    }

    /**
     * Removes a scenario: its policies and network sets one by one, namespaced ones too, then its
     * namespaces (with everything else in them). A namespace's cascade is not awaited, so a
     * NetworkSet left to it could still be listed when the next scenario is read back while Felix
     * has already dropped it (seen: CI seed 20 judged with the seed before's set).
     */
    async remove(scenario: Scenario): Promise<void> {
        if (scenario.host) await this.syncHost(undefined);
        for (const object of renderScenario(scenario, this.image).reverse()) {
            if (scenario.objects.includes(object) || (!object.metadata.namespace && object.kind !== "Namespace")) await this.delete(object);
        }
        for (const namespace of scenario.namespaces) await this.cluster.deleteNamespace(namespace.name);
    }

    /** Every object an earlier, killed run left (namespaces and global objects labelled df-scenario). */
    async removeLeftovers(): Promise<string[]> {
        const removed: string[] = [];
        if (this.hostEndpoint) {
            const found = ((await this.cluster.listObjects("projectcalico.org/v3", "HostEndpoint")) ?? []).find((o) => o.metadata.name === this.hostEndpoint);
            if ((found?.metadata.annotations as Record<string, string> | undefined)?.[HOST_ORIGINAL_ANNOTATION]) {
                await this.syncHost(undefined);
                removed.push(`the node side of HostEndpoint ${this.hostEndpoint} (restored)`);
            }
        }
        for (const [apiVersion, kind] of [
            ["v1", "Namespace"],
            ["projectcalico.org/v3", "GlobalNetworkPolicy"],
            ["projectcalico.org/v3", "GlobalNetworkSet"],
        ] as const) {
            for (const object of (await this.cluster.listObjects(apiVersion, kind)) ?? []) {
                if (object.metadata.labels?.[SCENARIO_LABEL] === undefined) continue;
                if (kind === "Namespace" && (object as { status?: { phase?: string } }).status?.phase === "Terminating") continue;
                await this.delete(object);
                removed.push(describeObject(object));
            }
        }
        return removed;
    }

    /** Waits (bounded) until the namespaces are gone, so the run leaves the cluster as it found it. */
    async waitGone(namespaces: string[], timeoutMs: number): Promise<string[]> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const left: string[] = [];
            for (const name of namespaces) if (await this.cluster.namespaceExists(name)) left.push(name);
            if (left.length === 0 || Date.now() >= deadline) return left;
            await sleep(1000);
        }
    }
}
