// The command-line tools a cluster mode runs, checked synchronously at program start, before
// any resource is registered, so a missing tool fails `pulumi preview` with what to install
// instead of failing `pulumi up` half-way. The one check: `npm run lab`, `verify` and `promote`
// use it too (live/prerequisites.ts), adding the `pulumi` CLI they drive.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ClusterSettings } from "../../config";
import { CLUSTER_MODE_DESCRIPTORS, Tool } from "./modes";

export type { Tool } from "./modes";

/** What to install, per tool, in the user's words. */
export const TOOL_INSTALL_HINTS: Record<Tool, string> = {
    pulumi: "the Pulumi CLI: npm run toolchain builds it from source, then . scripts/env.sh (README, Walk the lab); or https://www.pulumi.com/docs/install/",
    docker: "Docker (a running engine; kind runs its nodes as containers): https://docs.docker.com/engine/install/",
    kind: "kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. go install sigs.k8s.io/kind@v0.29.0)",
    kubectl: "kubectl: https://kubernetes.io/docs/tasks/tools/",
    calicoctl:
        "calicoctl, the same version as the cluster's Calico: https://docs.tigera.io/calico/latest/operations/calicoctl/install (or set calicoApply to api-server if the cluster serves projectcalico.org/v3)",
};

/** Finds an executable by name; undefined when it is not installed. Injected by tests. */
export type CommandLookup = (name: Tool) => string | undefined;

/** Runs a check command: ok, or the first line of what it said. Injected by tests. */
export type CheckRunner = (command: string[]) => { ok: boolean; output: string };

/**
 * Tools that must do more than exist: the Docker client is useless without a running engine
 * (kind then fails half-way through `pulumi up`).
 */
export const TOOL_CHECKS: Partial<Record<Tool, { command: string[]; fix: string }>> = {
    docker: { command: ["docker", "info", "--format", "{{.ServerVersion}}"], fix: "start the Docker engine (e.g. sudo systemctl start docker)" },
};

export const runCheck: CheckRunner = (command) => {
    const result = spawnSync(command[0]!, command.slice(1), { encoding: "utf8", timeout: 15_000 });
    if (result.error) return { ok: false, output: result.error.message };
    return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] ?? "" };
};

/** How the machine is asked: PATH lookup, and (when given) the tools' check commands. */
export interface ToolEnvironment {
    findCommand: CommandLookup;
    runCheck?: CheckRunner;
}

export interface MissingTool {
    tool: Tool;
    why: string;
    problem: string;
}

/** The tools of `required` that are not on PATH, or whose check fails (with what it said). */
export function missingTools(required: Map<Tool, string>, environment: ToolEnvironment): MissingTool[] {
    return [...required].flatMap(([tool, why]): MissingTool[] => {
        if (environment.findCommand(tool) === undefined) return [{ tool, why, problem: "not found on PATH" }];
        const check = TOOL_CHECKS[tool];
        const result = check && environment.runCheck?.(check.command);
        return result && !result.ok ? [{ tool, why, problem: `\`${check.command.join(" ")}\` failed: ${result.output || "no output"}; ${check.fix}` }] : [];
    });
}

/** "  - docker (why): problem. Install ..." for each missing tool. */
export function formatMissingTools(missing: MissingTool[]): string {
    return missing.map(({ tool, why, problem }) => `  - ${tool} (${why}): ${problem}. Install ${TOOL_INSTALL_HINTS[tool]}`).join("\n");
}

/** Looks a command up on PATH (no subprocess: a plain file-system check). */
export function onPath(env: NodeJS.ProcessEnv = process.env): CommandLookup {
    return (name) => {
        for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
            const candidate = path.join(dir, name);
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                if (fs.statSync(candidate).isFile()) {
                    return candidate;
                }
            } catch {
                // not here; keep looking
            }
        }
        return undefined;
    };
}

export interface ToolNeeds {
    /** Calico policy documents will be created (flavor calico). */
    calicoPolicies: boolean;
}

/** The tools a cluster mode runs through local commands, with the reason for each. */
export function requiredTools(settings: Pick<ClusterSettings, "mode" | "calicoApply">, needs: ToolNeeds): Map<Tool, string> {
    const mode = CLUSTER_MODE_DESCRIPTORS[settings.mode];
    const tools = new Map<Tool, string>(Object.entries(mode.tools) as [Tool, string][]);
    if (needs.calicoPolicies && settings.calicoApply === "calicoctl" && mode.calicoctlApplies) {
        tools.set("calicoctl", "calicoApply is calicoctl: Calico policies are created with it");
    }
    return tools;
}

/** One or more tools are missing or not working; the message lists each with what to do. */
export class PrerequisiteError extends Error {
    readonly missing: Tool[];
    constructor(
        readonly mode: string,
        problems: MissingTool[],
    ) {
        super(
            `cluster=${mode} needs tools that are missing or not working:\n${formatMissingTools(problems)}\nInstall them, or choose another cluster mode with: pulumi config set cluster <kind|iks|existing|render> (render needs no cluster)`,
        );
        this.name = "PrerequisiteError";
        this.missing = problems.map((problem) => problem.tool);
    }
}

/** Throws PrerequisiteError when a tool the cluster mode runs is not installed or not working. */
export function checkPrerequisites(settings: ClusterSettings, needs: ToolNeeds, environment: ToolEnvironment): void {
    const missing = missingTools(requiredTools(settings, needs), environment);
    if (missing.length > 0) {
        throw new PrerequisiteError(settings.mode, missing);
    }
}
