// Shared by the pack's tests: the program's resources under mocks, fixtures, and policy runs.
import * as fs from "fs";
import * as path from "path";
import { type Policies, unknownCheckingProxy } from "@pulumi/policy";
import { parseManifests, KubeObject } from "../../analysis";
import { runProgram } from "../../test/helpers/program";
import { baselineYaml } from "../../scenarios/helloworld/flows";
import { STAGES } from "../../scenarios/helloworld/stages";
import type { ResourceLike } from "../lib/objects";
import { resourcesOfObjects, runPolicies, RunOptions, RunResult } from "../lib/run";

export type Flavor = "calico" | "kubernetes";
export const FLAVORS: Flavor[] = ["calico", "kubernetes"];

/**
 * The resources the program registers for a stage and flavor (cluster=render), as the policy server
 * sees them: props wrapped in @pulumi/policy's unknownCheckingProxy, as its server.js does.
 */
export async function stackResources(stage: number, flavor: Flavor): Promise<ResourceLike[]> {
    const run = await runProgram({ cluster: "render", stage, flavor });
    return run.resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: unknownCheckingProxy(r.inputs),
        urn: `urn:pulumi:test::calico-zero-trust-lab::${r.type}::${r.name}`,
    }));
}

/**
 * The resources of an iks stack as the pack sees them: the program's objects as the iks mode renders
 * them (the lockdown selects IBM's public host endpoints) and the intent ConfigMap's baseline with
 * IBM's host endpoints and default policies (flows.ts baselineYaml for iks).
 */
export async function iksStackResources(stage: number): Promise<ResourceLike[]> {
    const run = await runProgram({ cluster: "render", stage, flavor: "calico", hostEndpointSelector: "ibm.role == 'worker_public'" });
    return run.resources.map((r) => {
        const props = structuredClone(r.inputs);
        if (props?.kind === "ConfigMap" && props.metadata?.name === "zero-trust-intent") props.data["baseline.yaml"] = baselineYaml(STAGES[stage]!, "iks");
        return { type: r.type, name: r.name, props, urn: `urn:pulumi:test::calico-zero-trust-lab::${r.type}::${r.name}` };
    });
}

/** The stack's Kubernetes objects as plain manifests (deep copies, safe to mutate). */
export async function stackObjects(stage: number, flavor: Flavor): Promise<KubeObject[]> {
    const run = await runProgram({ cluster: "render", stage, flavor });
    return structuredClone(run.kubernetesObjects) as KubeObject[];
}

export const FIXTURES = path.join(__dirname, "fixtures");

export function fixture(name: string): KubeObject[] {
    const file = path.join(FIXTURES, name);
    return parseManifests(fs.readFileSync(file, "utf8"), file);
}

export async function check(policies: Policies, objects: KubeObject[], options?: RunOptions): Promise<RunResult> {
    return runPolicies(policies, resourcesOfObjects(objects), options);
}

export function messages(result: RunResult, policy?: string): string[] {
    return result.violations.filter((v) => !policy || v.policy === policy).map((v) => v.message);
}
