// Focus filters (analysis/consumers/focus.ts): --namespace, --workload and --selector choose which
// endpoints every command and format shows; the verdicts are the whole model's.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../helpers/temporary";
import { connectivityMatrix, matrixCells } from "../../analysis";
import { focusedWorkloads, focusMatrix, parseFocus } from "../../analysis/consumers/focus";
import { MATRIX_FORMATS } from "../../analysis/consumers/output";
import { matchesKubeSelector, parseKubeSelectorText } from "../../analysis/selectors/kubernetes";
import { modelOf, runCapturing } from "./helpers";

const HERE = __dirname;
const LOCKDOWN = path.join(HERE, "scenarios/lab-calico-lockdown/cluster.yaml");
const YAOBANK = path.join(HERE, "scenarios/yaobank/cluster.yaml");

const run = (...args: string[]) => runCapturing(args, 160);

describe("kubectl's label-selector text", () => {
    it.each([
        ["app=web", { app: "web" }, true],
        ["app==web", { app: "api" }, false],
        ["app!=web", {}, true],
        ["tier in (web, api),!legacy", { tier: "api" }, true],
        ["tier in (web, api),!legacy", { tier: "api", legacy: "" }, false],
        ["tier notin (db)", { tier: "db" }, false],
        ["example.com/team", { "example.com/team": "a" }, true],
    ])("%s on %j: %s", (text, labels, expected) => {
        expect(matchesKubeSelector(parseKubeSelectorText(text), labels)).toBe(expected);
    });

    it.each([
        ["app in (web", "expected a value or ), found the end at position 12"],
        ["app>1", '">" compares numbers, which no LabelSelector (and so no pod selection) does at position 4'],
        ["app=web,", "expected a requirement after the comma at position 9"],
        ["app web", 'expected =, ==, !=, in or notin after "app", found "web" at position 5'],
        ["-app=x", '"-app" is not a label key at position 1'],
    ])("refuses %s with its position", (text, message) => {
        expect(() => parseKubeSelectorText(text)).toThrow(`--selector ${JSON.stringify(text)}: ${message}`);
    });
});

describe("the focused matrix", () => {
    const model = modelOf(fs.readFileSync(YAOBANK, "utf8"));
    const whole = connectivityMatrix(model);
    const verdicts = new Map([...matrixCells(whole)].map((c) => [`${c.src}|${c.dst}:${c.port}/${c.protocol}`, c.allowed]));

    it.each([
        ["--namespace yaobank-summary", { namespaces: ["yaobank-summary"] }, ["yaobank-summary/summary"]],
        ["--selector app=database", { selectors: ["app=database"] }, ["yaobank-database/database"]],
        [
            "--namespace yaobank-customer --namespace yaobank-summary --selector app in (customer,summary)",
            { namespaces: ["yaobank-customer", "yaobank-summary"], selectors: ["app in (customer,summary)"] },
            ["yaobank-customer/customer", "yaobank-summary/summary"],
        ],
    ])("%s shows the focused endpoints only, each cell as the whole matrix judges it", (_what, filters, workloads) => {
        const focus = parseFocus(filters)!;
        expect([...focusedWorkloads(model, focus)].sort()).toEqual(workloads);
        const focused = focusMatrix(whole, model, focus);
        const shown = (name: string) => /^(external|node):/.test(name) || workloads.includes(name) || workloads.some((w) => name.endsWith(`:${w}`));
        expect(focused.sources.filter((s) => !shown(s))).toEqual([]);
        expect(focused.sources.filter((s) => !s.startsWith("external:"))).toEqual(workloads);
        expect(focused.targets.map((t) => t.dst).filter((d) => !shown(d))).toEqual([]);
        for (const cell of matrixCells(focused)) expect(cell.allowed).toBe(verdicts.get(`${cell.src}|${cell.dst}:${cell.port}/${cell.protocol}`));
    });

    it("keeps a Service's targets when one of its backends is focused", () => {
        const targets = (selector: string) => focusMatrix(whole, model, parseFocus({ selectors: [selector] })!).targets.map((t) => t.dst);
        expect(targets("app=customer")).toContain("service:yaobank-customer/customer");
        expect(targets("app=summary")).not.toContain("service:yaobank-customer/customer");
    });
});

describe("focus filters on the command line", () => {
    // svg draws what dot writes (pictures.test.ts loads Graphviz; this file need not).
    it.each(MATRIX_FORMATS.filter((format) => format !== "svg").map((format) => [format]))("the matrix in --format %s", (format) => {
        const { code, stdout } = run(LOCKDOWN, "--namespace", "other", "--format", format);
        expect(code).toBe(0);
        expect(stdout).toContain("other/client");
        expect(stdout).not.toContain("lab/helloworld");
    });

    it("repeated values are alternatives; different options must all hold", () => {
        const both = run(LOCKDOWN, "--namespace", "lab", "--namespace", "other", "--format", "jsonl").stdout;
        expect(both).toContain('{"src":"other/client","dst":"lab/helloworld-proxy","port":8080,"protocol":"TCP"}');
        const proxy = run(LOCKDOWN, "--namespace", "lab", "--selector", "app=helloworld-proxy", "--format", "json").stdout;
        expect(JSON.parse(proxy).sources).toEqual(["lab/helloworld-proxy", "external:203.0.113.10"]);
    });

    it("--diff shows the changed flows between focused endpoints", () => {
        const dir = temporaryDirectory("focus");
        const open = path.join(dir, "open.yaml");
        fs.writeFileSync(
            open,
            "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: client-to-app, namespace: lab}\n" +
                "spec: {order: 50, selector: app == 'helloworld', types: [Ingress], ingress: [{action: Allow, protocol: TCP, destination: {ports: [8080]}}]}\n",
        );
        const lab = run("--workload", "lab/helloworld", "--format", "jsonl", "--diff", LOCKDOWN, "--", LOCKDOWN, open);
        const flows = lab.stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(flows.map((f) => `${f.src} -> ${f.dst}`)).toEqual([
            "external:203.0.113.10 -> lab/helloworld",
            "external:203.0.113.10 -> service:lab/helloworld",
        ]);
        expect(run("--namespace", "other", "--diff", LOCKDOWN, "--", LOCKDOWN, open).stdout).toBe("no change\n");
    });

    it("--queries answers the queries between focused endpoints and says how many it left out", () => {
        const dir = temporaryDirectory("focus");
        const queries = path.join(dir, "queries.txt");
        fs.writeFileSync(queries, "other/client lab/helloworld-proxy 8080/TCP\nlab/helloworld-proxy lab/helloworld 8080/TCP\n");
        const { stdout, stderr } = run(LOCKDOWN, "--queries", queries, "--namespace", "lab");
        expect(
            stdout
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l).src),
        ).toEqual(["lab/helloworld-proxy"]);
        expect(stderr).toContain("note: 1 of 2 queries left out: an end of each is outside --namespace lab");
    });

    it("--endpoint without a name reports each focused workload", () => {
        const { code, stdout } = run(LOCKDOWN, "--endpoint", "--namespace", "lab", "--format", "json");
        expect(code).toBe(0);
        expect(JSON.parse(stdout).map((r: { endpoint: string }) => r.endpoint)).toEqual(["lab/helloworld", "lab/helloworld-proxy"]);
    });

    it.each([
        [["--namespace", "labb"], "error: --namespace labb matches no workload: the namespaces with workloads are kube-system, lab, other"],
        [["--workload", "lab/proxy"], "error: --workload lab/proxy matches no workload: namespace lab has lab/helloworld, lab/helloworld-proxy"],
        [["--workload", "proxy"], 'error: --workload "proxy": expected <namespace>/<workload>'],
        [["--selector", "app=nginx"], 'error: --selector "app=nginx" matches the labels of no workload'],
        [
            ["--namespace", "other", "--selector", "app=helloworld"],
            'error: --namespace other --selector "app=helloworld": no workload meets these filters together',
        ],
        [["--query", "other/client", "lab/helloworld", "8080", "--namespace", "lab"], "error: --namespace lab: --query names its one connection itself"],
        [["--endpoint"], "error: --endpoint needs an endpoint name, or focus filters"],
    ])("%j is exit 2: %s", (args, message) => {
        const { code, stderr } = run(LOCKDOWN, ...args);
        expect(code).toBe(2);
        expect(stderr).toContain(message);
    });
});

describe("parseFocus", () => {
    it("is undefined without filters", () => {
        expect(parseFocus({})).toBeUndefined();
    });
});
