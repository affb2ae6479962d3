// The live lab walk with a fake stack: each `up` converges the fake cluster to the stage (the
// program's objects, its pods, a data plane that follows the lab's truth table); and a yaobank
// walk over the scenario's own stage table.
import { afterEach, describe, expect, it } from "vitest";
import { KubeClusterApi } from "../../live/cluster";
import { labScenario, stagesToWalk } from "../../live/lab";
import { loadRecord } from "../../live/results";
import { walkLab, WalkStack } from "../../live/walk";
import { findStage } from "../../scenarios/helloworld/stages";
import { Allows, clusterBaseline, FAST, labCluster, labDataPlane, LabCluster, NAMESPACE, programObjects } from "./lab-cluster";
import { YAOBANK_NAMESPACES, yaobankCluster, yaobankDataPlane } from "./yaobank-cluster";
import { temporaryDirectory } from "../helpers/temporary";
import { findStageIn } from "../../scenarios/common/stages";
import type { PlainObject } from "../../live/cluster";
import type { StageReport } from "../../live/stage-report";

let cluster: LabCluster | undefined;
afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
});

async function walk(from: string, to: string, plane: (stage: number) => Allows) {
    let current = findStage(from)!.number - 1;
    const allows: Allows = (...args) => plane(current)(...args);
    cluster = await labCluster(findStage(from)!.name, allows);
    const lab = cluster;
    // Before the walk, the cluster is at the previous stage.
    const events: string[] = [];
    const stack: WalkStack = {
        name: "dev",
        setStage: async (stage) => {
            events.push(`config stage=${stage.name}`);
            current = stage.number;
        },
        up: async (onOutput) => {
            const { objects, podIPs } = await programObjects(String(current), lab.nodePorts);
            lab.kube.objects.splice(0, lab.kube.objects.length, ...objects.map((o) => structuredClone(o)), ...clusterBaseline());
            lab.kube.setPodIPs(podIPs);
            onOutput(`Updating (dev): stage ${current}\n`);
        },
        // Keys sorted, as Pulumi returns stack outputs.
        outputs: async () => ({
            labNamespace: { value: NAMESPACE },
            tryIt: { value: { direct: "curl $NODE_IP ... /api/messages", nodeIp: "NODE_IP=...", viaProxy: "curl $NODE_IP ... /proxy/api/messages" } },
        }),
    };
    const lines: string[] = [];
    const resultsDirectory = temporaryDirectory("walk-results");
    const stageReports: StageReport[] = [];
    const report = await walkLab({
        stack,
        stages: stagesToWalk({ from: findStage(from), upTo: findStage(to) }),
        namespace: NAMESPACE,
        clusterFor: () => new KubeClusterApi(lab.kube.kubeConfig()),
        verify: true,
        resultsDirectory,
        out: (text) => lines.push(text),
        progress: (text) => lines.push(text),
        pause: async (next) => {
            events.push(`pause before ${next?.name ?? "end"}`);
        },
        verifyOptions: FAST,
        onStageReport: (stage) => stageReports.push(stage),
    });
    return { report, output: lines.join("\n"), events, resultsDirectory, stageReports };
}

describe("npm run lab (live walk)", () => {
    it("walks deny-all then allow-proxy: up, verify, explain, record; every stage agrees", async () => {
        const { report, output, events, resultsDirectory, stageReports } = await walk("deny-all", "allow-proxy", labDataPlane);
        expect(report.stages.map((s) => [s.stage.name, s.verified])).toEqual([
            ["deny-all", "passed"],
            ["allow-proxy", "passed"],
        ]);
        expect(report.exitCode).toBe(0);
        expect(events).toEqual(["config stage=deny-all", "pause before allow-proxy", "config stage=allow-proxy", "pause before end"]);
        expect(output).toContain("=== Stage 3 (deny-all)");
        expect(output).toContain("Updating (dev): stage 4");
        expect(output).toContain("try it:\n  NODE_IP=...\n  curl $NODE_IP ... /api/messages\n  curl $NODE_IP ... /proxy/api/messages");
        expect(output).toContain("PASSED: 9/9 flows agree");
        expect(output).toMatch(
            /What changed at stage 4 \(allow-proxy\)[^]*\+ zero-trust-lab\/helloworld-proxy -> zero-trust-lab\/helloworld:8080\/TCP {2}\(now allowed\)/,
        );
        expect(output).toContain("Lab walk done: every verified stage agreed.");
        expect(loadRecord(resultsDirectory, "dev")).toMatchObject({ stage: { number: 4, name: "allow-proxy" }, passed: true });
        // The report of each stage (the lab's HTML page is written of them): verified, observed beside predicted.
        expect(stageReports.map((stage) => [stage.stage.name, stage.verification, stage.columns.join(",")])).toEqual([
            ["deny-all", "passed", "expected,predicted,observed"],
            ["allow-proxy", "passed", "expected,predicted,observed"],
        ]);
        expect(stageReports[1]!.rows.find((row) => row.id === "proxy-to-helloworld")).toMatchObject({ expected: "allowed", observed: "allowed", result: "ok" });
        expect(stageReports[1]!.change!.added.map((flow) => flow.leg)).toContain("zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP");
        expect(stageReports[1]!.tryIt).toEqual(["NODE_IP=...", "curl $NODE_IP ... /api/messages", "curl $NODE_IP ... /proxy/api/messages"]);
    });

    it("a stage whose data plane misbehaves fails the walk (exit 1) and is recorded as failed", async () => {
        const { report, output, resultsDirectory } = await walk(
            "allow-proxy",
            "allow-proxy",
            (stage) => (src, dst, port, protocol) => dst === "external:1.1.1.1" || labDataPlane(stage)(src, dst, port, protocol),
        );
        expect(report.stages.map((s) => s.verified)).toEqual(["failed"]);
        expect(report.exitCode).toBe(1);
        expect(output).toContain("1 stage(s) FAILED verification");
        expect(loadRecord(resultsDirectory, "dev")).toMatchObject({ passed: false, problems: [expect.stringMatching(/^lab-pods-to-internet: /)] });
    });
});

describe("npm run lab (live walk), yaobank", () => {
    it("walks the yaobank stage table: the three namespaces from the stack's output, the scenario's baseline, verification of stage 4", async () => {
        const yaobank = await yaobankCluster("calico-policies", yaobankDataPlane());
        cluster = { close: () => yaobank.close() } as LabCluster;
        const scenario = labScenario(undefined, { scenario: "yaobank" });
        const stages = stagesToWalk({ only: findStageIn(scenario.stages, "calico-policies") }, scenario.stages);
        const events: string[] = [];
        const lines: string[] = [];
        const report = await walkLab({
            stack: {
                name: "yaobank",
                setStage: async (stage) => {
                    events.push(`config stage=${stage.name}`);
                },
                up: async (onOutput) => {
                    onOutput("Updating (yaobank): no changes\n");
                },
                outputs: async () => ({ labNamespace: { value: YAOBANK_NAMESPACES }, tryIt: { value: { webUi: "curl ... :30180/" } } }),
            },
            stages,
            baseline: scenario.baseline() as PlainObject[],
            declaresFlows: (stage) => scenario.flowChecksAt(stage, {}).length > 0,
            namespace: "zero-trust-lab",
            clusterFor: () => new KubeClusterApi(yaobank.kube.kubeConfig()),
            verify: true,
            out: (text) => lines.push(text),
            progress: (text) => lines.push(text),
            pause: async () => undefined,
            verifyOptions: FAST,
        });
        const output = lines.join("\n");
        expect(events).toEqual(["config stage=calico-policies"]);
        expect(
            report.stages.map((s) => [s.stage.number, s.stage.name, s.verified]),
            output,
        ).toEqual([[4, "calico-policies", "passed"]]);
        expect(report.exitCode).toBe(0);
        expect(output).toContain("=== Stage 4 (calico-policies)");
        expect(output).toContain("namespaces yaobank-customer, yaobank-summary, yaobank-database");
        expect(output).toContain("PASSED: 18/19 flows agree");
        // The cluster did not change under the walk: the scenario's baseline on both sides.
        expect(output).toMatch(/What changed at stage 4 \(calico-policies\)[^]*no flow changed verdict or where it is stopped/);
    });
});
