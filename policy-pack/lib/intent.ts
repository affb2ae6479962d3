// A stack's declared connectivity: the ConfigMap `zero-trust-intent` (label
// lab.calico-zero-trust/intent=true) with `flows.yaml` (the flows this stage must allow and block)
// and `baseline.yaml` (the pre-existing objects those flows name, e.g. kube-dns).
import { parse } from "yaml";
import { AnalysisInputError, Connection, KubeObject, parseManifests } from "../../analysis";
import { FlowCheck, INTENT, isIntentConfigMap } from "../../scenarios/common/intent";
import { describe } from "./objects";

export { INTENT, isIntentConfigMap };

export interface Intent {
    /** The ConfigMap that declared it. */
    source: KubeObject;
    flows: FlowCheck[];
    baseline: KubeObject[];
    /** The cluster's Calico release, when the stack states it. */
    calicoVersion?: string;
}

const intents = new WeakMap<readonly KubeObject[], Intent[]>();

/** The intents the objects declare, read once per list of objects (the cluster view and expected-flows both ask); throws on a bad one each time. */
export function intentsOf(objects: readonly KubeObject[]): Intent[] {
    let known = intents.get(objects);
    if (!known) {
        known = objects.filter(isIntentConfigMap).map(readIntent);
        intents.set(objects, known);
    }
    return known;
}

function readIntent(configMap: KubeObject): Intent {
    const data = (configMap.data ?? {}) as Record<string, unknown>;
    const where = describe(configMap);
    const flowsText = data[INTENT.flowsKey];
    if (typeof flowsText !== "string") {
        throw new AnalysisInputError(`data."${INTENT.flowsKey}" is missing: an intent ConfigMap lists its flows there`, {
            object: where,
            key: `data.${INTENT.flowsKey}`,
        });
    }
    let raw: unknown;
    try {
        raw = parse(flowsText);
    } catch (error) {
        throw new AnalysisInputError(`invalid YAML: ${(error as Error).message.split("\n")[0]}`, { object: where, key: `data.${INTENT.flowsKey}` });
    }
    const flows = checkFlows(raw ?? [], where);
    const baselineText = data[INTENT.baselineKey];
    const baseline = typeof baselineText === "string" ? parseManifests(baselineText, `${where} data.${INTENT.baselineKey}`) : [];
    const calicoVersion = data[INTENT.calicoVersionKey];
    if (calicoVersion !== undefined && typeof calicoVersion !== "string") {
        throw new AnalysisInputError("the Calico release must be text such as v3.30.3", { object: where, key: `data.${INTENT.calicoVersionKey}` });
    }
    return { source: configMap, flows, baseline, ...(calicoVersion ? { calicoVersion } : {}) };
}

function checkFlows(raw: unknown, where: string): FlowCheck[] {
    const fail = (message: string, key: string): never => {
        throw new AnalysisInputError(message, { object: where, key: `data.${INTENT.flowsKey}${key}` });
    };
    if (!Array.isArray(raw)) return fail("expected a list of flows ({id, description, expected, legs})", "");
    return raw.map((flow: any, i: number) => {
        const at = `[${i}]`;
        if (typeof flow !== "object" || flow === null) return fail("expected a flow object", at);
        if (typeof flow.id !== "string" || !flow.id) fail("id must be a non-empty string", `${at}.id`);
        if (flow.expected !== "allowed" && flow.expected !== "blocked")
            fail(`expected must be allowed or blocked, got ${JSON.stringify(flow.expected)}`, `${at}.expected`);
        if (!Array.isArray(flow.legs) || flow.legs.length === 0) fail("legs must be a non-empty list of {src, dst, port, protocol}", `${at}.legs`);
        const legs = (flow.legs as any[]).map((leg, j) => {
            const legAt = `${at}.legs[${j}]`;
            if (typeof leg?.src !== "string" || typeof leg?.dst !== "string") fail("src and dst must be endpoint names", legAt);
            if (!Number.isInteger(leg.port)) fail(`port must be an integer, got ${JSON.stringify(leg.port)}`, `${legAt}.port`);
            const protocol = String(leg.protocol ?? "TCP").toUpperCase();
            if (!["TCP", "UDP", "SCTP"].includes(protocol)) fail(`protocol must be TCP, UDP or SCTP, got ${JSON.stringify(leg.protocol)}`, `${legAt}.protocol`);
            return { src: leg.src, dst: leg.dst, port: leg.port, protocol } as Connection;
        });
        return { id: flow.id, description: typeof flow.description === "string" ? flow.description : flow.id, expected: flow.expected, legs };
    });
}
