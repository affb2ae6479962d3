import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { createCluster } from "../../components/cluster";
import { checkPrerequisites, onPath, PrerequisiteError, requiredTools } from "../../components/cluster/prerequisites";
import { settled, stubTools, useMocks } from "./harness";

const settings = (config: Record<string, string>) => parseLabConfig((key) => config[key]).cluster;
const installed = (...tools: string[]) => ({ findCommand: (name: string) => (tools.includes(name) ? `/usr/bin/${name}` : undefined) });
const tools = (config: Record<string, string>, calicoPolicies = true) => [...requiredTools(settings(config), { calicoPolicies }).keys()];

describe("prerequisites", () => {
    it("kind needs docker, kind and kubectl; render needs nothing", () => {
        expect(tools({ cluster: "kind" })).toEqual(["docker", "kind", "kubectl"]);
        expect(tools({ cluster: "render" })).toEqual([]);
    });

    it("iks needs calicoctl only while it applies Calico policies (calicoApply defaults to calicoctl there); the API gate needs no tool", () => {
        expect(tools({ cluster: "iks" })).toEqual(["calicoctl"]);
        expect(tools({ cluster: "iks", flavor: "kubernetes" }, false)).toEqual([]);
        expect(tools({ cluster: "iks", calicoApply: "api-server" })).toEqual([]);
    });

    it("existing honours calicoApply", () => {
        expect(tools({ cluster: "existing" })).toEqual([]);
        expect(tools({ cluster: "existing", calicoApply: "calicoctl" })).toEqual(["calicoctl"]);
    });

    it("names every missing tool and what to install", () => {
        let error: unknown;
        try {
            checkPrerequisites(settings({ cluster: "kind" }), { calicoPolicies: true }, installed("kubectl"));
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(PrerequisiteError);
        const message = (error as Error).message;
        expect((error as PrerequisiteError).missing).toEqual(["docker", "kind"]);
        expect(message).toContain("cluster=kind needs tools that are missing or not working");
        expect(message).toMatch(/- docker \(kind runs the cluster's nodes as Docker containers\): not found on PATH\. Install Docker/);
        expect(message).toMatch(/- kind \(.*\): not found on PATH\. Install kind: https:\/\/kind\.sigs\.k8s\.io/);
        expect(message).not.toMatch(/- kubectl/);
        expect(() => checkPrerequisites(settings({ cluster: "kind" }), { calicoPolicies: true }, installed("docker", "kind", "kubectl"))).not.toThrow();
    });

    it("are checked before anything is registered", async () => {
        const registered = await useMocks();
        expect(() => createCluster(settings({ cluster: "kind", stage: "lockdown" }), { hostEndpoints: true }, installed("docker", "kubectl"))).toThrow(
            /kind \(the program creates and deletes the kind cluster with it\)/,
        );
        await settled(registered);
        expect(registered).toEqual([]);
    });

    it("looks tools up on PATH: executable files only", () => {
        const { dir } = stubTools(["kind"]);
        fs.writeFileSync(path.join(dir, "kubectl"), "not executable", { mode: 0o644 });
        fs.mkdirSync(path.join(dir, "docker"));
        const lookup = onPath({ PATH: ["/nonexistent", dir].join(path.delimiter) });
        expect(lookup("kind")).toBe(path.join(dir, "kind"));
        expect(lookup("kubectl")).toBeUndefined();
        expect(lookup("docker")).toBeUndefined();
        expect(onPath({})("kind")).toBeUndefined();
    });
});
