// A lab stage as a report a learner reads: the truth table (expected / predicted, and observed when
// verified on a cluster), two pictures (the lab's flows as the analyzer judges them, and every
// connection it computed with the stage's changes marked), what changed and why, the policies the
// stage applies and the commands to try. Data only, kept as JSON beside the HTML that
// html-report.ts writes of it; the pictures are the analyzer's (analysis/ picture.ts), drawn later.
import { stringify } from "yaml";
import { connectionsPicture, diffPicture, matrixPicture, AnalysisInputError } from "../analysis";
import type { EdgeMark, MarkedConnection, Picture } from "../analysis";
import type { FlowCheck } from "../scenarios/common/flows";
import type { StageRow } from "../scenarios/common/stages";
import type { NodeInfo, PlainObject } from "./cluster";
import type { FlowRow } from "./compare";
import { compareStages, predictedMatrix, type StageChange, stageMatrix } from "./lab";
import { analyzerPredictor, isPrediction, type LegPrediction } from "./predict";
import { statusText } from "./report";
import { legKey } from "./types";
import { type VerificationResult, verificationVerdict } from "./verify";

/** One row of the stage's truth table, as the report shows it: verdicts are `allowed`, `blocked` or `?`. */
export interface ReportRow {
    id: string;
    description: string;
    expected: string;
    predicted: string;
    /** Present when the stage was verified on a cluster. */
    observed?: string;
    /** `ok`, or what differs (`DIFFERS (predicted)`, `NOT OBSERVED` ...). */
    result: string;
}

/** A picture of the stage, or why there is none (an input past what a picture can show, a stage without flows). */
export interface ReportPicture {
    /** `flows` (the truth table's legs) or `connections` (every connection, the stage's changes marked). */
    id: "flows" | "connections";
    title: string;
    picture?: Picture;
    /** Why there is no picture. */
    missing?: string;
}

/** An object that decides connectivity, as the stage applies it. */
export interface ReportPolicy {
    kind: string;
    name: string;
    namespace?: string;
    yaml: string;
}

export interface StageReport {
    stage: { number: number; name: string; adds: string };
    /** The truth table's columns: expected and predicted always, observed when verified on a cluster. */
    columns: ("expected" | "predicted" | "observed")[];
    rows: ReportRow[];
    /** On a cluster: passed, failed, not observed, skipped (--no-verify), nothing to verify. */
    verification?: string;
    /** Absent for a stage shown alone (npm run verify --html): nothing to compare it with. */
    change?: StageChange;
    pictures: ReportPicture[];
    policies: ReportPolicy[];
    tryIt: string[];
}

export interface LabReport {
    title: string;
    scenario: string;
    stack: string;
    /** render: predicted from rendered manifests, no cluster; live: deployed and (unless skipped) verified. */
    mode: "render" | "live";
    generatedAt: string;
    stages: StageReport[];
}

export interface StageReportInput {
    stage: StageRow;
    /** The objects before the stage (the previous stage's, else the baseline); absent: the stage alone. */
    previous?: PlainObject[];
    /** The stage's objects (rendered, or read back from the cluster), baseline included. */
    current: PlainObject[];
    nodes?: NodeInfo[];
    /** The stage's flows (the intent's or the scenario's). */
    checks: FlowCheck[];
    /** The stack's tryIt output (keys sorted by Pulumi; NODE_IP's assignment first). */
    tryIt?: Record<string, string | undefined>;
    /** The verification of the stage on a cluster, or why there is none. */
    verification?: VerificationResult | "skipped" | "nothing to verify";
    /** The comparison with the previous stage when the caller made it already (the walk prints it). */
    comparison?: ReturnType<typeof compareStages>;
}

/** Kinds whose objects are policy: what the report lists under "Policies applied". */
const POLICY_KIND = /NetworkPolicy$|^(Tier|HostEndpoint|NetworkSet|GlobalNetworkSet)$/;

const CHANGE_MARKS: Record<"now" | "before", Record<"allowed" | "blocked", EdgeMark>> = {
    now: { allowed: "added", blocked: "removed" },
    before: { allowed: "allowed", blocked: "blocked" },
};

/**
 * The report of one stage. Cost: the analyzer's comparison of the two sides (as the walk prints
 * it), one prediction per leg on each side; no drawing (html-report.ts draws the pictures).
 */
export function stageReport(input: StageReportInput): StageReport {
    const nodes = input.nodes ?? [];
    const comparison = input.comparison ?? (input.previous ? compareStages(input.previous, input.current, nodes) : undefined);
    const legs = uniqueLegs(input.checks);
    const now = analyzerPredictor(input.current, legs, nodes);
    const before = input.previous ? analyzerPredictor(input.previous, legs, nodes) : undefined;
    const verification = typeof input.verification === "object" ? input.verification : undefined;
    const rows = verification ? verification.comparison.flows.map(verifiedRow) : predictedRows(input.current, input.checks, now);
    const kubeDns = comparison?.matrices.after.kubeDns ?? [];
    return {
        stage: { number: input.stage.number, name: input.stage.name, adds: input.stage.adds },
        columns: verification ? ["expected", "predicted", "observed"] : ["expected", "predicted"],
        rows,
        ...(input.verification !== undefined
            ? { verification: typeof input.verification === "string" ? input.verification : verificationVerdict(input.verification) }
            : {}),
        ...(comparison ? { change: comparison.change } : {}),
        pictures: [
            flowsPicture(legs, now, before, kubeDns, new Set(comparison?.change.moved.map((flow) => flow.leg))),
            drawn(
                "connections",
                comparison ? "Every connection the analyzer computed, the stage's changes marked" : "Every connection the analyzer computed",
                () => (comparison ? diffPicture(comparison.diff, comparison.matrices) : matrixPicture(stageMatrix(input.current, nodes))),
            ),
        ],
        policies: input.current.filter((object) => POLICY_KIND.test(object.kind)).map(policyOf),
        tryIt: tryItLines(input.tryIt),
    };
}

function uniqueLegs(checks: FlowCheck[]) {
    const legs = new Map(checks.flatMap((check) => check.legs).map((leg) => [legKey(leg), leg]));
    return [...legs.values()];
}

/** The truth table's legs as arrows: allowed, now allowed (+), now blocked (−), still blocked (✘), as the analyzer predicts each. */
function flowsPicture(
    legs: ReturnType<typeof uniqueLegs>,
    now: Map<string, LegPrediction>,
    before: Map<string, LegPrediction> | undefined,
    kubeDns: string[],
    moved: ReadonlySet<string>,
): ReportPicture {
    const title = "The lab's flows, as the analyzer predicts them";
    if (!legs.length) return { id: "flows", title, missing: "no lab workload yet: the stage declares no flows" };
    const unknown: string[] = [];
    const marked = legs.flatMap((leg): MarkedConnection[] => {
        const prediction = now.get(legKey(leg));
        if (!isPrediction(prediction)) {
            unknown.push(legKey(leg));
            return [];
        }
        const was = before?.get(legKey(leg));
        const changed = before !== undefined && (!isPrediction(was) ? prediction.verdict === "allowed" : was.verdict !== prediction.verdict);
        const mark = moved.has(legKey(leg)) ? "moved" : CHANGE_MARKS[changed ? "now" : "before"][prediction.verdict];
        return [{ ...leg, mark, why: prediction.explanation }];
    });
    const caption = [
        "Each arrow is a leg of the stage's flows (the truth table), as the analyzer predicts it:",
        before
            ? "grey: allowed; red ✘: blocked; green +: allowed now, not at the stage before; red −: blocked now, allowed before; orange ~: still blocked, now stopped elsewhere."
            : "grey: allowed; red ✘: blocked.",
        ...(unknown.length ? [`Not drawn, the analyzer could not judge them: ${unknown.join(", ")}`] : []),
    ];
    return drawn("flows", title, () => connectionsPicture(marked, kubeDns, caption));
}

/** A picture, or why there is none when the analyzer refuses to draw it (past the limits). */
function drawn(id: ReportPicture["id"], title: string, make: () => Picture): ReportPicture {
    try {
        return { id, title, picture: make() };
    } catch (error) {
        if (error instanceof AnalysisInputError) return { id, title, missing: error.message };
        throw error;
    }
}

function predictedRows(objects: PlainObject[], checks: FlowCheck[], predictions: Map<string, LegPrediction>): ReportRow[] {
    return predictedMatrix(objects, checks, () => predictions).map(({ check, predicted }) => ({
        id: check.id,
        description: check.description,
        expected: check.expected,
        predicted,
        result: predicted === check.expected ? "ok" : "DIFFERS (predicted)",
    }));
}

const markText = (mark: string) => (mark === "unknown" ? "?" : mark);

function verifiedRow(flow: FlowRow): ReportRow {
    return {
        id: flow.id,
        description: flow.description,
        expected: flow.expected,
        predicted: markText(flow.predicted),
        observed: markText(flow.observed),
        result: statusText(flow),
    };
}

function policyOf(object: PlainObject): ReportPolicy {
    const { name, namespace } = object.metadata as { name: string; namespace?: string };
    return { kind: object.kind, name, ...(namespace ? { namespace } : {}), yaml: stringify(object, { lineWidth: 0 }) };
}

/** The tryIt output's commands, NODE_IP's assignment first (the others use it). */
function tryItLines(tryIt: Record<string, string | undefined> | undefined): string[] {
    if (!tryIt) return [];
    const { nodeIp, ...calls } = tryIt;
    return [nodeIp, ...Object.values(calls)].filter((line): line is string => Boolean(line));
}
