// The browser tier (npm run test:browser, test/browser/run.sh): what a learner gets from
// `npm run lab -- --render --yes`, opened in a real browser. For each scenario the render walk runs
// for real (the Pulumi engine, no cluster) and writes its report; headless Chromium opens it and
// the test checks that the page fetched nothing but itself, that every stage's table equals the
// report's JSON cell by cell (and the JSON the scenario's truth table), and that every picture was
// drawn: an SVG with nodes and arrows and a non-empty box. A full-page screenshot of each report is
// kept in test/browser/out/ (git-ignored). Every wait is on an event: the walk's exit, the page's load.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabReport } from "../../live/stage-report";
import { SCENARIOS } from "../../scenarios/registry";

const REPO = path.resolve(__dirname, "../..");
const STACK = "browser-tier";
const OUT = process.env.BROWSER_OUT ?? path.join(__dirname, "out");

/** Runs `npm run lab -- <args>` to its end; resolves to its exit code and output. */
function lab(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "--silent", "lab", "--", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => {
            output += chunk;
        });
        child.stderr.on("data", (chunk) => {
            output += chunk;
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
    });
}

let browser: Browser;
beforeAll(async () => {
    const executablePath = process.env.CHROMIUM_PATH;
    if (!executablePath) throw new Error("CHROMIUM_PATH is not set: run this tier with npm run test:browser (it installs Chromium and sets it)");
    browser = await chromium.launch({ executablePath });
    fs.mkdirSync(OUT, { recursive: true });
});
afterAll(async () => {
    await browser?.close();
});

/** The truth table of each stage section, as the browser shows it: per row its cells' text. */
async function shownTables(page: Page): Promise<Record<string, string[][]>> {
    return page.$$eval("section.stage", (sections) =>
        Object.fromEntries(
            sections.map((section) => [
                section.getAttribute("data-stage")!,
                [...section.querySelectorAll("table.truth-table tbody tr")].map((row) => [
                    row.getAttribute("data-flow")!,
                    ...[...row.querySelectorAll("td")].map((cell) => cell.textContent ?? ""),
                ]),
            ]),
        ),
    );
}

/** Every picture of the page, every collapsed one opened first: its stage, nodes, arrows and drawn box. */
async function shownPictures(page: Page) {
    await page.$$eval("details", (all) => {
        for (const details of all) details.setAttribute("open", "");
    });
    return page.$$eval("figure.picture", (figures) =>
        figures.map((figure) => {
            const svg = figure.querySelector("svg");
            const box = svg?.getBoundingClientRect();
            return {
                stage: figure.closest("section.stage")!.getAttribute("data-stage")!,
                picture: figure.getAttribute("data-picture")!,
                svg: Boolean(svg),
                nodes: svg?.querySelectorAll("g.node").length ?? 0,
                edges: svg?.querySelectorAll("g.edge").length ?? 0,
                width: box?.width ?? 0,
                height: box?.height ?? 0,
                missing: svg ? undefined : figure.textContent,
            };
        }),
    );
}

describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("the lab report of %s, in Chromium", (name, scenario) => {
    let report: LabReport;
    let file: string;
    beforeAll(async () => {
        const run = await lab(["--render", "--yes", "--stack", STACK, "--scenario", name]);
        expect(run.code, run.output).toBe(0);
        file = path.join(REPO, ".lab-reports", `${STACK}-render-${name}.html`);
        // The walk's last line says where the report is.
        expect(run.output.trimEnd().split("\n").at(-1)).toContain(`.lab-reports/${STACK}-render-${name}.html (open it in a browser`);
        report = JSON.parse(fs.readFileSync(file.replace(/\.html$/, ".json"), "utf8"));
    });

    it("the report's data is the scenario's truth table, every stage predicted as expected", () => {
        expect(report.stages.map((stage) => stage.stage.number)).toEqual(scenario.stages.map((stage) => stage.number));
        for (const stage of report.stages) {
            const checks = scenario.flowChecksAt(scenario.stages[stage.stage.number]!, {});
            expect(stage.rows.map((row) => [row.id, row.expected])).toEqual(checks.map((check) => [check.id, check.expected]));
            expect(stage.rows.filter((row) => row.predicted !== row.expected || row.result !== "ok")).toEqual([]);
        }
    });

    it("opens without fetching anything, every table equal to the JSON cell by cell, every picture drawn", async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requests: string[] = [];
        page.on("request", (request) => requests.push(request.url()));
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        page.on("console", (message) => {
            if (message.type() === "error") errors.push(message.text());
        });
        await page.goto(`file://${file}`, { waitUntil: "load" });
        expect(requests).toEqual([`file://${file}`]);
        expect(errors).toEqual([]);

        const tables = await shownTables(page);
        for (const stage of report.stages) {
            const expected = stage.rows.map((row) => [row.id, row.description, ...stage.columns.map((column) => row[column] ?? ""), row.result]);
            expect(tables[String(stage.stage.number)], `stage ${stage.stage.number}`).toEqual(expected);
        }

        const pictures = await shownPictures(page);
        const drawn = report.stages.flatMap((stage) =>
            stage.pictures.filter((picture) => picture.picture).map((picture) => `${stage.stage.number} ${picture.id}`),
        );
        expect(pictures.filter((picture) => picture.svg).map((picture) => `${picture.stage} ${picture.picture}`)).toEqual(drawn);
        for (const picture of pictures.filter((p) => p.svg)) {
            const data = report.stages.find((stage) => String(stage.stage.number) === picture.stage)!.pictures.find((p) => p.id === picture.picture)!.picture!;
            expect({ ...picture, width: picture.width > 50, height: picture.height > 20 }).toMatchObject({
                nodes: data.nodes.length,
                edges: data.edges.length,
                width: true,
                height: true,
            });
        }
        // Every stage with flows has its flows picture; the others say why not.
        for (const stage of report.stages) expect(Boolean(stage.pictures[0]!.picture)).toBe(stage.rows.length > 0);

        await page.screenshot({ path: path.join(OUT, `${name}-report.png`), fullPage: true });
        expect(fs.statSync(path.join(OUT, `${name}-report.png`)).size).toBeGreaterThan(10_000);
        await page.close();
    });
});
