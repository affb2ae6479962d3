// Runs the Pulumi program (index.ts) under Pulumi's mocks with a given stack configuration and
// collects every resource it registers, as the engine would receive them.
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { PROJECT_NAME } from "../../config";
import type { Scenario } from "../../scenarios/scenario";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

export interface ProgramRun {
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
    /** The plain Kubernetes / Calico objects the program declares, as the analyzer reads them. */
    kubernetesObjects: Record<string, any>[];
}

function isKubernetesObject(resource: RegisteredResource): boolean {
    return resource.type.startsWith("kubernetes:") && resource.inputs.kind !== undefined;
}

/** Resolves an Output under mocks (every value is known, preview is false). */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<T | undefined> {
    return new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));
}

async function settled(count: () => number): Promise<void> {
    let last = -1;
    let stableTicks = 0;
    while (stableTicks < 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const now = count();
        stableTicks = now === last ? stableTicks + 1 : 0;
        last = now;
    }
}

/**
 * Imports index.ts afresh with `config` (keys without the project prefix) and returns what it
 * registered. Throws what the program throws at start-up (e.g. a ConfigError). Given `scenarios`
 * (a registry with scenarios only the tests know, test/scenarios/registry.ts), runs index.ts's
 * program, runScenario, over that registry instead.
 */
export async function runProgram(config: Record<string, string | number>, scenarios?: readonly Scenario[]): Promise<ProgramRun> {
    const resources: RegisteredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        PROJECT_NAME,
        "test",
        false,
    );
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT_NAME}:${key}`, String(value)])));
    vi.resetModules();
    const program: object =
        scenarios === undefined
            ? await import("../../index")
            : (await import("../../scenarios/run")).runScenario((await import("../../config")).stackConfigReader(), scenarios);
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = await valueOf(value as pulumi.Input<unknown>);
    }
    await settled(() => resources.length);
    const kubernetesObjects = resources.filter(isKubernetesObject).map((resource) => resource.inputs);
    return { resources, outputs, kubernetesObjects };
}

/** The render target: the cluster mode that needs no cluster. */
export const RENDER = { cluster: "render" } as const;
