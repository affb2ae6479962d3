// The analyzer's outputs, byte for byte, for every scenario of the repository and every format:
// the matrix (as `auto` chooses at 160 columns), its connectivity classes, the diff from the
// previous stage, and a query allowed and one blocked. The inputs are each scenario's last two
// stages as the program renders them (Pulumi mocks) plus its baseline, written as YAML and read
// by the command itself. A changed output fails with the difference; when the change is meant:
//   UPDATE_GOLDEN=1 npx vitest run test/analysis/golden.test.ts
// rewrites the files under test/analysis/golden/<scenario>/, to be reviewed in the commit. The SVG
// files are Graphviz's output (@viz-js/viz, pinned), so they also change when it is upgraded.
import * as fs from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runCli } from "../../analysis/consumers/cli";
import { loadGraphviz, MATRIX_FORMATS, MatrixFormat } from "../../analysis/consumers/output";
import type { FlowCheck } from "../../scenarios/common/flows";
import { SCENARIOS } from "../../scenarios/registry";
import type { Scenario } from "../../scenarios/scenario";
import { RENDER, runProgram } from "../helpers/program";
import { temporaryDirectory } from "../helpers/temporary";

const GOLDEN = path.join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const EXTENSION: Record<MatrixFormat, string> = { table: "txt", md: "md", json: "json", jsonl: "jsonl", mermaid: "mmd", dot: "dot", svg: "svg" };

/** A stage's objects (baseline + the program's), as one YAML file; returns its path. */
async function renderStage(scenario: Scenario, number: number, directory: string): Promise<string> {
    const stage = scenario.stages[number]!;
    const run = await runProgram({ ...RENDER, scenario: scenario.name, stage: stage.name, flavor: "calico" });
    const file = path.join(directory, `${number}-${stage.name}.yaml`);
    fs.writeFileSync(file, [...scenario.baseline(stage), ...run.kubernetesObjects].map((object) => stringify(object)).join("---\n"));
    return file;
}

function analyze(argv: string[]): string {
    let stdout = "";
    let stderr = "";
    const code = runCli(argv, {
        stdout: (text) => {
            stdout += text;
        },
        stderr: (text) => {
            stderr += text;
        },
        width: 160,
    });
    expect(code, stderr).toBe(0);
    return stdout;
}

function matchesGolden(scenario: string, name: string, actual: string): void {
    const file = path.join(GOLDEN, scenario, name);
    if (UPDATE) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    if (!fs.existsSync(file))
        throw new Error(
            `no golden output ${path.relative(process.cwd(), file)}: run UPDATE_GOLDEN=1 npx vitest run test/analysis/golden.test.ts and review it`,
        );
    expect(actual, `${name} differs from ${path.relative(process.cwd(), file)} (UPDATE_GOLDEN=1 rewrites it)`).toBe(fs.readFileSync(file, "utf8"));
}

/** The first leg of the last stage's first flow expected `expected`, as --query arguments. */
function queryOf(checks: FlowCheck[], expected: FlowCheck["expected"]): string[] {
    const leg = checks.find((check) => check.expected === expected && check.legs.length === 1)!.legs[0]!;
    return [leg.src, leg.dst, `${leg.port}/${leg.protocol}`];
}

describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("scenario %s", (name, scenario) => {
    const last = scenario.stages.length - 1;
    let before: string;
    let after: string;
    beforeAll(async () => {
        const directory = temporaryDirectory(`golden-${name}`);
        [before, after] = await Promise.all([renderStage(scenario, last - 1, directory), renderStage(scenario, last, directory)]);
        await loadGraphviz();
    }, 120_000);

    it.each(MATRIX_FORMATS.map((format) => [format]))("--format %s", (format) => {
        const checks = scenario.flowChecksAt(scenario.stages[last]!, {});
        const outputs: Record<string, string[]> = {
            matrix: [after],
            classes: [after, "--classes"],
            diff: ["--diff", before, "--", after],
            "query-allowed": [after, "--query", ...queryOf(checks, "allowed")],
            "query-blocked": [after, "--query", ...queryOf(checks, "blocked")],
        };
        for (const [command, argv] of Object.entries(outputs)) {
            matchesGolden(name, `${command}.${EXTENSION[format]}`, analyze(["--format", format, ...argv]));
        }
    });
});
