// The tier's report: per scenario and in total the cells that agreed, disagreed or were not
// observed, the median cost of a scenario, the coverage table, and where the reproductions are.
// Printed at the end and written as JSON. Pure but for the writers at the bottom.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import type { PlainObject } from "../../live/cluster";
import { addCounts, CellResult, count, Counts, NO_COUNTS } from "./compare";
import { coverageTable, CoverageRow } from "./coverage";
import type { Refusal } from "./deploy";
import { Scenario, toYaml } from "./scenario";
import type { Timings } from "./trial";

export interface Reproduction {
    /** The folder holding scenario.yaml, verdicts.json and cluster.yaml. */
    directory: string;
    cell: string;
    predicted?: string;
    observed?: string;
    /** The original scenario's seed, and how the shrinker got from it to the reproduction. */
    seed: number;
    trials: number;
    steps: string[];
}

export interface ScenarioReport {
    seed: number;
    name: string;
    counts: Counts;
    timings: Timings;
    refusals: Refusal[];
    problems: string[];
    /** Every cell that was not an agreement, with both sides. */
    cells: CellResult[];
}

export interface Report {
    startedAt: string;
    finishedAt: string;
    firstSeed: number;
    scenarios: ScenarioReport[];
    totals: Counts;
    /** Median seconds of one scenario, per phase and in all. */
    median: Timings & { total: number };
    coverage: CoverageRow[];
    reproductions: Reproduction[];
    /** Every cell result (agreements included), for the coverage and for a reader. */
    results: (CellResult & { scenario: string })[];
}

export function median(values: number[]): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : Math.round(((sorted[middle - 1] + sorted[middle]) / 2) * 10) / 10;
}

export function scenarioReport(scenario: Scenario, results: CellResult[], timings: Timings, refusals: Refusal[], problems: string[]): ScenarioReport {
    return {
        seed: scenario.seed,
        name: scenario.name,
        counts: count(results),
        timings,
        refusals,
        problems,
        cells: results.filter((result) => result.status !== "agree"),
    };
}

export function buildReport(
    startedAt: string,
    firstSeed: number,
    scenarios: { report: ScenarioReport; results: CellResult[] }[],
    reproductions: Reproduction[],
): Report {
    const phase = (name: keyof Timings) => median(scenarios.map((s) => s.report.timings[name] ?? 0));
    const totalOf = (t: Timings) => t.apply + t.converge + t.predict + t.probe + (t.clean ?? 0);
    return {
        startedAt,
        finishedAt: new Date().toISOString(),
        firstSeed,
        scenarios: scenarios.map((s) => s.report),
        totals: scenarios.reduce((sum, s) => addCounts(sum, s.report.counts), NO_COUNTS),
        median: {
            apply: phase("apply"),
            converge: phase("converge"),
            predict: phase("predict"),
            probe: phase("probe"),
            clean: phase("clean"),
            total: median(scenarios.map((s) => totalOf(s.report.timings))),
        },
        coverage: coverageTable(scenarios.flatMap((s) => s.results)),
        reproductions,
        results: scenarios.flatMap((s) => s.results.map((result) => ({ ...result, scenario: s.report.name }))),
    };
}

/**
 * 0: every cell agreed; 1: a disagreement, a cell not observed or not predicted, an object
 * refused, or a problem (a pod that never ran has no cells: that is no agreement either).
 */
export function exitCode(report: Report): 0 | 1 {
    const { disagree, notObserved, notPredicted, cells } = report.totals;
    const troubled = report.scenarios.some((s) => s.refusals.length > 0 || s.problems.length > 0);
    return disagree + notObserved + notPredicted > 0 || troubled || cells === 0 ? 1 : 0;
}

const pad = (text: string | number, width: number) => String(text).padEnd(width);
const padLeft = (text: string | number, width: number) => String(text).padStart(width);

export function formatReport(report: Report, jsonPath?: string): string {
    const lines: string[] = [];
    lines.push("scenario   seed   cells  agree  disagree  not-observed  not-predicted  seconds (apply/converge/predict/probe/clean)");
    for (const s of report.scenarios) {
        const t = s.timings;
        lines.push(
            `${pad(s.name, 9)}  ${padLeft(s.seed, 4)}  ${padLeft(s.counts.cells, 6)}  ${padLeft(s.counts.agree, 5)}  ${padLeft(s.counts.disagree, 8)}  ${padLeft(s.counts.notObserved, 12)}  ${padLeft(s.counts.notPredicted, 13)}  ${t.apply}/${t.converge}/${t.predict}/${t.probe}/${t.clean ?? "-"}`,
        );
        for (const problem of s.problems) lines.push(`           ! ${problem}`);
        for (const refusal of s.refusals) lines.push(`           ! refused by the API server: ${refusal.object}: ${refusal.message}`);
    }
    const t = report.totals;
    lines.push("");
    lines.push(
        `total: ${report.scenarios.length} scenarios, ${t.cells} cells: ${t.agree} agree, ${t.disagree} disagree, ${t.notObserved} not observed, ${t.notPredicted} not predicted`,
    );
    const m = report.median;
    lines.push(`median seconds per scenario: ${m.total} (apply ${m.apply}, converge ${m.converge}, predict ${m.predict}, probe ${m.probe}, clean ${m.clean})`);
    const differing = report.results.filter((r) => r.status !== "agree");
    if (differing.length > 0) {
        lines.push("");
        lines.push("cells that did not agree (predicted / observed):");
        for (const r of differing) {
            lines.push(`  ${r.scenario}  ${r.status.padEnd(13)} ${r.id}  predicted ${r.predicted ?? "-"} / observed ${r.observed ?? "-"}`);
            lines.push(`      analyzer: ${r.reason}`);
            lines.push(`      probe: ${r.detail}`);
        }
    }
    lines.push("");
    lines.push("coverage (cells that exercised each feature and rule field):");
    const width = Math.max(20, ...report.coverage.map((row) => row.feature.length));
    lines.push(`  ${pad("feature", width)}  cells  agree  disagree`);
    for (const row of report.coverage)
        lines.push(`  ${pad(row.feature, width)}  ${padLeft(row.cells, 5)}  ${padLeft(row.agree, 5)}  ${padLeft(row.disagree, 8)}`);
    if (report.reproductions.length > 0) {
        lines.push("");
        lines.push("minimal reproductions:");
        for (const r of report.reproductions)
            lines.push(
                `  ${r.directory}: ${r.cell} predicted ${r.predicted} / observed ${r.observed} (seed ${r.seed}, ${r.steps.length} cuts in ${r.trials} trials)`,
            );
    }
    if (jsonPath) lines.push("", `report: ${jsonPath}`);
    return lines.join("\n");
}

export function writeReport(directory: string, report: Report): string {
    fs.mkdirSync(directory, { recursive: true });
    const file = path.join(directory, "report.json");
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    return file;
}

/** A reproduction folder: the scenario (YAML), the cell's verdicts, and the objects the analyzer judged. */
export function writeReproduction(directory: string, scenario: Scenario, result: CellResult, objects: PlainObject[]): void {
    fs.mkdirSync(directory, { recursive: true });
    fs.writeFileSync(path.join(directory, "scenario.yaml"), toYaml(scenario));
    const { id, kind, predicted, observed, outcome, reason, detail, attempts, command, features } = result;
    fs.writeFileSync(
        path.join(directory, "verdicts.json"),
        `${JSON.stringify({ cell: id, kind, predicted, observed, outcome, analyzer: reason, probe: detail, attempts, command, features }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(directory, "cluster.yaml"), objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n"));
}
