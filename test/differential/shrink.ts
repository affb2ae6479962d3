// Shrinking a disagreement: smaller versions of the scenario (fewer policies, rules, peers,
// fields, pods, labels), each tried on the cluster; a candidate is kept when the cell still
// disagrees the same way, until no candidate does or the budget is spent. Candidates come
// largest cut first, and only those the analyzer's loader accepts are tried.
import { buildModel } from "../../analysis";
import type { KubeObject } from "../../analysis";
import type { PlainObject } from "../../live/cluster";
import type { ConnectionQuery } from "../../live/types";
import { renderScenario } from "./render";
import type { Scenario } from "./scenario";

export interface Candidate {
    description: string;
    scenario: Scenario;
}

const clone = <T>(value: T): T => structuredClone(value);

/** Pods and Services the cell names (its ends, and a Service's backend). */
export function cellParties(scenario: Scenario, cell: ConnectionQuery): { pods: Set<string>; services: Set<string> } {
    const pods = new Set<string>();
    const services = new Set<string>();
    for (const end of [cell.src, cell.dst]) {
        const service = /^(?:service|nodeport):(.+)$/.exec(end)?.[1];
        if (service) {
            services.add(service);
            const found = scenario.services.find((s) => `${s.namespace}/${s.name}` === service);
            if (found) pods.add(`${found.namespace}/${found.pod}`);
        } else if (!end.startsWith("external:") && !end.startsWith("node:")) {
            pods.add(end);
        }
    }
    return { pods, services };
}

function withoutPods(scenario: Scenario, drop: (id: string) => boolean): Scenario {
    const next = clone(scenario);
    next.pods = next.pods.filter((pod) => !drop(`${pod.namespace}/${pod.name}`));
    next.services = next.services.filter((service) => next.pods.some((pod) => pod.namespace === service.namespace && pod.name === service.pod));
    return next;
}

/** Every way to remove one thing from a policy's rules: a rule, a list element, a field (never a rule's action). */
function ruleCuts(object: PlainObject): { path: (string | number)[]; label: string }[] {
    const cuts: { path: (string | number)[]; label: string }[] = [];
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const walk = (value: unknown, path: (string | number)[]) => {
        if (Array.isArray(value))
            value.forEach((item, i) => {
                cuts.push({ path: [...path, i], label: [...path, i].join(".") });
                walk(item, [...path, i]);
            });
        else if (value && typeof value === "object") {
            for (const [key, item] of Object.entries(value)) {
                if (key === "action") continue;
                cuts.push({ path: [...path, key], label: [...path, key].join(".") });
                walk(item, [...path, key]);
            }
        }
    };
    for (const direction of ["ingress", "egress"]) if (spec[direction] !== undefined) walk(spec[direction], [direction]);
    for (const key of ["order", "types", "policyTypes", "namespaceSelector", "serviceAccountSelector"])
        if (spec[key] !== undefined) cuts.push({ path: [key], label: key });
    // Shallow cuts first: a whole rule before one of its fields.
    return cuts.sort((a, b) => a.path.length - b.path.length);
}

function removeAt(object: PlainObject, path: (string | number)[]): PlainObject {
    const next = clone(object);
    let parent: any = next.spec;
    for (const step of path.slice(0, -1)) parent = parent[step];
    const last = path[path.length - 1];
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
    return next;
}

export function* candidates(scenario: Scenario, cell: ConnectionQuery): Generator<Candidate> {
    const { pods: keep, services: keepServices } = cellParties(scenario, cell);
    const others = scenario.pods.map((pod) => `${pod.namespace}/${pod.name}`).filter((id) => !keep.has(id));
    if (others.length > 1) yield { description: `drop pods ${others.join(", ")}`, scenario: withoutPods(scenario, (id) => !keep.has(id)) };
    for (let i = 0; i < scenario.objects.length; i++) {
        const next = clone(scenario);
        const [dropped] = next.objects.splice(i, 1);
        yield { description: `drop ${dropped.kind} ${dropped.metadata.name}`, scenario: next };
    }
    for (const id of others) yield { description: `drop pod ${id}`, scenario: withoutPods(scenario, (pod) => pod === id) };
    for (const service of scenario.services) {
        if (keepServices.has(`${service.namespace}/${service.name}`)) continue;
        const next = clone(scenario);
        next.services = next.services.filter((s) => s.name !== service.name || s.namespace !== service.namespace);
        yield { description: `drop Service ${service.namespace}/${service.name}`, scenario: next };
    }
    for (let i = 0; i < scenario.objects.length; i++) {
        for (const cut of ruleCuts(scenario.objects[i])) {
            const next = clone(scenario);
            next.objects[i] = removeAt(next.objects[i], cut.path);
            yield { description: `${scenario.objects[i].metadata.name}: drop ${cut.label}`, scenario: next };
        }
    }
    for (let p = 0; p < scenario.pods.length; p++) {
        const pod = scenario.pods[p];
        for (const key of Object.keys(pod.labels)) {
            const next = clone(scenario);
            delete next.pods[p].labels[key];
            yield { description: `pod ${pod.namespace}/${pod.name}: drop label ${key}`, scenario: next };
        }
        for (let i = 0; i < pod.ports.length; i++) {
            const port = pod.ports[i];
            const inCell = `${pod.namespace}/${pod.name}` === cell.dst && port.port === cell.port && port.protocol === cell.protocol;
            if (inCell || pod.ports.length === 1) continue;
            const next = clone(scenario);
            next.pods[p].ports.splice(i, 1);
            const servicePorts = new Set(next.pods[p].ports.flatMap((q) => [q.port, q.name]));
            next.services = next.services
                .map((s) =>
                    s.pod === pod.name && s.namespace === pod.namespace ? { ...s, ports: s.ports.filter((sp) => servicePorts.has(sp.targetPort)) } : s,
                )
                .filter((s) => s.ports.length > 0);
            yield { description: `pod ${pod.namespace}/${pod.name}: drop port ${port.port}/${port.protocol}`, scenario: next };
        }
    }
}

/** The analyzer's loader accepts the candidate (a candidate it refuses is never deployed). */
export function acceptable(scenario: Scenario): boolean {
    try {
        buildModel(renderScenario(scenario) as KubeObject[], { ignoreUnknownKinds: true });
        return true;
    } catch {
        return false;
    }
}

export interface ShrinkResult {
    scenario: Scenario;
    trials: number;
    steps: string[];
}

export async function shrink(
    start: Scenario,
    cell: ConnectionQuery,
    reproduces: (candidate: Scenario) => Promise<boolean>,
    budget: number,
    log: (line: string) => void = () => undefined,
): Promise<ShrinkResult> {
    let current = start;
    let trials = 0;
    const steps: string[] = [];
    search: while (trials < budget) {
        for (const candidate of candidates(current, cell)) {
            if (!acceptable(candidate.scenario)) continue;
            if (trials >= budget) break search;
            trials++;
            if (await reproduces(candidate.scenario)) {
                log(`  shrink: ${candidate.description}: still disagrees`);
                steps.push(candidate.description);
                current = candidate.scenario;
                continue search;
            }
        }
        break;
    }
    return { scenario: current, trials, steps };
}
