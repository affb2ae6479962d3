// The live lab walk, independent of how the stack is driven (Automation API in scripts/lab.ts,
// a fake in tests): per stage, set the stage and `up`, show how to try it, verify, record, and
// explain what changed.
import { defaultScenario } from "../scenarios/registry";
import type { StageRow } from "../scenarios/common/stages";
import type { ClusterApi, NodeInfo, PlainObject } from "./cluster";
import type { FlowCheck } from "../scenarios/common/flows";
import { ChangeView, compareStages, formatChange, snapshotObjects } from "./lab";
import { formatTable } from "./report";
import { recordOf, saveRecord } from "./results";
import { type StageReport, stageReport } from "./stage-report";
import { type VerificationResult, verificationVerdict, verifyStage, VerifyOptions } from "./verify";

export type Outputs = Record<string, { value: any }>;

/** The part of a Pulumi stack the walk uses. */
export interface WalkStack {
    name: string;
    setStage(stage: StageRow): Promise<void>;
    up(onOutput: (text: string) => void): Promise<void>;
    outputs(): Promise<Outputs>;
}

export interface WalkOptions {
    stack: WalkStack;
    /** From the stack's scenario's stage table (live/lab.ts LAB_SCENARIOS). */
    stages: StageRow[];
    /** The objects before the first stage, and beside every snapshot; default the default scenario's baseline. */
    baseline?: PlainObject[];
    /** Whether a stage declares flows to verify; default: every stage but 0. */
    declaresFlows?(stage: StageRow): boolean;
    /** The lab's namespace(s); the stack's labNamespace output (a string, or yaobank's list) wins once it exists. */
    namespace: string | readonly string[];
    /** The cluster the stack's outputs point at. */
    clusterFor(outputs: Outputs): ClusterApi;
    verify: boolean;
    /** Where verification records go (results.ts); undefined: not recorded. */
    resultsDirectory?: string;
    out(text: string): void;
    /** Streams Pulumi's progress. */
    progress(text: string): void;
    /** Between stages (interactive: wait for Enter). */
    pause(next: StageRow | undefined): Promise<void>;
    verifyOptions?: Partial<VerifyOptions>;
    color?: boolean;
    /** What of each stage's change to print (default: everything, 100 columns). */
    changeView?: ChangeView;
    /** Receives each stage's report (the lab's HTML report is written of them); unset: none is made. */
    onStageReport?(report: StageReport): void;
    /** A stage's flows when it is not verified (verified: the intent's, read from the cluster); default none. */
    flowChecks?(stage: StageRow): FlowCheck[];
}

export interface WalkReport {
    /** failed: a flow differs; not observed: nothing differs but a flow could not be observed. */
    stages: {
        stage: StageRow;
        verified: "passed" | "failed" | "not observed" | "interrupted" | "nothing to verify" | "skipped";
        upSeconds: number;
        verifySeconds: number;
    }[];
    exitCode: number;
}

/** The stack's labNamespace output (one namespace, or a list), else the walk's own. */
export function labNamespaces(outputs: Outputs, fallback: string | readonly string[]): string | readonly string[] {
    const value = outputs.labNamespace?.value;
    if (typeof value === "string" && value) return value;
    if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string")) return value as string[];
    return fallback;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

export async function walkLab(options: WalkOptions): Promise<WalkReport> {
    const { stack, out } = options;
    const report: WalkReport = { stages: [], exitCode: 0 };
    const baseline = options.baseline ?? (defaultScenario().baseline() as PlainObject[]);
    const declaresFlows = options.declaresFlows ?? ((stage: StageRow) => stage.number !== 0);
    let previous: { objects: PlainObject[]; nodes: NodeInfo[] } | undefined;
    const before = await stack.outputs().catch(() => ({}) as Outputs);
    if (before.labNamespace) previous = await snapshotObjects(options.clusterFor(before), labNamespaces(before, options.namespace), baseline);

    for (const [index, stage] of options.stages.entries()) {
        out(`\n=== Stage ${stage.number} (${stage.name}): ${stage.adds}`);
        const upStarted = Date.now();
        await stack.setStage(stage);
        await stack.up(options.progress);
        const upSeconds = seconds(upStarted);
        const verifyStarted = Date.now();
        const outputs = await stack.outputs();
        const cluster = options.clusterFor(outputs);
        const namespace = labNamespaces(outputs, options.namespace);
        const tryIt = outputs.tryIt?.value as Record<string, string | undefined> | undefined;
        // Stack outputs come back with their keys sorted: the NODE_IP assignment goes first, as the curls use it.
        if (tryIt) {
            const { nodeIp, ...calls } = tryIt;
            out(`try it:\n  ${[nodeIp, ...Object.values(calls)].filter(Boolean).join("\n  ")}`);
        }

        let verified: WalkReport["stages"][number]["verified"];
        let result: VerificationResult | undefined;
        if (!declaresFlows(stage)) {
            verified = "nothing to verify";
            out(`verification: stage ${stage.number} has no lab workload and declares no flows; nothing to probe`);
        } else if (!options.verify) {
            verified = "skipped";
            out("verification: SKIPPED (--no-verify); this stage is not proven");
        } else {
            result = await verifyStage(cluster, {
                ...options.verifyOptions,
                namespace,
                stage: { number: stage.number, name: stage.name },
                stack: stack.name,
            });
            out(formatTable(result, options.color));
            if (options.resultsDirectory) saveRecord(options.resultsDirectory, recordOf(stack.name, result));
            verified = verificationVerdict(result);
        }
        report.stages.push({ stage, verified, upSeconds, verifySeconds: seconds(verifyStarted) });
        out(`stage ${stage.number} (${stage.name}): pulumi up ${upSeconds.toFixed(1)} s, verification ${seconds(verifyStarted).toFixed(1)} s`);
        if (verified === "interrupted") {
            report.exitCode = 130;
            return report;
        }
        if (verified === "failed") report.exitCode = 1;
        if (verified === "not observed" && report.exitCode === 0) report.exitCode = 2;

        const current = await snapshotObjects(cluster, namespace, baseline);
        const before = previous?.objects ?? baseline;
        const comparison = compareStages(before, current.objects, current.nodes);
        out(formatChange(stage, comparison.change, options.changeView));
        options.onStageReport?.(
            stageReport({
                stage,
                previous: before,
                current: current.objects,
                nodes: current.nodes,
                checks: result ? result.plan.flows.map((flow) => flow.check) : (options.flowChecks?.(stage) ?? []),
                tryIt,
                verification: result ?? (verified === "skipped" ? "skipped" : "nothing to verify"),
                comparison,
            }),
        );
        previous = current;
        await options.pause(options.stages[index + 1]);
    }
    const failed = report.stages.filter((s) => s.verified === "failed").length;
    const unobserved = report.stages.filter((s) => s.verified === "not observed").length;
    out(
        failed + unobserved === 0
            ? "\nLab walk done: every verified stage agreed."
            : `\nLab walk done: ${[failed ? `${failed} stage(s) FAILED verification` : "", unobserved ? `${unobserved} stage(s) NOT fully observed (a probe could not run)` : ""].filter(Boolean).join(", ")}.`,
    );
    return report;
}
