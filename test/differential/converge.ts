// Knowing when Felix has caught up, instead of sleeping. Three sentinel pods in a namespace of
// their own answer HTTP from the outside network namespace. After a scenario's objects are
// applied, one deny-all ingress policy per policy API the scenario uses (a Kubernetes
// NetworkPolicy, a Calico NetworkPolicy, a GlobalNetworkPolicy) is created LAST, each selecting
// one sentinel; once the outside sees all three sentinels dropped, Felix has processed every
// update up to them (it applies datastore updates in order, one dataplane batch after another:
// felix/calc and felix/dataplane/linux/int_dataplane.go). The sentinels are then deleted and
// the wait repeats until all three answer again, so the next change starts from a known state
// and deletions are proven processed too.
import type { ClusterApi, PlainObject } from "../../live/cluster";
import type { OutsideHttp } from "../../live/outside-http";
import { classifyHttp } from "../../live/probes";
import type { ProbeAction } from "../../live/types";
import type { Deployer } from "./deploy";
import { podManifest } from "./render";

export const SENTINEL_NAMESPACE = "df-sentinel";
const SENTINEL_LABEL = "df-sentinel";
const SENTINEL_PORT = 8080;
const SENTINELS = ["knp", "np", "gnp"] as const;
type SentinelName = (typeof SENTINELS)[number];

export interface ConvergeOptions {
    /** Longest wait for one edge (blocked, then open again). */
    timeoutMs: number;
    /** One HTTP attempt; a sentinel that does not answer within it counts as dropped. */
    attemptMs: number;
    /** Consecutive all-dropped rounds that count as blocked (a slow answer is not a drop). */
    blockedRounds: number;
}

export const DEFAULT_CONVERGE: ConvergeOptions = { timeoutMs: 90_000, attemptMs: 1500, blockedRounds: 2 };

function sentinelPolicy(name: SentinelName, tag: string): PlainObject {
    const metadata = { name: `df-sentinel-${tag}`, namespace: SENTINEL_NAMESPACE };
    switch (name) {
        case "knp": return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec: { podSelector: { matchLabels: { [SENTINEL_LABEL]: name } }, policyTypes: ["Ingress"] } };
        case "np": return { apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata, spec: { selector: `${SENTINEL_LABEL} == '${name}'`, types: ["Ingress"] } };
        case "gnp": return { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: metadata.name }, spec: { selector: `${SENTINEL_LABEL} == '${name}'`, types: ["Ingress"] } };
    }
}

export class Sentinels {
    private addresses: Partial<Record<SentinelName, string>> = {};
    private rounds = 0;

    constructor(private readonly cluster: ClusterApi, private readonly deployer: Deployer, private readonly outsideHttp: OutsideHttp, private readonly image: string, private readonly options: ConvergeOptions = DEFAULT_CONVERGE) {}

    /** Creates the sentinel namespace and pods and waits until all three answer. */
    async setUp(): Promise<void> {
        await this.tearDown();
        await this.deployer.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: SENTINEL_NAMESPACE, labels: { [SENTINEL_LABEL]: "true" } } });
        for (const name of SENTINELS) {
            const pod = { namespace: SENTINEL_NAMESPACE, name, labels: {}, serviceAccount: "default", ports: [{ port: SENTINEL_PORT, protocol: "TCP" as const }] };
            const refused = await this.deployer.create(podManifest(pod, this.image, { [SENTINEL_LABEL]: name }));
            if (refused) throw new Error(`the sentinel pod ${name} was refused: ${refused}`);
        }
        const deadline = Date.now() + this.options.timeoutMs;
        for (;;) {
            const pods = await this.cluster.listPods(SENTINEL_NAMESPACE);
            for (const pod of pods) if (pod.phase === "Running" && pod.ip) this.addresses[pod.name as SentinelName] = pod.ip;
            if (SENTINELS.every((name) => this.addresses[name])) break;
            if (Date.now() >= deadline) throw new Error(`the sentinel pods in ${SENTINEL_NAMESPACE} are not running after ${this.options.timeoutMs / 1000} s`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        const open = await this.waitFor("open");
        if (!open.ok) throw new Error(`the sentinels never answered from outside: ${open.detail}`);
    }

    async tearDown(): Promise<void> {
        await this.deployer.delete(sentinelPolicy("gnp", "x")).catch(() => undefined);
        for (const object of (await this.cluster.listObjects("projectcalico.org/v3", "GlobalNetworkPolicy")) ?? []) {
            if (object.metadata.name.startsWith("df-sentinel-")) await this.deployer.delete(object);
        }
        await this.cluster.deleteNamespace(SENTINEL_NAMESPACE);
    }

    private async state(name: SentinelName): Promise<"open" | "blocked" | "unknown"> {
        const action: ProbeAction = { kind: "http", method: "GET", url: `http://${this.addresses[name]}:${SENTINEL_PORT}/`, expectBodyIncludes: "" };
        const reply = await this.outsideHttp(action as Extract<ProbeAction, { kind: "http" }>, this.options.attemptMs);
        const { outcome } = "response" in reply ? classifyHttp(action as Extract<ProbeAction, { kind: "http" }>, reply.response) : classifyHttp(action as Extract<ProbeAction, { kind: "http" }>, undefined, reply.error);
        return outcome === "allowed" ? "open" : outcome === "tcp-timeout" ? "blocked" : "unknown";
    }

    private async waitFor(wanted: "open" | "blocked"): Promise<{ ok: boolean; detail: string }> {
        const deadline = Date.now() + this.options.timeoutMs;
        let streak = 0;
        let last: string[] = [];
        while (Date.now() < deadline) {
            const states = await Promise.all(SENTINELS.map((name) => this.state(name)));
            last = states.map((state, i) => `${SENTINELS[i]} ${state}`);
            streak = states.every((state) => state === wanted) ? streak + 1 : 0;
            if (streak >= (wanted === "blocked" ? this.options.blockedRounds : 1)) return { ok: true, detail: last.join(", ") };
            if (!states.every((state) => state === "blocked")) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return { ok: false, detail: `still not ${wanted} after ${this.options.timeoutMs / 1000} s: ${last.join(", ")}` };
    }

    /**
     * Called after a change is applied: sentinels down (proves the change is in the dataplane),
     * then up again. Fails with the reason when either edge does not come in time.
     */
    async converge(): Promise<{ ok: boolean; detail: string }> {
        const tag = `${process.pid}-${++this.rounds}`;
        const policies = SENTINELS.map((name) => sentinelPolicy(name, tag));
        try {
            for (const policy of policies) {
                const refused = await this.deployer.create(policy);
                if (refused) return { ok: false, detail: `sentinel ${policy.kind} refused: ${refused}` };
            }
            const blocked = await this.waitFor("blocked");
            if (!blocked.ok) return blocked;
        } finally {
            for (const policy of policies) await this.deployer.delete(policy);
        }
        return this.waitFor("open");
    }
}
