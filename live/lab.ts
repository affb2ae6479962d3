// The lab walk: for each stage in order, `pulumi up` (progress streamed), live verification,
// and what changed and why: the flows the analyzer sees appear and disappear between the
// previous stage's objects and this one's. --render walks without a cluster: each stage's
// manifests and the analyzer's predicted matrix. Either scenario's stage table (LAB_SCENARIOS).
import * as fs from "fs";
import * as path from "path";
import { PROJECT_NAME } from "../config";
import type { FlowCheck } from "../scenarios/common/flows";
import type { StageRow } from "../scenarios/common/stages";
import { defaultScenario, findScenario, SCENARIOS, scenarioNames } from "../scenarios/registry";
import type { Scenario } from "../scenarios/scenario";
import { buildModel, connectivityMatrix, diffMatrices, explainDiff, loadManifests, matrixCells, query, stoppedAt } from "../analysis";
import type { Connection, DiffMatrices, ExplainedDiff, KubeObject, Verdict } from "../analysis";
import type { NodeInfo, PlainObject } from "./cluster";
import { analyzerOptions, analyzerPredictor, isPrediction, Predictor } from "./predict";
import { legKey } from "./types";
import { wrap } from "./text";

export interface FlowChange {
    leg: string;
    before: string;
    after: string;
    /** The analyzer's reason for the new verdict. */
    why: string;
}

export interface StageChange {
    added: FlowChange[];
    removed: FlowChange[];
    /** Blocked before and after, but stopped somewhere else (the lockdown: at the node instead of at the pod). */
    moved: FlowChange[];
}

type Model = ReturnType<typeof buildModel>;

function verdictOf(model: Model, flow: Connection): Verdict | string {
    try {
        return query(model, { src: flow.src, dst: flow.dst, port: flow.port, protocol: flow.protocol as "TCP" | "UDP" });
    } catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}

function modelOf(objects: PlainObject[], nodes: NodeInfo[]) {
    return buildModel(objects as unknown as KubeObject[], analyzerOptions(objects, nodes));
}

function reasonFor(model: Model, flow: Connection): string {
    const verdict = verdictOf(model, flow);
    return typeof verdict === "string" ? verdict : verdict.reason;
}

/** "blocked at <where>" for a blocked verdict. */
function blockedText(verdict: Verdict | string): string {
    const where = typeof verdict === "string" ? undefined : stoppedAt(verdict);
    return where ? `blocked ${where}` : "blocked or absent";
}

/** The connectivity matrix of one set of objects (a stage shown alone). */
export function stageMatrix(objects: PlainObject[], nodes: NodeInfo[] = []) {
    return connectivityMatrix(modelOf(objects, nodes));
}

/** Two sets of objects compared: the change for people, and the analyzer's diff with both matrices (for the picture). */
export interface StageComparison {
    change: StageChange;
    diff: ExplainedDiff;
    matrices: DiffMatrices;
}

/**
 * The analyzer's diff (connectivityMatrix of each side, diffMatrices) between the previous
 * stage's objects and this stage's: flows added and removed, each with the analyzer's reason
 * (for an added flow, why it is now allowed; for a removed one, why and where it is now blocked),
 * and flows blocked on both sides whose place of stopping moved (stoppedAt), which is a change too.
 */
export function explainChange(previous: PlainObject[], current: PlainObject[], nodes: NodeInfo[] = []): StageChange {
    return compareStages(previous, current, nodes).change;
}

/** explainChange, with the analyzer's explained diff and both matrices beside it (what `analyze --diff` draws). */
export function compareStages(previous: PlainObject[], current: PlainObject[], nodes: NodeInfo[] = []): StageComparison {
    const before = modelOf(previous, nodes);
    const after = modelOf(current, nodes);
    const [matrixBefore, matrixAfter] = [connectivityMatrix(before), connectivityMatrix(after)];
    const diff = diffMatrices(matrixBefore, matrixAfter);
    const leg = (flow: Connection) => `${flow.src} -> ${flow.dst}:${flow.port}/${flow.protocol}`;
    const added = diff.added.map((flow): FlowChange => ({ leg: leg(flow), before: "blocked or absent", after: "allowed", why: reasonFor(after, flow) }));
    const removed = diff.removed.map((flow): FlowChange => {
        const verdict = verdictOf(after, flow);
        return { leg: leg(flow), before: "allowed", after: blockedText(verdict), why: typeof verdict === "string" ? verdict : verdict.reason };
    });
    const blockedBefore = new Set([...matrixCells(matrixBefore)].filter((cell) => !cell.allowed).map(leg));
    const moved = [...matrixCells(matrixAfter)]
        .filter((cell) => !cell.allowed && blockedBefore.has(leg(cell)))
        .flatMap((cell): FlowChange[] => {
            const [was, now] = [verdictOf(before, cell), verdictOf(after, cell)];
            if (typeof was === "string" || typeof now === "string" || stoppedAt(was) === stoppedAt(now)) return [];
            return [{ leg: leg(cell), before: blockedText(was), after: blockedText(now), why: now.reason }];
        });
    const matrices = { before: matrixBefore, after: matrixAfter };
    return {
        change: { added, removed, moved },
        diff: explainDiff(diff, { model: before, matrix: matrixBefore }, { model: after, matrix: matrixAfter }),
        matrices,
    };
}

/** How much of a stage's change to print, and how wide. */
export interface ChangeView {
    /** The lab's namespaces: by default only changes none of whose ends is a pod elsewhere (CoreDNS, a probe) are printed. */
    isLabNamespace: (namespace: string) => boolean;
    /** Every change, the other namespaces' pods included (`npm run lab -- --verbose`). */
    verbose?: boolean;
    /** Columns to wrap to (the terminal's); default 100. */
    width?: number;
}

/** `<namespace>/<workload>` is a pod; external:, service:, nodeport:, node: ends are not. */
function podNamespace(end: string): string | undefined {
    return /^([a-z0-9][a-z0-9-]*)\/[^/:]+$/.exec(end)?.[1];
}

/** Whether a change has an end that is a pod outside the lab (CoreDNS, the neighbour's probe): printed with --verbose only. */
export function involvesOtherPods(flow: FlowChange, view: ChangeView): boolean {
    const [src, rest] = flow.leg.split(" -> ");
    const dst = rest?.replace(/:\d+\/[A-Z]+$/, "") ?? "";
    return [src!, dst].some((end) => {
        const namespace = podNamespace(end);
        return namespace !== undefined && !view.isLabNamespace(namespace);
    });
}

/**
 * The change as a learner reads it: one line per flow (`+` now allowed, `-` now blocked, `~` still
 * blocked elsewhere), the analyzer's reason below it, every line wrapped to the width (a flow itself
 * is never broken); by default the lab's own workloads only, with a count of the rest and how to
 * see them.
 */
export function formatChange(stage: StageRow, change: StageChange, view: ChangeView = { isLabNamespace: () => true }): string {
    const width = Math.max(40, view.width ?? 100);
    const shown = (flows: FlowChange[]) => (view.verbose ? flows : flows.filter((flow) => !involvesOtherPods(flow, view)));
    const [added, removed, moved] = [shown(change.added), shown(change.removed), shown(change.moved)];
    const hidden = change.added.length + change.removed.length + change.moved.length - added.length - removed.length - moved.length;
    const lines = wrap(`What changed at stage ${stage.number} (${stage.name}): ${stage.adds}`, width);
    if (change.added.length === 0 && change.removed.length === 0 && change.moved.length === 0) lines.push("  no flow changed verdict or where it is stopped");
    const indented = (text: string, indent: number) => wrap(text, width - indent).map((line) => `${" ".repeat(indent)}${line}`);
    // The flow stays on one line; what happened to it follows on that line when it fits, else below.
    const entry = (mark: string, flow: FlowChange, what: string) => {
        const head = `  ${mark} ${flow.leg}`;
        if (head.length + 2 + what.length <= width) lines.push(`${head}  ${what}`);
        else lines.push(head, ...indented(what, 6));
        lines.push(...indented(`because ${flow.why}`, 6));
    };
    for (const flow of added) entry("+", flow, "(now allowed)");
    for (const flow of removed) entry("-", flow, `(now ${flow.after})`);
    for (const flow of moved) entry("~", flow, `(still blocked, now ${flow.after.replace(/^blocked /, "")}; was ${flow.before.replace(/^blocked /, "")})`);
    if (hidden > 0)
        lines.push(
            ...indented(
                `(and ${hidden} change${hidden === 1 ? "" : "s"} to or from pods outside the lab, such as CoreDNS and the probe pods: --verbose shows them)`,
                2,
            ),
        );
    return lines.join("\n");
}

/** Stages to walk, from a scenario's stage table (the default scenario's unless given): --stage N alone, or from 0 (or --from) up to --to, or down to --to when --from is higher. */
export function stagesToWalk(
    options: { only?: StageRow; upTo?: StageRow; from?: StageRow },
    stages: readonly StageRow[] = defaultScenario().stages,
): StageRow[] {
    if (options.only) return [options.only];
    const first = options.from?.number ?? 0;
    const last = options.upTo?.number ?? stages[stages.length - 1].number;
    // --from above --to walks back down (stages are cumulative; each `up` converges backwards too).
    if (first > last) return stages.filter((stage) => stage.number <= first && stage.number >= last).reverse();
    return stages.filter((stage) => stage.number >= first && stage.number <= last);
}

/** The scenario of a stack: `--scenario` if given, else the stack's `scenario` config, else the default scenario. */
export function labScenario(option: string | undefined, config: Record<string, string | undefined> = {}, scenarios: readonly Scenario[] = SCENARIOS): Scenario {
    const name = option ?? config.scenario ?? defaultScenario(scenarios).name;
    const scenario = findScenario(name, scenarios);
    if (!scenario) throw new Error(`scenario ${name}: not a scenario (${scenarioNames(scenarios).join(", ")})`);
    return scenario;
}

/**
 * The scenario a walk takes: --scenario, else the stack's. A live stack configured for one
 * scenario is not walked through the other's stages (its first up would replace everything it
 * runs): the user changes its config instead. A stack without the key takes the option.
 */
export function scenarioFor(
    option: string | undefined,
    config: Record<string, string | undefined>,
    live: boolean,
    scenarios: readonly Scenario[] = SCENARIOS,
): Scenario {
    const scenario = labScenario(option, config, scenarios);
    // A stack without the key runs the program's default scenario: switching a live stack
    // replaces everything it runs, so only the user's own `pulumi config set` does that.
    const current = config.scenario ?? defaultScenario(scenarios).name;
    if (live && current !== scenario.name) {
        throw new Error(
            `--scenario ${option}: the stack runs the ${current} scenario; to switch it (everything of ${current} is replaced): pulumi config set ${PROJECT_NAME}:scenario ${scenario.name}`,
        );
    }
    return scenario;
}

/** How a scenario's stages can be named, for error messages: "0-5 or cluster, helloworld, ...". */
export function stageChoices(scenario: Pick<Scenario, "stages">): string {
    const numbers = scenario.stages.map((s) => s.number);
    return `${Math.min(...numbers)}-${Math.max(...numbers)} or ${scenario.stages.map((s) => s.name).join(", ")}`;
}

/** The YAML files a render stack wrote for a stage, plus the baseline (the default scenario's unless given), as analyzer objects. */
export function renderedObjects(directory: string, baseline: PlainObject[] = defaultScenario().baseline() as PlainObject[]): PlainObject[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/\.ya?ml$/.test(entry.name)) files.push(full);
        }
    };
    if (fs.existsSync(directory)) walk(directory);
    return [...(loadManifests(files.sort()) as unknown as PlainObject[]), ...baseline];
}

/** Predicted verdict of each flow of a stage over a set of objects (the matrix --render prints). */
export function predictedMatrix(
    objects: PlainObject[],
    checks: FlowCheck[],
    predictor: Predictor = analyzerPredictor,
): { check: FlowCheck; predicted: string; reason: string }[] {
    const predictions = predictor(
        objects,
        checks.flatMap((check) => check.legs),
        [],
    );
    return checks.map((check) => {
        const legs = check.legs.map((leg) => predictions.get(legKey(leg)));
        const unknown = legs.find((p) => !isPrediction(p));
        const blocked = legs.find((p) => isPrediction(p) && p.verdict === "blocked");
        const predicted = unknown ? "?" : blocked ? "blocked" : "allowed";
        const reason = unknown ? (unknown as { error: string }).error : isPrediction(blocked) ? blocked.explanation : "every leg allowed";
        return { check, predicted, reason };
    });
}

/** The objects that decide connectivity now (empty before the namespace exists), plus the baseline (the default scenario's unless given). */
export async function snapshotObjects(
    cluster: import("./cluster").ClusterApi,
    namespace: string | readonly string[],
    baseline: PlainObject[] = defaultScenario().baseline() as PlainObject[],
): Promise<{ objects: PlainObject[]; nodes: NodeInfo[] }> {
    const { readBack } = await import("./readback");
    try {
        const back = await readBack(cluster, namespace, { checks: [], baseline });
        return { objects: back.objects, nodes: back.nodes };
    } catch {
        return { objects: baseline, nodes: [] };
    }
}
