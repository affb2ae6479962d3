// The comparison, the report and the shrinker without a cluster: what counts as agreement, what
// is "not observed" rather than a verdict, what the report prints and when the tier fails, and
// that shrinking keeps the cell's ends while it cuts everything else it can.
import { describe, expect, it } from "vitest";
import type { Observation, Outcome } from "../../live/types";
import type { Cell } from "./cells";
import { CellResult, count, judge } from "./compare";
import { coverageTable, featureIndex } from "./coverage";
import { generateScenario } from "./generator";
import { parseEnvFile, parseOptions, UsageError } from "./options";
import * as fs from "fs";
import * as path from "path";
import { temporaryDirectory } from "../helpers/temporary";
import { buildReport, exitCode, formatReport, median, scenarioReport, writeReport, writeReproduction } from "./report";
import { fromYaml } from "./scenario";
import { candidates, cellParties, shrink } from "./shrink";

const cell: Cell = {
    id: "df-1-a/p1 -> df-1-b/p3:80/TCP",
    kind: "pod-pod",
    query: { src: "df-1-a/p1", dst: "df-1-b/p3", port: 80, protocol: "TCP" },
    probe: { id: "df-1-a/p1 -> df-1-b/p3:80/TCP", origin: { kind: "outside" }, actions: [], command: "nc -z -w 2 10.244.0.3 80" },
};

function observed(outcome: Outcome, stable = true): Observation {
    return {
        probeId: cell.id,
        outcome,
        detail: outcome,
        attempts: [
            { outcome, detail: outcome, elapsedMs: 1 },
            { outcome, detail: outcome, elapsedMs: 1 },
        ],
        stable,
    };
}

const allowed = { verdict: "allowed" as const, reason: "allowed: no policy" };
const blocked = { verdict: "blocked" as const, reason: "blocked: denied by np:df-1-b/pol1 ingress[0]" };

describe("judging a cell", () => {
    it("agrees when the analyzer predicts what the probe saw, and disagrees otherwise", () => {
        expect(judge(cell, allowed, observed("allowed")).status).toBe("agree");
        expect(judge(cell, blocked, observed("tcp-timeout")).status).toBe("agree");
        expect(judge(cell, blocked, observed("udp-timeout")).status).toBe("agree");
        expect(judge(cell, allowed, observed("tcp-timeout"))).toMatchObject({ status: "disagree", predicted: "allowed", observed: "blocked" });
    });

    it("never turns a failed, refused, unanswered or unsettled probe into a verdict", () => {
        for (const outcome of ["error", "tcp-refused", "http-error", "dns-failure"] as const)
            expect(judge(cell, allowed, observed(outcome)).status, outcome).toBe("not-observed");
        expect(judge(cell, allowed, observed("allowed", false)).status).toBe("not-observed");
        expect(judge(cell, allowed, undefined)).toMatchObject({ status: "not-observed", detail: "not probed" });
        expect(judge(cell, { error: "the analyzer refused the objects" }, observed("allowed"))).toMatchObject({
            status: "not-predicted",
            reason: "the analyzer refused the objects",
        });
    });
});

describe("the report", () => {
    const scenario = generateScenario(1);
    const results: CellResult[] = [
        judge(cell, allowed, observed("allowed"), ["cell pod-pod TCP", "KubernetesNetworkPolicy"]),
        judge({ ...cell, id: "b" }, allowed, observed("tcp-timeout"), ["cell pod-pod TCP", "calico.action Deny"]),
        judge({ ...cell, id: "c" }, blocked, observed("error"), ["cell pod-pod TCP"]),
    ];
    const timings = { apply: 4, converge: 6, predict: 1, probe: 20, clean: 2 };

    it("counts cells and takes the median cost of a scenario", () => {
        expect(count(results)).toEqual({ cells: 3, agree: 1, disagree: 1, notObserved: 1, notPredicted: 0 });
        expect(median([3, 1, 2])).toBe(2);
        expect(median([1, 2, 3, 4])).toBe(2.5);
        const report = buildReport(
            "2026-12-07T16:00:00Z",
            1,
            [
                { report: scenarioReport(scenario, results, timings, [], []), results },
                { report: scenarioReport(scenario, [], { ...timings, probe: 40 }, [], []), results: [] },
            ],
            [],
        );
        expect(report.totals).toMatchObject({ cells: 3, disagree: 1 });
        expect(report.median).toMatchObject({ probe: 30, total: 43 });
    });

    it("prints every cell that did not agree with both verdicts, and a coverage table", () => {
        const report = buildReport("2026-12-07T16:00:00Z", 1, [{ report: scenarioReport(scenario, results, timings, [], []), results }], []);
        const text = formatReport(report, "/tmp/report.json");
        expect(text).toContain("total: 1 scenarios, 3 cells: 1 agree, 1 disagree, 1 not observed, 0 not predicted");
        expect(text).toMatch(/disagree\s+b\s+predicted allowed \/ observed blocked/);
        expect(text).toContain("median seconds per scenario: 33");
        expect(coverageTable(results).find((row) => row.feature === "cell pod-pod TCP")).toEqual({
            feature: "cell pod-pod TCP",
            cells: 3,
            agree: 1,
            disagree: 1,
        });
        expect(text).toContain("report: /tmp/report.json");
    });

    it("fails (exit 1) on a disagreement, a cell not observed, an object refused or a pod that never ran; passes only when every cell agreed", () => {
        const only = (list: CellResult[], refusals = [] as { object: string; message: string }[], problems: string[] = []) =>
            exitCode(buildReport("", 1, [{ report: scenarioReport(scenario, list, timings, refusals, problems), results: list }], []));
        expect(only([results[0]])).toBe(0);
        expect(only([results[0], results[1]])).toBe(1);
        expect(only([results[0], results[2]])).toBe(1);
        expect(only([results[0]], [{ object: "NetworkPolicy x", message: "HTTP 422" }])).toBe(1);
        expect(only([])).toBe(1);
        expect(only([results[0]], [], ["pods not running: df-1-a/p2 (Pending)"])).toBe(1);
    });

    it("writes report.json, and a reproduction as scenario.yaml, verdicts.json and the objects judged", () => {
        const directory = temporaryDirectory("differential");
        const report = buildReport("2026-12-07T16:00:00Z", 1, [{ report: scenarioReport(scenario, results, timings, [], []), results }], []);
        expect(JSON.parse(fs.readFileSync(writeReport(directory, report), "utf8")).totals.disagree).toBe(1);
        const case1 = path.join(directory, "reproductions", "case");
        writeReproduction(case1, scenario, results[1], [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "df-1-a" } }]);
        expect(fromYaml(fs.readFileSync(path.join(case1, "scenario.yaml"), "utf8"), "scenario.yaml")).toEqual(scenario);
        expect(JSON.parse(fs.readFileSync(path.join(case1, "verdicts.json"), "utf8"))).toMatchObject({ cell: "b", predicted: "allowed", observed: "blocked" });
        expect(fs.readFileSync(path.join(case1, "cluster.yaml"), "utf8")).toContain("kind: Namespace");
    });

    it("tags a cell with the features of the policies that applied and the rules that matched", () => {
        const index = featureIndex([
            {
                apiVersion: "projectcalico.org/v3",
                kind: "NetworkPolicy",
                metadata: { name: "pol", namespace: "ns" },
                spec: { order: 100, selector: "app == 'web'", ingress: [{ action: "Deny", protocol: "TCP", destination: { ports: ["8000:8999"] } }] },
            },
        ]);
        expect(index.policies.get("np:ns/pol")).toEqual(["CalicoNetworkPolicy", "calico.types inferred", "calico.selector ==", "calico.order set"]);
        expect(index.rules.get("np:ns/pol ingress[0]")).toEqual([
            "calico.ingress rule",
            "calico.action Deny",
            "calico.protocol TCP",
            "calico.destination.ports",
            "calico.destination.ports range",
        ]);
    });
});

describe("shrinking", () => {
    const scenario = generateScenario(11);
    const [src, dst] = scenario.pods;
    const query = { src: `${src.namespace}/${src.name}`, dst: `${dst.namespace}/${dst.name}`, port: dst.ports[0].port, protocol: dst.ports[0].protocol };

    it("never drops the cell's own pods", () => {
        for (const candidate of candidates(scenario, query)) {
            const pods = candidate.scenario.pods.map((pod) => `${pod.namespace}/${pod.name}`);
            expect(pods, candidate.description).toEqual(expect.arrayContaining([query.src, query.dst]));
        }
        expect(cellParties(scenario, { ...query, dst: "service:df-11-a/svc1" }).services).toEqual(new Set(["df-11-a/svc1"]));
    });

    it("cuts everything the disagreement does not need, within its budget", async () => {
        const culprit = scenario.objects[scenario.objects.length - 1].metadata.name;
        const result = await shrink(scenario, query, async (candidate) => candidate.objects.some((o) => o.metadata.name === culprit), 500);
        expect(result.scenario.objects.map((o) => o.metadata.name)).toEqual([culprit]);
        expect(result.scenario.pods).toHaveLength(2);
        const spent = await shrink(scenario, query, async () => false, 3);
        expect(spent).toMatchObject({ trials: 3, steps: [] });
    });
});

describe("the knobs", () => {
    it("reads DIFF_SEED and DIFF_SCENARIOS, and refuses what is not a count", () => {
        expect(parseOptions({ DIFF_SEED: "7", DIFF_SCENARIOS: "3" }, "/repo")).toMatchObject({ seed: 7, scenarios: 3, out: "/repo/test/differential/out" });
        expect(() => parseOptions({ DIFF_SCENARIOS: "0" })).toThrow(UsageError);
        expect(() => parseOptions({ DIFF_SEED: "x" })).toThrow("DIFF_SEED=x: expected a whole number");
        expect(parseEnvFile('CLUSTER_CONTEXT=czt-cluster\nCLUSTER_IMAGES="a b"\n# x\n')).toEqual({ CLUSTER_CONTEXT: "czt-cluster", CLUSTER_IMAGES: "a b" });
    });
});

describe("the UDP probe (live/probes.ts)", () => {
    it("is allowed on the listener's reply and blocked when none comes back", async () => {
        const { classifyExec } = await import("../../live/probes");
        const { shellCommand } = await import("../../live/plan");
        const action = { kind: "udp" as const, address: "10.244.0.5", port: 53 };
        expect(shellCommand(action, 2)).toEqual(["nc", "-u", "-w", "2", "10.244.0.5", "53"]);
        expect(classifyExec(action, 0, "listen df-1-a/p2").outcome).toBe("allowed");
        expect(classifyExec(action, 1, "nc: timeout").outcome).toBe("udp-timeout");
        expect(classifyExec(action, 1, "nc: read udp: connection refused").outcome).toBe("tcp-refused");
    });
});
