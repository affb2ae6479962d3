// Output at scale: connectivity classes lose nothing, the streamed formats say exactly what the matrix
// says, `auto` summarises what does not fit, Mermaid refuses what it cannot draw, and a picture
// (dot) what a reader cannot follow. (svg, which loads Graphviz, is tested in pictures.test.ts.)
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { allowedFlows, AnalyzerOptions, buildModel, connectivityMatrix, diffMatrices, loadManifests, Matrix, matrixCells } from "../../analysis";
import { connectivityClasses } from "../../analysis/consumers/classes";
import { collect } from "../../analysis/consumers/output";
import { bufferedWriter, chooseView, FORMAT_WRITERS, MatrixFormat, MatrixView, writeDot, writeMatrix } from "../../analysis/consumers/output";
import { allowedSources } from "../../analysis/consumers/matrix";
import { syntheticCluster } from "../../bench/synthetic-cluster";
import { runCli } from "../../analysis/consumers/cli";

const ROOT = path.join(__dirname, "scenarios");

const namespace = (name: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const deployment = (ns: string, name: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "x", ports: [{ containerPort: 8080 }] }] } },
    },
});

function scenarioMatrix(name: string): Matrix {
    const dir = path.join(ROOT, name);
    const expected = parse(fs.readFileSync(path.join(dir, "expected.yaml"), "utf8")) as { options?: AnalyzerOptions };
    const files = fs
        .readdirSync(dir)
        .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== "expected.yaml")
        .map((f) => path.join(dir, f));
    return connectivityMatrix(buildModel(loadManifests(files), expected.options ?? {}));
}

const scenarios = fs
    .readdirSync(ROOT)
    .filter((name) => fs.statSync(path.join(ROOT, name)).isDirectory())
    .sort();
const synthetic = connectivityMatrix(buildModel(syntheticCluster(150)));
const render = (matrix: Matrix, format: MatrixFormat, view: MatrixView = "auto", width = 160) => {
    const notes: string[] = [];
    const text = collect((write) => writeMatrix(matrix, { format, view, width }, write, (note) => notes.push(note)));
    return { text, notes };
};

describe("connectivity classes", () => {
    it.each([...scenarios, "synthetic 150 workloads"])("%s: every cell is its classes' cell, and no two classes could merge", (name) => {
        const matrix = name.startsWith("synthetic") ? synthetic : scenarioMatrix(name);
        const classes = connectivityClasses(matrix);
        const sourceClass = new Map<number, number>(),
            destinationClass = new Map<number, number>();
        classes.sourceClasses.forEach((members, c) => members.forEach((s) => sourceClass.set(s, c)));
        classes.destinationClasses.forEach((members, d) => members.forEach((t) => destinationClass.set(t, d)));
        expect(sourceClass.size).toBe(matrix.sources.length);
        expect(destinationClass.size).toBe(matrix.targets.length);
        const wrong: string[] = [];
        matrix.targets.forEach((target, t) =>
            matrix.sources.forEach((src, s) => {
                const byClass = classes.reaches[sourceClass.get(s)!]!.includes(destinationClass.get(t)!);
                if (byClass !== allowedSources(matrix, t).has(s)) wrong.push(`${src} -> ${target.dst}:${target.port}`);
            }),
        );
        expect(wrong).toEqual([]);
        // Coarsest: distinct source classes reach different destination classes; distinct destination classes have different rows.
        expect(new Set(classes.reaches.map((r) => r.join(","))).size).toBe(classes.sourceClasses.length);
        expect(new Set(classes.destinationClasses.map((members) => matrix.targetRows[members[0]!])).size).toBe(classes.destinationClasses.length);
    });

    it("summarise the synthetic cluster into fewer classes than endpoints", () => {
        const classes = connectivityClasses(synthetic);
        expect(classes.sourceClasses.length).toBeLessThan(synthetic.sources.length);
        expect(classes.destinationClasses.length).toBeLessThan(synthetic.targets.length);
    });
});

describe("streamed formats", () => {
    it("jsonl prints exactly the allowed flows, one JSON object per line", () => {
        const lines = render(synthetic, "jsonl")
            .text.trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line));
        expect(lines).toEqual([...allowedFlows(synthetic)]);
    });

    it("json keeps its shape: sources, targets and every cell", () => {
        const matrix = scenarioMatrix("lab-calico-lockdown");
        const json = JSON.parse(render(matrix, "json").text);
        expect(json.sources).toEqual(matrix.sources);
        expect(json.targets).toEqual(matrix.targets);
        expect(json.cells).toEqual([...matrixCells(matrix)]);
    });

    it("jsonl --classes prints one class per line, destinations first, naming every member", () => {
        const lines = render(synthetic, "jsonl", "classes")
            .text.trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line));
        const classes = connectivityClasses(synthetic);
        const destinations = lines.filter((l) => l.destinationClass),
            sources = lines.filter((l) => l.sourceClass);
        expect(destinations).toHaveLength(classes.destinationClasses.length);
        expect(sources.flatMap((l) => l.sources).sort()).toEqual([...synthetic.sources].sort());
        expect(destinations.flatMap((l) => l.destinations)).toHaveLength(synthetic.targets.length);
        expect(lines.findIndex((l) => l.sourceClass)).toBe(destinations.length);
    });

    it("md past the terminal's width prints the classes with a note; --full and a wide terminal print the grid", () => {
        const summary = render(synthetic, "md", "auto", 120);
        expect(summary.notes[0]).toMatch(/do not fit 120 columns .*--full prints the whole matrix/);
        expect(summary.text).toMatch(/^152 sources in \d+ classes, \d+ destinations in \d+ classes/);
        expect(summary.text).toContain("| source class | sources | may connect to |");
        const full = render(synthetic, "md", "full").text.split("\n");
        expect(full).toHaveLength(synthetic.sources.length + 3);
        expect(full[2]!.split("|").length).toBe(synthetic.targets.length + 3);
        expect(chooseView(synthetic, { format: "md", view: "auto", width: 4 * 310 + 40 }).view).toBe("full");
    });

    it("table past the terminal's width lists the classes, members shortened, each source class with what it reaches", () => {
        const { text, notes } = render(synthetic, "table", "auto", 100);
        expect(notes).toHaveLength(1);
        expect(text).toMatch(/\n {2}S\d+ +team-\d\/w\d+, .*\(\+\d+ more\) {2}-> {2}(D\d+ ?)+\n/);
        const small = render(scenarioMatrix("lab-calico-lockdown"), "table", "auto", 100);
        expect(small.notes).toEqual([]);
        expect(small.text).toContain("Y = allowed, n = blocked");
    });

    it("json summarises past a million cells (view: classes), counted without building them", () => {
        const huge = { sources: new Array(2_000).fill("x"), targets: new Array(1_000).fill({}), rows: [], targetRows: [] } as unknown as Matrix;
        expect(chooseView(huge, { format: "json", view: "auto", width: 80 })).toMatchObject({
            view: "classes",
            note: expect.stringMatching(/more than 1000000/),
        });
        const json = JSON.parse(render(synthetic, "json", "classes").text);
        expect(json.view).toBe("classes");
        expect(json.sourceClasses.flatMap((c: { sources: string[] }) => c.sources)).toHaveLength(synthetic.sources.length);
    });

    it("mermaid draws small graphs, classes for larger ones, and refuses with a reason past what it can lay out", () => {
        expect(render(scenarioMatrix("lab-calico-lockdown"), "mermaid").text).toMatch(/^flowchart LR\n/);
        expect(() => render(synthetic, "mermaid", "full")).toThrow(/more than 200 endpoints or 1000 connected pairs; Mermaid cannot lay that out/);
        const big = connectivityMatrix(buildModel(syntheticCluster(400)));
        expect(() => render(big, "mermaid")).toThrow(/classes and \d+ edges are more than Mermaid can lay out/);
    });

    it("dot draws every endpoint of a small matrix: workloads in their namespace, kube-dns, the world and the nodes each their own shape", () => {
        const matrix = scenarioMatrix("lab-calico-lockdown");
        const { text, notes } = render(matrix, "dot");
        expect(notes).toEqual([]);
        expect(text).toMatch(/^digraph connectivity \{\n/);
        const nodes = [...text.matchAll(/^ +(n\d+) \[label="([^"]*)", tooltip="([^"]*)", shape=(\w+)/gm)].map(([, id, label, tooltip, shape]) => ({
            id,
            label,
            tooltip,
            shape,
        }));
        // One node per endpoint, named in its tooltip; identifiers are never names.
        expect(nodes.map((n) => n.tooltip).sort()).toEqual([...new Set([...matrix.sources, ...matrix.targets.map((t) => t.dst)])].sort());
        const shape = (name: string) => nodes.find((n) => n.tooltip === name)!.shape;
        expect(shape("kube-system/coredns")).toBe("hexagon");
        expect(shape("lab/helloworld")).toBe("box");
        expect(shape("external:203.0.113.10")).toBe("ellipse");
        expect(shape("nodeport:lab/helloworld-proxy")).toBe("box3d");
        expect(text).toContain('graph [label="namespace lab", tooltip="namespace lab", labelloc=t');
        // One edge per connected pair, its ports on the label: as many edges as pairs the matrix allows.
        const pairs = new Set([...allowedFlows(matrix)].map((f) => `${f.src} ${f.dst}`));
        expect(text.match(/^ {2}n\d+ -> n\d+ /gm)).toHaveLength(pairs.size);
        const id = (name: string) => nodes.find((n) => n.tooltip === name)!.id;
        expect(text).toContain(`${id("external:203.0.113.10")} -> ${id("nodeport:lab/helloworld-proxy")} [label="30081/TCP"`);
        expect(text).not.toContain(`${id("external:203.0.113.10")} -> ${id("nodeport:lab/helloworld")} `);
    });

    it("dot draws connectivity classes past a readable picture, and refuses past readable classes, naming the focus filters", () => {
        // 90 workloads nothing isolates: more endpoints than a picture shows, two classes of sources.
        const many = connectivityMatrix(buildModel([namespace("crowd"), ...Array.from({ length: 90 }, (_, i) => deployment("crowd", `w${i}`))]));
        const { text, notes } = render(many, "dot");
        expect(notes[0]).toMatch(/too many for a readable picture: drawing connectivity classes \(--namespace, --workload or --selector/);
        const classes = connectivityClasses(many);
        expect(text.match(/^ {2}n\d+ \[label="[SD]\d+/gm)).toHaveLength(classes.sourceClasses.length + classes.destinationClasses.length);
        expect(() => render(many, "dot", "full")).toThrow(
            /a picture of more than 80 endpoints is past what a reader can follow \(at most 80 endpoints and 200 connected pairs\): narrow the input with --namespace, --workload or --selector/,
        );
        expect(() => render(synthetic, "dot")).toThrow(/a picture of \d+ connectivity classes and \d+ arrows between them is past what a reader can follow/);
    });

    it("dot of a diff marks added flows green, removed ones red and dashed, beside the pairs allowed on both sides", () => {
        const lab = [namespace("lab"), deployment("lab", "web"), deployment("lab", "db")];
        const before = connectivityMatrix(buildModel(lab));
        // After: a new client, and db open to it alone.
        const after = connectivityMatrix(
            buildModel([
                ...lab,
                deployment("lab", "client"),
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "db-from-client", namespace: "lab" },
                    spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] },
                },
            ]),
        );
        const diff = diffMatrices(before, after);
        const explained = {
            added: diff.added.map((flow) => ({ ...flow, before: "b", after: 'now allowed by <policy "x">' })),
            removed: diff.removed.map((flow) => ({ ...flow, before: "b", after: "a" })),
        };
        expect(explained.added.length * explained.removed.length).toBeGreaterThan(0);
        const text = collect((write) => FORMAT_WRITERS.dot.diff(explained, write, { before, after }));
        const edges = text.split("\n").filter((line) => / -> /.test(line));
        const marked = (color: string) => edges.filter((line) => line.includes(`color="${color}"`));
        expect(marked("#15803d").every((line) => /label="\+ /.test(line) && line.includes("penwidth=2.2"))).toBe(true);
        expect(marked("#b91c1c").every((line) => /label="− /.test(line) && line.includes("style=dashed"))).toBe(true);
        const pairs = (flows: { src: string; dst: string }[]) => new Set(flows.map((f) => `${f.src} ${f.dst}`)).size;
        expect(marked("#15803d")).toHaveLength(pairs(explained.added));
        expect(marked("#b91c1c")).toHaveLength(pairs(explained.removed));
        expect(marked("#475569").length).toBeGreaterThan(0);
        // The why of an added flow is its tooltip, quotes escaped.
        expect(text).toContain('now allowed by <policy \\"x\\">');
    });

    it("dot of --staged draws the flows enforcing the staged policies would add and remove, the policies in the caption", () => {
        let stdout = "";
        const code = runCli(
            [path.join(ROOT, "lab-calico-lockdown/cluster.yaml"), path.join(__dirname, "fixtures/staged/staged.yaml"), "--staged", "--format", "dot"],
            {
                stdout: (text) => {
                    stdout += text;
                },
                stderr: () => undefined,
            },
        );
        expect(code).toBe(0);
        expect(stdout).toContain("StagedNetworkPolicy lab/world-to-proxy (stagedAction Delete): deletes np:lab/world-to-proxy\\l");
        const edges = stdout.split("\n").filter((line) => / -> /.test(line));
        expect(edges.some((line) => line.includes('label="− ') && line.includes("style=dashed"))).toBe(true);
        expect(edges.every((line) => /label="[+−] /.test(line))).toBe(true);
    });

    it("dot quotes every name: a quote, a backslash or a DOT escape in a name stays text", () => {
        const picture = {
            nodes: [{ id: "n0", kind: "workload" as const, label: ['a"b\\lc\\N'], tooltip: "x\ny" }],
            edges: [],
            caption: ['say "hi"'],
        };
        const text = collect((write) => writeDot(picture, write));
        expect(text).toContain('n0 [label="a\\"b\\\\lc\\\\N", tooltip="x y"');
        expect(text).toContain('label="say \\"hi\\"\\l"');
    });

    it("a picture of --endpoint is refused: the policies in evaluation order are text", () => {
        expect(() => collect((write) => FORMAT_WRITERS.dot.endpoint([], write))).toThrow(
            /--endpoint lists tiers and policies in evaluation order, which is text/,
        );
    });

    it("buffers small writes into large chunks", () => {
        const chunks: string[] = [];
        const out = bufferedWriter((chunk) => chunks.push(chunk), 10);
        for (const piece of ["abc", "def", "ghij", "k", "l"]) out.write(piece);
        out.flush();
        expect(chunks).toEqual(["abcdefghij", "kl"]);
    });
});
