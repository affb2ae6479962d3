// The lab walk's explanations and the stages it walks, over the program's own objects.
import { describe, expect, it } from "vitest";
import { explainChange, formatChange, labScenario, predictedMatrix, scenarioFor, stageChoices, stagesToWalk } from "../../live/lab";
import { baselineObjects, flowChecksAt } from "../../scenarios/helloworld/flows";
import { findStage } from "../../scenarios/helloworld/stages";
import { runProgram } from "../helpers/program";
import { formatMissing, missingTools } from "../../live/prerequisites";
import { findStageIn } from "../../scenarios/common/stages";
import { helloworld } from "../../scenarios/helloworld";
import { yaobank } from "../../scenarios/yaobank";

async function objectsAt(stage: string) {
    const run = await runProgram({ cluster: "render", stage });
    return [...run.kubernetesObjects, ...baselineObjects()] as any[];
}

describe("what changed between stages", () => {
    it("deny-all removes the flows the proxy stage allowed, and says which policy blocks them", async () => {
        const change = explainChange(await objectsAt("proxy"), await objectsAt("deny-all"));
        const removed = change.removed.map((f) => f.leg);
        expect(removed).toContain("zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP");
        expect(removed).toContain("zero-trust-lab/helloworld -> external:1.1.1.1:443/TCP");
        expect(change.added).toEqual([]);
        const text = formatChange(findStage("deny-all")!, change);
        expect(text).toMatch(/^What changed at stage 3 \(deny-all\)/);
        // At 100 columns what happened does not fit beside the flow: it goes below it.
        expect(text).toMatch(
            /- zero-trust-lab\/helloworld-proxy -> zero-trust-lab\/helloworld:8080\/TCP\n {6}\(now blocked at zero-trust-lab\/helloworld-proxy's egress\)\n {6}because /,
        );
        expect(formatChange(findStage("deny-all")!, change, { isLabNamespace: () => true, width: 140 })).toMatch(
            /- zero-trust-lab\/helloworld-proxy -> zero-trust-lab\/helloworld:8080\/TCP {2}\(now blocked at zero-trust-lab\/helloworld-proxy's egress\)\n {6}because /,
        );
        // By default the lab's own workloads: CoreDNS and the neighbour's probe are counted, not listed.
        const lab = formatChange(findStage("deny-all")!, change, { isLabNamespace: (namespace) => namespace === "zero-trust-lab", width: 80 });
        expect(lab).not.toMatch(/kube-system\/coredns|lab-neighbour\/probe/);
        expect(lab.replace(/\s+/g, " ")).toMatch(
            /\(and \d+ changes to or from pods outside the lab, such as CoreDNS and the probe pods: --verbose shows them\)/,
        );
        // Wrapped to the width; only a flow longer than it keeps its line.
        for (const line of lab.split("\n")) expect(line.length <= 80 || /^ {2}[-+~] \S+ -> \S+$/.test(line), line).toBe(true);
        expect(formatChange(findStage("deny-all")!, change, { isLabNamespace: (namespace) => namespace === "zero-trust-lab", verbose: true })).toContain(
            "kube-system/coredns -> zero-trust-lab/helloworld:8080/TCP",
        );
    });

    it("allow-proxy adds proxy -> helloworld back, and nothing else between lab pods", async () => {
        const change = explainChange(await objectsAt("deny-all"), await objectsAt("allow-proxy"));
        // Between the lab's own pods; the proxy's ingress is open to every source by design (world -> proxy).
        const added = change.added.map((f) => f.leg).filter((leg) => leg.startsWith("zero-trust-lab/"));
        // The proxy reaches helloworld through its Service (judged after DNAT at the same pods) as well as directly.
        expect(added).toEqual([
            "zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP",
            "zero-trust-lab/helloworld-proxy -> service:zero-trust-lab/helloworld:8080/TCP",
        ]);
        expect(change.removed).toEqual([]);
    });

    it("lockdown moves the direct NodePort call's stop from helloworld's pods to the node (preDNAT), and says so", async () => {
        const [allowProxy, lockdown] = [findStage("allow-proxy")!, findStage("lockdown")!];
        const objects = async (stage: typeof lockdown) =>
            [...(await runProgram({ cluster: "render", stage: stage.name })).kubernetesObjects, ...helloworld.baseline(stage)] as any[];
        const change = explainChange(await objects(allowProxy), await objects(lockdown));
        const direct = change.moved.find((f) => f.leg === "external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld:30080/TCP");
        expect(direct).toMatchObject({
            before: "blocked at zero-trust-lab/helloworld's ingress",
            after: expect.stringMatching(/^blocked at the host, before DNAT/),
        });
        const text = formatChange(lockdown, change);
        expect(text).not.toContain("no flow changed");
        expect(text).toMatch(/~ external:203\.0\.113\.10 -> nodeport:zero-trust-lab\/helloworld:30080\/TCP\n {6}\(still blocked, now at the host, before DNAT/);
        for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
        // The proxy's NodePort stays open: not a change.
        expect(change.moved.concat(change.removed).map((f) => f.leg)).not.toContain(
            "external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld-proxy:30081/TCP",
        );
    });

    it("--render's predicted matrix for a stage equals the stage's expected flows", async () => {
        const stage = findStage("allow-proxy")!;
        const checks = flowChecksAt(stage, { namespace: "zero-trust-lab", nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } });
        const rows = predictedMatrix(await objectsAt("allow-proxy"), checks);
        expect(rows.map((r) => [r.check.id, r.predicted])).toEqual(checks.map((c) => [c.id, c.expected]));
    });
});

describe("which stages the walk runs", () => {
    it("all stages in order by default, one with --stage, a prefix with --to", () => {
        expect(stagesToWalk({}).map((s) => s.name)).toEqual(["cluster", "helloworld", "proxy", "deny-all", "allow-proxy", "lockdown"]);
        expect(stagesToWalk({ only: findStage("3") }).map((s) => s.name)).toEqual(["deny-all"]);
        expect(stagesToWalk({ upTo: findStage("proxy") }).map((s) => s.number)).toEqual([0, 1, 2]);
        expect(stagesToWalk({ from: findStage("4"), upTo: findStage("0") }).map((s) => s.number)).toEqual([4, 3, 2, 1, 0]);
    });
});

describe("the scenario the walk takes", () => {
    it("--scenario, else the stack's scenario config, else helloworld; an unknown one is refused", () => {
        expect(labScenario(undefined).name).toBe("helloworld");
        expect(labScenario(undefined, { scenario: "yaobank" }).name).toBe("yaobank");
        expect(labScenario("yaobank", { scenario: "helloworld" }).name).toBe("yaobank");
        expect(() => labScenario("bookinfo")).toThrow(/scenario bookinfo: not a scenario \(helloworld, yaobank\)/);
    });

    it("a live stack of one scenario is not walked through the other's stages (an unset key is the default, helloworld); a render walk takes the option", () => {
        expect(() => scenarioFor("yaobank", { scenario: "helloworld" }, true)).toThrow(/pulumi config set calico-zero-trust-lab:scenario yaobank/);
        expect(() => scenarioFor("yaobank", {}, true)).toThrow(/the stack runs the helloworld scenario/);
        expect(scenarioFor("yaobank", { scenario: "helloworld" }, false).name).toBe("yaobank");
        expect(scenarioFor("yaobank", {}, false).name).toBe("yaobank");
        expect(scenarioFor(undefined, {}, true).name).toBe("helloworld");
        expect(scenarioFor(undefined, { scenario: "yaobank" }, true).name).toBe("yaobank");
    });

    it("yaobank's stages 0-4 by their own names, its stage 0 declares flows, its baseline has kind's add-ons", () => {
        expect(stagesToWalk({}, yaobank.stages).map((s) => s.name)).toEqual(["cluster", "app", "p-summary2database", "default-app-policy", "calico-policies"]);
        expect(stagesToWalk({ from: findStageIn(yaobank.stages, "app"), upTo: findStageIn(yaobank.stages, "3") }, yaobank.stages).map((s) => s.number)).toEqual(
            [1, 2, 3],
        );
        expect(findStageIn(yaobank.stages, "lockdown")).toBeUndefined();
        expect(stageChoices(yaobank)).toBe("0-4 or cluster, app, p-summary2database, default-app-policy, calico-policies");
        expect(yaobank.flowChecksAt(yaobank.stages[0]!, {}).length).toBeGreaterThan(0);
        expect(helloworld.flowChecksAt(helloworld.stages[0]!, {})).toEqual([]);
        expect(yaobank.baseline().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)).toContain("local-path-storage/local-path-provisioner");
    });

    it.each([1, 2, 3, 4])("--render's predicted matrix for yaobank stage %i equals the stage's expected flows", async (number) => {
        const stage = yaobank.stages[number]!;
        const run = await runProgram({ cluster: "render", scenario: "yaobank", stage: number });
        const checks = yaobank.flowChecksAt(stage, {});
        const rows = predictedMatrix([...run.kubernetesObjects, ...yaobank.baseline()] as any[], checks);
        expect(rows.map((r) => [r.check.id, r.predicted])).toEqual(checks.map((c) => [c.id, c.expected]));
    });
});

describe("prerequisites", () => {
    it("kind needs a running Docker engine; what is missing is named with how to install it", () => {
        const machine = {
            findCommand: (name: string) => (name === "kind" ? undefined : `/usr/bin/${name}`),
            runCheck: (command: string[]) =>
                command[0] === "docker"
                    ? { ok: false, output: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" }
                    : { ok: true, output: "" },
        };
        const missing = missingTools("kind", machine);
        expect(missing.map((m) => m.tool)).toEqual(["docker", "kind"]);
        const text = formatMissing("kind", missing);
        expect(text).toContain("cluster mode kind needs: pulumi, docker, kind, kubectl");
        expect(text).toContain(
            "- docker (kind runs the cluster's nodes as Docker containers): `docker info --format {{.ServerVersion}}` failed: Cannot connect to the Docker daemon",
        );
        expect(text).toContain("- kind (the program creates and deletes the kind cluster with it): not found on PATH. Install kind:");
        expect(text).toContain("npm run lab -- --render");
        expect(missingTools("render", { findCommand: (name) => `/usr/bin/${name}`, runCheck: () => ({ ok: true, output: "" }) })).toEqual([]);
        expect(missingTools("render", { findCommand: () => undefined }).map((m) => m.tool)).toEqual(["pulumi"]);
    });

    it("is the program's own check: pulumi up refuses a stopped Docker engine in the same words", async () => {
        const { checkPrerequisites } = await import("../../components/cluster/prerequisites");
        const { parseLabConfig } = await import("../../scenarios/helloworld/config");
        const machine = { findCommand: (name: string) => `/usr/bin/${name}`, runCheck: () => ({ ok: false, output: "Cannot connect to the Docker daemon" }) };
        expect(() => checkPrerequisites(parseLabConfig(() => undefined).cluster, { calicoPolicies: true }, machine)).toThrow(
            /- docker \(kind runs the cluster's nodes as Docker containers\): `docker info --format \{\{\.ServerVersion\}\}` failed: Cannot connect to the Docker daemon; start the Docker engine/,
        );
    });
});
