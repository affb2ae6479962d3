// Reports of a verification, Kubernetes e2e style: the expected / predicted / observed table
// with differences marked, a per-leg table saying what each probe saw and how to reproduce it,
// and machine formats for CI (JSON, JUnit).
import Table from "cli-table3";
import type { FlowRow, Mark } from "./compare";
import type { VerificationResult } from "./verify";

/** Every report format verify writes; a test proves none carries a credential. */
export const REPORT_FORMATS = ["table", "json", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const symbol = (mark: Mark) => (mark === "allowed" ? "Y" : mark === "blocked" ? "n" : "?");

function paint(text: string, color: "red" | "green" | "yellow" | "bold", enabled: boolean): string {
    if (!enabled) return text;
    const codes = { red: 31, green: 32, yellow: 33, bold: 1 } as const;
    return `\u001b[${codes[color]}m${text}\u001b[0m`;
}

/** A flow's result in words: ok, DIFFERS (observed), DIFFERS (predicted), NOT OBSERVED, predicted only. */
export function statusText(flow: Pick<FlowRow, "status">): string {
    switch (flow.status) {
        case "pass":
            return "ok";
        case "observed-differs":
            return "DIFFERS (observed)";
        case "predicted-differs":
            return "DIFFERS (predicted)";
        case "not-observed":
            return "NOT OBSERVED";
        case "predicted-only":
            return "predicted only";
    }
}

/** cli-table3 options for tables of one-line rows: no rule between rows (the verify and lab tables). */
export const COMPACT_TABLE: Partial<NonNullable<ConstructorParameters<typeof Table>[0]>> = {
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
};

export function formatTable(result: VerificationResult, color = false): string {
    const lines: string[] = [];
    const stage = result.stage ? `stage ${result.stage.number} (${result.stage.name})` : "stage ?";
    const namespaces = result.namespaces && result.namespaces.length > 1 ? `namespaces ${result.namespaces.join(", ")}` : `namespace ${result.namespace}`;
    lines.push(paint(`Verification of ${stage}${result.stack ? ` on stack ${result.stack}` : ""}, ${namespaces}`, "bold", color));
    lines.push(
        `Y = allowed, n = blocked, ? = no verdict; expected = the stack's intent, predicted = the analyzer over the objects read back from the cluster (Calico: ${result.calicoSource}), observed = the probes.`,
    );
    const flows = new Table({ head: ["flow", "expected", "predicted", "observed", "result"], ...COMPACT_TABLE });
    for (const flow of result.comparison.flows) {
        const bad = flow.status !== "pass" && flow.status !== "predicted-only";
        const cell = (mark: Mark, compareTo: Mark) => (bad && mark !== compareTo ? paint(`${symbol(mark)} *`, "red", color) : symbol(mark));
        flows.push([
            flow.description,
            symbol(flow.expected),
            cell(flow.predicted, flow.expected),
            cell(flow.observed, flow.predicted),
            bad
                ? paint(statusText(flow), "red", color)
                : flow.status === "predicted-only"
                  ? paint(statusText(flow), "yellow", color)
                  : paint("ok", "green", color),
        ]);
    }
    lines.push(flows.toString());
    const legs = new Table({
        head: ["probe", "pred", "obs", "outcome", "tries", "detail"],
        style: { head: [], border: [] },
        colWidths: [58, 6, 5, 13, 7, 60],
        wordWrap: true,
    });
    for (const flow of result.comparison.flows) {
        for (const leg of flow.legs) {
            legs.push([
                leg.description,
                symbol(leg.predicted),
                leg.differs ? paint(`${symbol(leg.observed)} *`, "red", color) : symbol(leg.observed),
                leg.outcome,
                `${leg.attempts}${leg.stable ? "" : "!"}`,
                leg.detail,
            ]);
        }
    }
    lines.push("Probes (tries: attempts until two agreed; ! = never stable):");
    lines.push(legs.toString());
    for (const flow of result.comparison.flows.filter((f) => f.status !== "pass")) {
        lines.push(paint(`* ${flow.id}: ${flow.problem}`, flow.status === "predicted-only" ? "yellow" : "red", color));
        for (const leg of flow.legs.filter((l) => l.differs))
            lines.push(`    reproduce: ${leg.command}${leg.explanation ? `\n    analyzer: ${leg.explanation}` : ""}`);
    }
    if (result.fromBaseline.length > 0) lines.push(`From the intent's baseline (not in the cluster): ${result.fromBaseline.join(", ")}`);
    lines.push(`Probe pods deleted: ${result.cleanup.deleted.length > 0 ? result.cleanup.deleted.join(", ") : "none created"}`);
    for (const leftover of result.cleanup.leftovers)
        lines.push(paint(`NOT CLEANED UP: ${leftover.resource} (${leftover.error}); delete it with: ${leftover.command}`, "red", color));
    const { counts } = result.comparison;
    const verdict = result.interrupted ? "INTERRUPTED" : result.passed ? "PASSED" : "FAILED";
    lines.push(
        paint(
            `${verdict}: ${counts.passed}/${counts.flows} flows agree, ${counts.differences} differ, ${counts.notObserved} not observed${counts.predictedOnly ? `, ${counts.predictedOnly} predicted only (not probeable)` : ""}${result.cleanup.leftovers.length ? `, ${result.cleanup.leftovers.length} left over` : ""}`,
            result.passed ? "green" : "red",
            color,
        ),
    );
    return lines.join("\n");
}

export function formatJson(result: VerificationResult): string {
    return JSON.stringify(result, null, 2);
}

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function formatJunit(result: VerificationResult): string {
    const suite = `calico-zero-trust-lab verify${result.stage ? ` stage ${result.stage.number} (${result.stage.name})` : ""}`;
    const failures = result.comparison.flows.filter((f) => f.status !== "pass" && f.status !== "not-observed" && f.status !== "predicted-only").length;
    const skipped = result.comparison.flows.filter((f) => f.status === "predicted-only").length;
    const errors = result.comparison.flows.filter((f) => f.status === "not-observed").length + result.cleanup.leftovers.length;
    const seconds = (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000;
    const cases = result.comparison.flows.map((flow) => {
        const name = `${flow.id}: expected ${flow.expected}, predicted ${flow.predicted}, observed ${flow.observed}`;
        const body = flow.legs
            .map(
                (leg) =>
                    `${leg.probeId}: predicted ${leg.predicted}, observed ${leg.observed} (${leg.outcome}, ${leg.attempts} tries): ${leg.detail}\n  reproduce: ${leg.command}`,
            )
            .join("\n");
        const inner =
            flow.status === "pass"
                ? ""
                : flow.status === "predicted-only"
                  ? `<skipped message="${xml(flow.problem ?? "")}"/>`
                  : flow.status === "not-observed"
                    ? `<error message="${xml(flow.problem ?? "")}">${xml(body)}</error>`
                    : `<failure message="${xml(flow.problem ?? "")}">${xml(body)}</failure>`;
        return `    <testcase classname="${xml(result.namespace)}" name="${xml(name)}">${inner}<system-out>${xml(body)}</system-out></testcase>`;
    });
    for (const leftover of result.cleanup.leftovers) {
        cases.push(
            `    <testcase classname="cleanup" name="${xml(leftover.resource)}"><error message="${xml(leftover.error)}">${xml(leftover.command)}</error></testcase>`,
        );
    }
    return [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<testsuites name="verify" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds}">`,
        `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}"${skipped ? ` skipped="${skipped}"` : ""} time="${seconds}" timestamp="${result.startedAt}">`,
        ...cases,
        `  </testsuite>`,
        `</testsuites>`,
    ].join("\n");
}

export function formatResult(result: VerificationResult, format: ReportFormat, color = false): string {
    if (format === "json") return formatJson(result);
    if (format === "junit") return formatJunit(result);
    return formatTable(result, color);
}
