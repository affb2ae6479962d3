// Knowing when Felix has caught up, instead of sleeping. Three sentinel pods in a namespace of
// their own, one per policy API (a Kubernetes NetworkPolicy, a Calico NetworkPolicy, a
// GlobalNetworkPolicy), listen on two ports; a base GlobalNetworkPolicy (order 10000, no rules)
// drops all ingress to them. Each convergence is a new generation g, made AFTER the scenario's
// changes: the sentinel pods are relabelled `df-generation: g`, network sets of generation g are
// created, then one policy per API allowing the world to port[g % 2] of its sentinel, selected by
// generation and (Calico kinds) with the world's source taken from that generation's NetworkSet or
// GlobalNetworkSet. The port opens only when Felix has processed all of it, and Felix applies the
// datastore's updates of one kind in order (felix/calc, felix/dataplane/linux/int_dataplane.go),
// so everything the scenario changed before is in the dataplane too: pods, policies of each API,
// network sets. The signal is positive (an answer, not a timeout) and one edge per trial; the
// previous generation's objects go once the new one answers, and the port alternates so an
// answer is never left over from the generation before.
import type { ClusterApi, PlainObject } from "../../live/cluster";
import type { OutsideHttp } from "../../live/outside-http";
import { classifyHttp } from "../../live/probes";
import type { ProbeAction } from "../../live/types";
import type { Deployer } from "./deploy";
import { podManifest } from "./render";
import { ADDRESSES } from "./scenario";

export const SENTINEL_NAMESPACE = "df-sentinel";
export const SENTINEL_LABEL = "df-sentinel";
const GENERATION_LABEL = "df-generation";
const SET_LABEL = "df-sentinel-set";
const GLOBAL_SET_LABEL = "df-sentinel-global-set";
export const SENTINEL_PORTS = [8080, 8081] as const;
const PORTS = SENTINEL_PORTS;
const SENTINELS = ["knp", "np", "gnp"] as const;
type SentinelName = (typeof SENTINELS)[number];
/**
 * The sentinel sets hold only the outside netns' own address (the source of the sentinel probes):
 * the analyzer reads them back with the scenario, and Felix matches them too, so a set holding the
 * whole world would let any negated or namespace-wide selector of a scenario reach every address
 * through it (differential seeds 45-46 found the analyzer's KNP-peer error that way).
 */
const WORLD_NETS = [`${ADDRESSES.outside}/32`];

export interface ConvergeOptions {
    /** Longest wait for a generation to answer. */
    timeoutMs: number;
    /** One HTTP attempt; a sentinel that does not answer within it is asked again. */
    attemptMs: number;
}

export const DEFAULT_CONVERGE: ConvergeOptions = { timeoutMs: 90_000, attemptMs: 400 };

const BASE: PlainObject = {
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name: "df-sentinel-base" },
    spec: { order: 10000, selector: `has(${SENTINEL_LABEL})`, types: ["Ingress"] },
};

/** Generation g's objects, in the order they are created: the sets, then one policy per API. */
export function generationObjects(generation: number): PlainObject[] {
    const name = `df-sentinel-g${generation}`;
    const port = PORTS[generation % 2];
    const ports = [{ protocol: "TCP", port }];
    const selects = (sentinel: SentinelName) => `${SENTINEL_LABEL} == '${sentinel}' && ${GENERATION_LABEL} == '${generation}'`;
    const calicoRule = (setLabel: string) => ({
        action: "Allow",
        protocol: "TCP",
        source: { selector: `${setLabel} == '${name}'` },
        destination: { ports: [port] },
    });
    return [
        { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name, labels: { [GLOBAL_SET_LABEL]: name } }, spec: { nets: WORLD_NETS } },
        {
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkSet",
            metadata: { name, namespace: SENTINEL_NAMESPACE, labels: { [SET_LABEL]: name } },
            spec: { nets: WORLD_NETS },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name, namespace: SENTINEL_NAMESPACE },
            spec: {
                podSelector: { matchLabels: { [SENTINEL_LABEL]: "knp", [GENERATION_LABEL]: String(generation) } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports }],
            },
        },
        {
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkPolicy",
            metadata: { name, namespace: SENTINEL_NAMESPACE },
            spec: { order: 1, selector: selects("np"), types: ["Ingress"], ingress: [calicoRule(SET_LABEL)] },
        },
        {
            apiVersion: "projectcalico.org/v3",
            kind: "GlobalNetworkPolicy",
            metadata: { name },
            spec: { order: 1, selector: selects("gnp"), types: ["Ingress"], ingress: [calicoRule(GLOBAL_SET_LABEL)] },
        },
    ];
}

export class Sentinels {
    private addresses: Partial<Record<SentinelName, string>> = {};
    private generation = 0;

    constructor(
        private readonly cluster: ClusterApi,
        private readonly deployer: Deployer,
        private readonly outsideHttp: OutsideHttp,
        private readonly image: string,
        private readonly options: ConvergeOptions = DEFAULT_CONVERGE,
    ) {}

    /** Creates the sentinel namespace, the base policy and the pods, and waits for the first generation. */
    async setUp(): Promise<void> {
        await this.tearDown();
        await this.deployer.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: SENTINEL_NAMESPACE, labels: { [SENTINEL_LABEL]: "true" } } });
        const refusedBase = await this.deployer.create(BASE);
        if (refusedBase) throw new Error(`the sentinels' base policy was refused: ${refusedBase}`);
        for (const name of SENTINELS) {
            const pod = {
                namespace: SENTINEL_NAMESPACE,
                name,
                labels: {},
                serviceAccount: "default",
                ports: PORTS.map((port) => ({ port, protocol: "TCP" as const })),
            };
            const refused = await this.deployer.create(podManifest(pod, this.image, { [SENTINEL_LABEL]: name, [GENERATION_LABEL]: "0" }));
            if (refused) throw new Error(`the sentinel pod ${name} was refused: ${refused}`);
        }
        const deadline = Date.now() + this.options.timeoutMs;
        for (;;) {
            const pods = await this.cluster.listPods(SENTINEL_NAMESPACE);
            for (const pod of pods) if (pod.phase === "Running" && pod.ip) this.addresses[pod.name as SentinelName] = pod.ip;
            if (SENTINELS.every((name) => this.addresses[name])) break;
            if (Date.now() >= deadline) throw new Error(`the sentinel pods in ${SENTINEL_NAMESPACE} are not running after ${this.options.timeoutMs / 1000} s`);
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const first = await this.converge();
        if (!first.ok) throw new Error(`the sentinels never answered from outside: ${first.detail}`);
    }

    /** Removes the sentinels' global objects and their namespace (deletion requested, not awaited). */
    async tearDown(): Promise<void> {
        for (const kind of ["GlobalNetworkPolicy", "GlobalNetworkSet"]) {
            for (const object of (await this.cluster.listObjects("projectcalico.org/v3", kind)) ?? []) {
                if (object.metadata.name.startsWith("df-sentinel-")) await this.deployer.delete(object);
            }
        }
        await this.cluster.deleteNamespace(SENTINEL_NAMESPACE);
    }

    private async answers(name: SentinelName, port: number): Promise<boolean> {
        const action: Extract<ProbeAction, { kind: "http" }> = {
            kind: "http",
            method: "GET",
            url: `http://${this.addresses[name]}:${port}/`,
            expectBodyIncludes: "",
        };
        const reply = await this.outsideHttp(action, this.options.attemptMs);
        return ("response" in reply ? classifyHttp(action, reply.response) : classifyHttp(action, undefined, reply.error)).outcome === "allowed";
    }

    /**
     * Called after a change is applied: a new generation, proven in the dataplane when all three
     * sentinels answer on its port. Fails with the reason when they do not within timeoutMs.
     */
    async converge(): Promise<{ ok: boolean; detail: string }> {
        const generation = ++this.generation;
        const port = PORTS[generation % 2];
        const objects = generationObjects(generation);
        for (const object of objects.slice(0, 2)) {
            const refused = await this.deployer.create(object);
            if (refused) return { ok: false, detail: `sentinel ${object.kind} refused: ${refused}` };
        }
        for (const name of SENTINELS)
            await this.deployer.label(
                { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: SENTINEL_NAMESPACE } },
                { [GENERATION_LABEL]: String(generation) },
            );
        for (const object of objects.slice(2)) {
            const refused = await this.deployer.create(object);
            if (refused) return { ok: false, detail: `sentinel ${object.kind} refused: ${refused}` };
        }
        const deadline = Date.now() + this.options.timeoutMs;
        const waiting = new Set<SentinelName>(SENTINELS);
        while (waiting.size > 0 && Date.now() < deadline) {
            const answered = await Promise.all([...waiting].map(async (name) => ((await this.answers(name, port)) ? name : undefined)));
            for (const name of answered) if (name) waiting.delete(name);
        }
        if (generation > 1) for (const object of generationObjects(generation - 1).reverse()) await this.deployer.delete(object);
        if (waiting.size > 0)
            return {
                ok: false,
                detail: `generation ${generation} not answering on port ${port} after ${this.options.timeoutMs / 1000} s: ${[...waiting].join(", ")}`,
            };
        return { ok: true, detail: `generation ${generation} answered on port ${port}` };
    }
}
