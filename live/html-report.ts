// The lab report as one self-contained HTML file a learner opens in a browser: per stage its
// pictures (inline SVG drawn by Graphviz in-process), the truth table, what changed and why, the
// policies applied (collapsed YAML) and the commands to try. No script, no stylesheet or font
// from elsewhere: a Content-Security-Policy of `default-src 'none'` lets the page fetch nothing.
// Every text comes from the report's data (names from the user's manifests among it) and is
// escaped; the SVG is Graphviz's, which escapes what it draws. The JSON beside the HTML is the
// same data (test/browser compares the two cell by cell).
import * as fs from "fs";
import * as path from "path";
import { collect, loadGraphviz, renderSvg, writeDot } from "../analysis";
import type { Picture } from "../analysis";
import { type ChangeView, type FlowChange, involvesOtherPods } from "./lab";
import type { LabReport, ReportPicture, StageReport } from "./stage-report";

/** Text for HTML: the five characters that could end an element or an attribute, as entities. */
export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG document of Graphviz's, ready to sit inside HTML: without its XML prolog, doctype and
 * comments, its ids prefixed (several pictures share a page), its natural width kept and no wider than the page.
 */
export function inlineSvg(svg: string, idPrefix: string): string {
    const start = svg.indexOf("<svg");
    if (start < 0) throw new Error("not an SVG document");
    return svg
        .slice(start)
        .replace(/<!--[\s\S]*?-->\n?/g, "")
        .replace(/ id="/g, ` id="${idPrefix}-`)
        .replace(/^<svg (width="[\d.]+pt") height="[\d.]+pt"/, '<svg class="picture" role="img" $1');
}

const STYLE = `
:root { color-scheme: light; --ok: #15803d; --bad: #b91c1c; --unknown: #b45309; --muted: #64748b; --line: #e2e8f0; }
body { font: 15px/1.5 "Liberation Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 4rem; color: #0f172a; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.3rem; margin: 0; } h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
header p, .muted { color: var(--muted); }
nav ol { padding-left: 1.2rem; columns: 2; }
section.stage { border-top: 3px solid var(--line); margin-top: 2rem; padding-top: 1rem; }
.adds { margin-top: 0.2rem; font-style: italic; }
.verification { font-weight: bold; } .verification.passed { color: var(--ok); } .verification.failed, .verification.not-observed, .verification.interrupted { color: var(--bad); }
figure { margin: 0.8rem 0; overflow-x: auto; } figcaption { color: var(--muted); font-size: 0.9rem; }
svg.picture { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border: 1px solid var(--line); padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f8fafc; } td.allowed { color: var(--ok); } td.blocked { color: var(--bad); } td.unknown { color: var(--unknown); }
td.result.ok { color: var(--ok); } td.result.differs { color: var(--bad); font-weight: bold; }
ul.changes { padding-left: 1.2rem; } ul.changes li { margin: 0.3rem 0; } .why { color: var(--muted); font-size: 0.9rem; display: block; }
.mark.added { color: var(--ok); font-weight: bold; } .mark.removed { color: var(--bad); font-weight: bold; } .mark.moved { color: var(--unknown); font-weight: bold; }
details { margin: 0.3rem 0; } summary { cursor: pointer; } pre { background: #f8fafc; border: 1px solid var(--line); padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
code { font-family: "Liberation Mono", monospace; }
`;

const VERDICT_CLASS: Record<string, string> = { allowed: "allowed", blocked: "blocked" };

/** The picture drawn as inline SVG, or why there is none. */
function pictureHtml(picture: ReportPicture, idPrefix: string): string {
    const body = picture.picture
        ? inlineSvg(renderSvg(collect((write) => writeDot(picture.picture as Picture, write))), idPrefix)
        : `<p class="muted">${escapeHtml(picture.missing ?? "no picture")}</p>`;
    return `<figure class="picture" data-picture="${picture.id}"><figcaption>${escapeHtml(picture.title)}</figcaption>${body}</figure>`;
}

function tableHtml(stage: StageReport): string {
    const head = ["flow", ...stage.columns, "result"].map((title) => `<th>${title}</th>`).join("");
    const cell = (value: string) => `<td class="${VERDICT_CLASS[value] ?? "unknown"}">${escapeHtml(value)}</td>`;
    const rows = stage.rows.map(
        (row) =>
            `<tr data-flow="${escapeHtml(row.id)}"><td>${escapeHtml(row.description)}</td>${stage.columns.map((column) => cell(row[column] ?? "")).join("")}` +
            `<td class="result ${row.result === "ok" ? "ok" : "differs"}">${escapeHtml(row.result)}</td></tr>`,
    );
    return `<table class="truth-table" data-stage="${stage.stage.number}"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const CHANGE_WORDS = { added: ["+", "now allowed"], removed: ["−", "now blocked"], moved: ["~", "still blocked, elsewhere"] } as const;

function changeItem(kind: keyof typeof CHANGE_WORDS, flow: FlowChange): string {
    const [sign, words] = CHANGE_WORDS[kind];
    const where = kind === "added" ? "" : ` (${kind === "moved" ? `now ${flow.after}; was ${flow.before}` : flow.after})`;
    return `<li><span class="mark ${kind}">${sign} ${words}</span> <code>${escapeHtml(flow.leg)}</code>${escapeHtml(where)}<span class="why">because ${escapeHtml(flow.why)}</span></li>`;
}

function changesHtml(stage: StageReport, view: ChangeView): string {
    if (!stage.change) return '<p class="muted">Shown alone: <code>npm run lab</code> compares each stage with the one before.</p>';
    const items = (filter: (flow: FlowChange) => boolean) =>
        (["added", "removed", "moved"] as const).flatMap((kind) => stage.change![kind].filter(filter).map((flow) => changeItem(kind, flow)));
    const lab = items((flow) => !involvesOtherPods(flow, view));
    const others = items((flow) => involvesOtherPods(flow, view));
    if (!lab.length && !others.length) return '<p class="muted">No flow changed its verdict or where it is stopped.</p>';
    return (
        (lab.length ? `<ul class="changes">${lab.join("")}</ul>` : '<p class="muted">None between the lab\'s own workloads.</p>') +
        (others.length
            ? `<details><summary>${others.length} change${others.length === 1 ? "" : "s"} to or from pods outside the lab (CoreDNS, the probe pods)</summary><ul class="changes">${others.join("")}</ul></details>`
            : "")
    );
}

function policiesHtml(stage: StageReport): string {
    if (!stage.policies.length) return '<p class="muted">None: nothing isolates any pod yet.</p>';
    return stage.policies
        .map(
            (policy) =>
                `<details class="policy"><summary>${escapeHtml(policy.kind)} <code>${escapeHtml(policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name)}</code></summary><pre><code>${escapeHtml(policy.yaml)}</code></pre></details>`,
        )
        .join("");
}

function stageHtml(stage: StageReport, view: ChangeView): string {
    const { number, name, adds } = stage.stage;
    const [flows, connections] = stage.pictures;
    const verification = stage.verification
        ? `<p class="verification ${stage.verification.replace(/ /g, "-")}">verification: ${escapeHtml(stage.verification)}</p>`
        : "";
    return [
        `<section class="stage" id="stage-${number}" data-stage="${number}">`,
        `<h2>Stage ${number} (${escapeHtml(name)})</h2><p class="adds">${escapeHtml(adds)}</p>${verification}`,
        ...(flows ? [pictureHtml(flows, `s${number}-flows`)] : []),
        "<h3>Truth table</h3>",
        stage.rows.length ? tableHtml(stage) : '<p class="muted">No flows: the stage has no lab workload yet.</p>',
        "<h3>What changed and why</h3>",
        changesHtml(stage, view),
        ...(connections
            ? [`<details class="all-connections"><summary>${escapeHtml(connections.title)}</summary>${pictureHtml(connections, `s${number}-all`)}</details>`]
            : []),
        "<h3>Policies applied</h3>",
        policiesHtml(stage),
        "<h3>Try it</h3>",
        stage.tryIt.length ? `<pre class="try-it"><code>${stage.tryIt.map(escapeHtml).join("\n")}</code></pre>` : '<p class="muted">Nothing to call yet.</p>',
        "</section>",
    ].join("\n");
}

const MODE_WORDS: Record<LabReport["mode"], string> = {
    render: "Rendered without a cluster: expected is the stack's intent, predicted the analyzer over the rendered manifests.",
    live: "Deployed on a cluster: expected is the stack's intent, predicted the analyzer over the objects read back from the cluster, observed what the probes saw.",
};

/**
 * The whole report as HTML. Graphviz must be loaded (loadGraphviz; writeLabReport does it).
 * `view` says which namespaces are the lab's (their changes are listed, the others' collapsed).
 */
export function labReportHtml(report: LabReport, view: ChangeView): string {
    const nav = report.stages.map(
        (stage) => `<li><a href="#stage-${stage.stage.number}">Stage ${stage.stage.number} (${escapeHtml(stage.stage.name)})</a></li>`,
    );
    return [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${escapeHtml(report.title)}</title><style>${STYLE}</style></head><body>`,
        `<header><h1>${escapeHtml(report.title)}</h1><p>${escapeHtml(MODE_WORDS[report.mode])} Written ${escapeHtml(report.generatedAt)}.</p>`,
        `<nav><ol>${nav.join("")}</ol></nav></header>`,
        ...report.stages.map((stage) => stageHtml(stage, view)),
        "</body></html>",
        "",
    ].join("\n");
}

/** The JSON file beside an HTML report: `report.html` -> `report.json`. */
export const reportDataFile = (htmlFile: string) => `${htmlFile.replace(/\.html?$/i, "")}.json`;

/** Writes the report to `htmlFile` and its data to reportDataFile(htmlFile), creating the directory. Loads Graphviz first. */
export async function writeLabReport(report: LabReport, view: ChangeView, htmlFile: string): Promise<void> {
    await loadGraphviz();
    fs.mkdirSync(path.dirname(htmlFile), { recursive: true });
    fs.writeFileSync(htmlFile, labReportHtml(report, view));
    fs.writeFileSync(reportDataFile(htmlFile), `${JSON.stringify(report, null, 2)}\n`);
}
