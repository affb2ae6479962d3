// `--format svg`: the picture of `--format dot`, laid out and drawn in-process by the WebAssembly
// Graphviz (@viz-js/viz). The only analyzer tests that load it (output.test.ts covers dot): a
// node and an edge in the SVG for each of the picture's, names escaped, and the built command
// (dist/calico-zt.js, which keeps @viz-js/viz outside its bundle) drawing one.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel, connectivityMatrix, loadManifests } from "../../analysis";
import { collect, FORMAT_WRITERS, loadGraphviz, matrixPicture, renderSvg, writeDot } from "../../analysis/consumers/output";
import type { Picture } from "../../analysis/consumers/output";

const REPO = path.resolve(__dirname, "../..");
const LOCKDOWN = path.join(__dirname, "scenarios/lab-calico-lockdown/cluster.yaml");

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe("--format svg", () => {
    beforeAll(async () => {
        await loadGraphviz();
    });

    it("draws one SVG node per endpoint and one SVG edge per connected pair", () => {
        const matrix = connectivityMatrix(buildModel(loadManifests([LOCKDOWN]), { hostEndpoints: { auto: true } }));
        const picture = matrixPicture(matrix);
        const svg = collect((write) => FORMAT_WRITERS.svg.matrix(matrix, write));
        expect(svg).toMatch(/^<\?xml[\s\S]*<svg [^>]*viewBox="0\.00 0\.00 [\d.]+ [\d.]+"/);
        expect(count(svg, /<g id="node\d+" class="node">/g)).toBe(picture.nodes.length);
        expect(count(svg, /<g id="edge\d+" class="edge">/g)).toBe(picture.edges.length);
        expect(count(svg, /<g id="clust\d+" class="cluster">/g)).toBe(new Set(picture.nodes.map((node) => node.group).filter(Boolean)).size);
        expect(svg).toContain("<title>n0</title>");
        expect(svg).toContain(">30081/TCP</text>");
    });

    it("escapes what a name or a reason carries: no markup of its own reaches the SVG", () => {
        const picture: Picture = {
            nodes: [
                { id: "n0", kind: "workload", label: ["</text><script>alert(1)</script>"], tooltip: 'a"b<c>&d', group: "x<y" },
                { id: "n1", kind: "world", label: ["world"], tooltip: "external:203.0.113.10" },
            ],
            edges: [{ from: "n0", to: "n1", mark: "blocked", ports: ["443/TCP"], why: ["443/TCP: denied by <gnp:x> & more"] }],
            caption: ["<b>not bold</b>"],
        };
        const svg = renderSvg(collect((write) => writeDot(picture, write)));
        expect(svg).not.toMatch(/<script|<b>|<c>|<gnp/);
        expect(svg).toContain("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
        expect(svg).toContain("&lt;gnp:x&gt; &amp; more");
    });

    it("the built command draws a picture, loading Graphviz itself", () => {
        const result = spawnSync(
            process.execPath,
            ["dist/calico-zt.js", "analyze", LOCKDOWN, "--format", "svg", "--query", "lab/helloworld", "lab/helloworld-proxy", "8080"],
            {
                cwd: REPO,
                encoding: "utf8",
            },
        );
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/^<\?xml[\s\S]*<svg /);
        expect(result.stdout).toContain(">✘ 8080/TCP</text>");
        expect(result.stdout).toContain(">BLOCKED: blocked at lab/helloworld&#39;s egress: denied at the end of tier default");
    });
});
