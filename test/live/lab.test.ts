// The lab walk's explanations and the stages it walks, over the program's own objects.
import { describe, expect, it } from "vitest";
import { explainChange, formatChange, predictedMatrix, stagesToWalk } from "../../live/lab";
import { baselineObjects, flowChecksAt } from "../../flows";
import { findStage } from "../../stages";
import { runProgram } from "../helpers/program";
import { formatMissing, missingTools } from "../../live/prerequisites";

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
        expect(text).toMatch(/- zero-trust-lab\/helloworld-proxy -> zero-trust-lab\/helloworld:8080\/TCP {2}\(now blocked\) because /);
    });

    it("allow-proxy adds proxy -> helloworld back, and nothing else between lab pods", async () => {
        const change = explainChange(await objectsAt("deny-all"), await objectsAt("allow-proxy"));
        // Between the lab's own pods; the proxy's ingress is open to every source by design (world -> proxy).
        const added = change.added.map((f) => f.leg).filter((leg) => leg.startsWith("zero-trust-lab/"));
        expect(added).toEqual(["zero-trust-lab/helloworld-proxy -> zero-trust-lab/helloworld:8080/TCP"]);
        expect(change.removed).toEqual([]);
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
    });
});

describe("prerequisites", () => {
    it("kind needs a running Docker engine; what is missing is named with how to install it", () => {
        const missing = missingTools("kind", (command) => (command[0] === "docker" ? { ok: false, output: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" } : command[0] === "kind" ? { ok: false, output: "not found on PATH" } : { ok: true, output: "" }));
        expect(missing.map((m) => m.tool.name)).toEqual(["docker", "kind"]);
        const text = formatMissing("kind", missing);
        expect(text).toContain("docker (kind runs the cluster's nodes as containers");
        expect(text).toContain("install: go install sigs.k8s.io/kind@");
        expect(text).toContain("npm run lab -- --render");
        expect(missingTools("render", () => ({ ok: true, output: "" }))).toEqual([]);
    });
});
