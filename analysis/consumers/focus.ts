/**
 * Focus filters: which endpoints a command shows as sources and destinations (`--namespace NS`,
 * `--workload NS/NAME`, `--selector 'k=v,...'`, each repeatable). Verdicts are still computed on the
 * whole model; the focus only chooses what is printed, so a flow from an unfocused workload to a
 * focused one is judged with every policy of the cluster and left out of the output.
 *
 * - The values of one filter are alternatives (`--namespace a --namespace b`: a or b); different
 *   filters must all hold (`--namespace lab --selector app=web`: web pods of lab), as kubectl's `-n`
 *   with `-l`. `--selector` takes kubectl's label-selector text, matched against the pod labels.
 * - Shown: the focused workloads, a Service's `service:` and `nodeport:` targets when one of its
 *   backends is focused, and the endpoints that are no workload (`external:`, `node:`): the world and
 *   the nodes are every namespace's peers.
 * - A filter value that matches no workload, and filters that no workload meets together, are input
 *   errors naming the value and what there is.
 */
import { AnalysisInputError } from "../errors";
import { IndexSet, IndexSetInterner } from "../engine/index-set";
import type { ClusterModel, Service, Workload } from "../model/model-types";
import { serviceBackendsOf } from "../model/services";
import { KubeSelector, matchesKubeSelector, parseKubeSelectorText } from "../selectors/kubernetes";
import { allowedSources, type Matrix, type MatrixTarget } from "./matrix";

export interface FocusFilters {
    namespaces?: readonly string[];
    /** `<namespace>/<workload>` names. */
    workloads?: readonly string[];
    /** kubectl label-selector texts. */
    selectors?: readonly string[];
}

export interface Focus {
    readonly namespaces: readonly string[];
    readonly workloads: readonly string[];
    readonly selectors: readonly { text: string; selector: KubeSelector }[];
    /** The filters as given on the command line, for messages. */
    readonly text: string;
}

/** The focus of the filters; undefined without any. @throws AnalysisInputError for a malformed workload name or selector. */
export function parseFocus(filters: FocusFilters): Focus | undefined {
    const namespaces = [...(filters.namespaces ?? [])];
    const workloads = [...(filters.workloads ?? [])];
    const selectors = (filters.selectors ?? []).map((text) => ({ text, selector: parseKubeSelectorText(text) }));
    if (!namespaces.length && !workloads.length && !selectors.length) return undefined;
    for (const name of workloads)
        if (!/^[^/\s]+\/[^/\s]+$/.test(name))
            throw new AnalysisInputError(`--workload ${JSON.stringify(name)}: expected <namespace>/<workload>, e.g. lab/helloworld`);
    for (const namespace of namespaces) if (!namespace.trim()) throw new AnalysisInputError("--namespace needs a namespace name");
    const text = [
        ...namespaces.map((n) => `--namespace ${n}`),
        ...workloads.map((w) => `--workload ${w}`),
        ...selectors.map((s) => `--selector ${JSON.stringify(s.text)}`),
    ].join(" ");
    return { namespaces, workloads, selectors, text };
}

const byNamespace = (focus: Focus, w: Workload) => !focus.namespaces.length || focus.namespaces.includes(w.namespace);
const byName = (focus: Focus, w: Workload) => !focus.workloads.length || focus.workloads.includes(w.id);
const byLabels = (focus: Focus, w: Workload) => !focus.selectors.length || focus.selectors.some((s) => matchesKubeSelector(s.selector, w.labels));

/** The focused workloads' names (`<namespace>/<workload>`) in one model. */
export function focusedWorkloads(model: ClusterModel, focus: Focus): Set<string> {
    return new Set(model.workloads.filter((w) => byNamespace(focus, w) && byName(focus, w) && byLabels(focus, w)).map((w) => w.id));
}

/**
 * Refuses a focus that shows nothing of the models (both sides of a diff): each value must match a
 * workload of one of them, and the filters must meet in one workload.
 * @throws AnalysisInputError naming the value and, for a namespace or workload, what the input has.
 */
export function checkFocus(models: readonly ClusterModel[], focus: Focus): void {
    const workloads = models.flatMap((m) => m.workloads);
    const some = (matches: (w: Workload) => boolean) => workloads.some(matches);
    const known = (names: string[]) => {
        const distinct = [...new Set(names)].sort();
        return distinct.length > 12 ? `${distinct.slice(0, 12).join(", ")} (+${distinct.length - 12} more)` : distinct.join(", ") || "none";
    };
    for (const namespace of focus.namespaces)
        if (!some((w) => w.namespace === namespace))
            throw new AnalysisInputError(
                `--namespace ${namespace} matches no workload: the namespaces with workloads are ${known(workloads.map((w) => w.namespace))}`,
            );
    for (const name of focus.workloads)
        if (!some((w) => w.id === name)) {
            const namespace = name.split("/")[0]!;
            const there = workloads.filter((w) => w.namespace === namespace).map((w) => w.id);
            throw new AnalysisInputError(
                `--workload ${name} matches no workload: ${there.length ? `namespace ${namespace} has ${known(there)}` : `no workload is in namespace ${namespace}`}`,
            );
        }
    for (const { text, selector } of focus.selectors)
        if (!some((w) => matchesKubeSelector(selector, w.labels)))
            throw new AnalysisInputError(`--selector ${JSON.stringify(text)} matches the labels of no workload`);
    if (!some((w) => byNamespace(focus, w) && byName(focus, w) && byLabels(focus, w)))
        throw new AnalysisInputError(
            `${focus.text}: no workload meets these filters together (values of one option are alternatives, different options must all hold)`,
        );
}

/** Whether the focus shows an endpoint of `model`, by name (a source, or a target's `dst`). */
export function endpointShown(model: ClusterModel, focus: Focus): (name: string) => boolean {
    const focused = focusedWorkloads(model, focus);
    const services = new Map<string, Service>(model.services.map((s) => [`${s.namespace}/${s.name}`, s]));
    const serviceShown = new Map<string, boolean>();
    return (name) => {
        const prefix = /^(service|nodeport):(.+)$/.exec(name);
        if (prefix) {
            const key = prefix[2]!;
            let shown = serviceShown.get(key);
            if (shown === undefined) {
                const service = services.get(key);
                shown = service !== undefined && serviceBackendsOf(model, service).some((b) => b.party.kind === "workload" && focused.has(b.party.workload.id));
                serviceShown.set(key, shown);
            }
            return shown;
        }
        if (name.startsWith("external:") || name.startsWith("node:")) return true;
        return focused.has(name);
    };
}

/** The matrix of the shown sources and targets only, with the same verdicts; linear in the allowed flows of the targets kept. */
export function focusMatrix(matrix: Matrix, model: ClusterModel, focus: Focus): Matrix {
    const shown = endpointShown(model, focus);
    const newIndex = new Int32Array(matrix.sources.length).fill(-1);
    const sources: string[] = [];
    matrix.sources.forEach((source, s) => {
        if (shown(source)) {
            newIndex[s] = sources.length;
            sources.push(source);
        }
    });
    const targets: MatrixTarget[] = [];
    const targetRows: number[] = [];
    const rows = new IndexSetInterner();
    const projected = new Map<number, number>();
    matrix.targets.forEach((target, t) => {
        if (!shown(target.dst)) return;
        const original = matrix.targetRows[t]!;
        let row = projected.get(original);
        if (row === undefined) {
            const members: number[] = [];
            for (const s of allowedSources(matrix, t)) if (newIndex[s]! >= 0) members.push(newIndex[s]!);
            row = rows.indexOf(IndexSet.fromSorted(members, sources.length));
            projected.set(original, row);
        }
        targets.push(target);
        targetRows.push(row);
    });
    const kubeDns = matrix.kubeDns?.filter(shown);
    return { sources, targets, rows: rows.distinct, targetRows, ...(kubeDns ? { kubeDns } : {}) };
}
