// The lab's report of a stage (live/stage-report.ts) and the page it is written as
// (live/html-report.ts), over the program's own objects: the truth table is the analyzer's
// prediction, the picture marks what the stage changed, the page fetches nothing, carries no
// script and escapes every text a manifest can put there.
import { beforeAll, describe, expect, it } from "vitest";
import { loadGraphviz } from "../../analysis";
import { escapeHtml, labReportHtml } from "../../live/html-report";
import { predictedMatrix } from "../../live/lab";
import { type LabReport, stageReport } from "../../live/stage-report";
import { helloworld } from "../../scenarios/helloworld";
import { findStage } from "../../scenarios/helloworld/stages";
import { runProgram } from "../helpers/program";

async function objectsAt(stage: string) {
    const run = await runProgram({ cluster: "render", stage });
    return [...run.kubernetesObjects, ...helloworld.baseline()] as any[];
}

const VIEW = { isLabNamespace: (namespace: string) => namespace === "zero-trust-lab" };
const HOSTILE = `</pre></details><script>alert("x")</script><img src="https://example.com/x.png">`;

let denyAll: any[];
let allowProxy: any[];
beforeAll(async () => {
    denyAll = await objectsAt("deny-all");
    allowProxy = await objectsAt("allow-proxy");
    await loadGraphviz();
}, 120_000);

function allowProxyReport() {
    const stage = findStage("allow-proxy")!;
    return stageReport({
        stage,
        previous: denyAll,
        current: allowProxy,
        checks: helloworld.flowChecksAt(stage, {}),
        tryIt: { viaProxy: "curl -s http://$NODE_IP:30081/proxy/api/messages", nodeIp: "NODE_IP=10.0.0.1" },
    });
}

describe("a stage's report", () => {
    it("holds the truth table as the analyzer predicts it, the change, the policies and the commands (NODE_IP first)", () => {
        const stage = findStage("allow-proxy")!;
        const report = allowProxyReport();
        expect(report.columns).toEqual(["expected", "predicted"]);
        expect(report.rows.map((row) => [row.id, row.expected, row.predicted, row.result])).toEqual(
            predictedMatrix(allowProxy, helloworld.flowChecksAt(stage, {})).map((row) => [row.check.id, row.check.expected, row.predicted, "ok"]),
        );
        expect(report.change?.added.map((flow) => flow.leg)).toContain("zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP");
        expect(report.policies.map((policy) => `${policy.kind} ${policy.name}`)).toEqual(
            expect.arrayContaining(["GlobalNetworkPolicy zero-trust-lab-default-deny", "NetworkPolicy allow-proxy-to-helloworld"]),
        );
        expect(report.policies[0]!.yaml).toMatch(/^apiVersion: /);
        expect(report.tryIt).toEqual(["NODE_IP=10.0.0.1", "curl -s http://$NODE_IP:30081/proxy/api/messages"]);
    });

    it("draws the lab's flows marked against the stage before: now allowed, still blocked, kube-dns apart", () => {
        const [flows, connections] = allowProxyReport().pictures;
        const picture = flows!.picture!;
        const name = (id: string) => picture.nodes.find((node) => node.id === id)!.tooltip;
        const edges = picture.edges.map((edge) => `${name(edge.from)} -> ${name(edge.to)} ${edge.ports.join(",")} ${edge.mark}`);
        expect(edges).toContain("zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld 8080/TCP added");
        expect(edges).toContain("external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld-proxy 30081/TCP added");
        expect(edges).toContain("external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld 30080/TCP blocked");
        expect(edges).toContain("zero-trust-lab/helloworld -> external:1.1.1.1 443/TCP blocked");
        expect(picture.nodes.find((node) => node.tooltip === "kube-system/coredns")?.kind).toBe("kube-dns");
        expect(connections!.picture!.edges.some((edge) => edge.mark === "added")).toBe(true);
    });

    it("marks a flow still blocked but stopped elsewhere: the lockdown drops helloworld's NodePort at the node", async () => {
        const stage = findStage("lockdown")!;
        const run = await runProgram({ cluster: "render", stage: stage.name });
        const lockdown = [...run.kubernetesObjects, ...helloworld.baseline(stage)] as any[];
        const report = stageReport({ stage, previous: allowProxy, current: lockdown, checks: helloworld.flowChecksAt(stage, {}) });
        const picture = report.pictures[0]!.picture!;
        const name = (id: string) => picture.nodes.find((node) => node.id === id)!.tooltip;
        const moved = picture.edges.filter((edge) => edge.mark === "moved").map((edge) => `${name(edge.from)} -> ${name(edge.to)} ${edge.ports.join(",")}`);
        expect(moved).toEqual(["external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld 30080/TCP"]);
        expect(picture.caption.join(" ")).toContain("orange ~: still blocked, now stopped elsewhere");
    });

    it("a stage alone (verify --html) has no change, and its plain matrix picture", () => {
        const stage = findStage("allow-proxy")!;
        const report = stageReport({ stage, current: allowProxy, checks: helloworld.flowChecksAt(stage, {}) });
        expect(report.change).toBeUndefined();
        expect(report.pictures[0]!.picture!.edges.every((edge) => edge.mark === "allowed" || edge.mark === "blocked")).toBe(true);
        expect(report.pictures[1]!.picture!.edges.every((edge) => edge.mark === "allowed")).toBe(true);
        expect(labReportHtml({ title: "t", scenario: "helloworld", stack: "", mode: "live", generatedAt: "now", stages: [report] }, VIEW)).toContain(
            "Shown alone: <code>npm run lab</code> compares each stage with the one before.",
        );
    });
});

describe("the report's page", () => {
    function page() {
        const report = allowProxyReport();
        // What a user's manifest can carry into the page: an annotation in a policy, a flow's words, a command.
        report.policies[0]!.yaml += `metadata:\n  annotations:\n    note: '${HOSTILE}'\n`;
        report.rows[0]!.description = HOSTILE;
        report.tryIt.push(HOSTILE);
        const lab: LabReport = {
            title: `lab ${HOSTILE}`,
            scenario: "helloworld",
            stack: "dev",
            mode: "render",
            generatedAt: "2026-12-08T00:00:00Z",
            stages: [report],
        };
        return { report, html: labReportHtml(lab, VIEW) };
    }

    it("fetches nothing and runs nothing: a policy forbidding both, no script, no link, no source to load", () => {
        const { html } = page();
        expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
        expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|url\(/i);
        // No attribute names anything to load: links only within the page.
        expect(html).not.toMatch(/\s(?:src|href|xlink:href|action|data|srcset)="(?!#)/i);
    });

    it("escapes every text, and shows the truth table's rows cell by cell", () => {
        const { report, html } = page();
        // In the title and the heading, the flow's words, the policy's YAML and the commands.
        expect(html.split(escapeHtml(HOSTILE)).length - 1).toBe(5);
        const rows = [...html.matchAll(/<tr data-flow="([^"]+)">(.*?)<\/tr>/g)].map(([, id, cells]) => [
            id,
            ...[...cells!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => cell[1]),
        ]);
        expect(rows).toEqual(report.rows.map((row) => [row.id, escapeHtml(row.description), row.expected, row.predicted, row.result]));
    });

    it("draws each picture inline, ids apart, the changes collapsed for pods outside the lab", () => {
        const { html } = page();
        expect(html.match(/<svg class="picture" role="img" width="[\d.]+pt"/g)).toHaveLength(2);
        expect(html).not.toMatch(/<\?xml|<!DOCTYPE svg|<!--/);
        expect(html).toContain('id="s4-flows-graph0"');
        expect(html).toContain('id="s4-all-graph0"');
        expect(html).toMatch(/<details><summary>\d+ changes to or from pods outside the lab \(CoreDNS, the probe pods\)<\/summary>/);
        expect(html).toMatch(
            /<details class="policy"><summary>GlobalNetworkPolicy <code>zero-trust-lab-default-deny<\/code><\/summary><pre><code>apiVersion: /,
        );
    });
});
