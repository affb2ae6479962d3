// The command-line tools a cluster mode runs, checked synchronously at program start, before
// any resource is registered, so a missing tool fails `pulumi preview` with what to install
// instead of failing `pulumi up` half-way.
import * as fs from "fs";
import * as path from "path";
import type { ClusterSettings } from "../../config";

export type Tool = "docker" | "kind" | "kubectl" | "calicoctl";

/** What to install, per tool, in the user's words. */
export const TOOL_INSTALL_HINTS: Record<Tool, string> = {
    docker: "Docker (a running engine; kind runs its nodes as containers): https://docs.docker.com/engine/install/",
    kind: "kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. go install sigs.k8s.io/kind@v0.29.0)",
    kubectl: "kubectl: https://kubernetes.io/docs/tasks/tools/",
    calicoctl: "calicoctl, the same version as the cluster's Calico: https://docs.tigera.io/calico/latest/operations/calicoctl/install (or set calicoApply to api-server if the cluster serves projectcalico.org/v3)",
};

/** Finds an executable by name; undefined when it is not installed. Injected by tests. */
export type CommandLookup = (name: Tool) => string | undefined;

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
export function requiredTools(settings: ClusterSettings, needs: ToolNeeds): Map<Tool, string> {
    const tools = new Map<Tool, string>();
    const calicoctl = needs.calicoPolicies && settings.calicoApply === "calicoctl";
    switch (settings.mode) {
        case "render":
            break;
        case "kind":
            tools.set("docker", "kind runs the cluster's nodes as Docker containers");
            tools.set("kind", "the program creates and deletes the kind cluster with it");
            tools.set("kubectl", "the program installs Calico and waits for its API with it");
            break;
        case "iks":
        case "existing":
            // The API gate and calicoctl documents are dynamic providers: no kubectl needed.
            break;
    }
    if (calicoctl && settings.mode !== "render") {
        tools.set("calicoctl", "calicoApply is calicoctl: Calico policies are created with it");
    }
    return tools;
}

/** One or more tools are missing; the message lists each with what to install. */
export class PrerequisiteError extends Error {
    constructor(
        readonly mode: string,
        readonly missing: Tool[],
        reasons: Map<Tool, string>,
    ) {
        const lines = missing.map((tool) => `  - ${tool} (${reasons.get(tool)}). Install ${TOOL_INSTALL_HINTS[tool]}`);
        super(`cluster=${mode} needs tools that are not on PATH:\n${lines.join("\n")}\nInstall them, or choose another cluster mode with: pulumi config set cluster <kind|iks|existing|render>`);
        this.name = "PrerequisiteError";
    }
}

/** Throws PrerequisiteError when a tool the cluster mode runs is not installed. */
export function checkPrerequisites(settings: ClusterSettings, needs: ToolNeeds, lookup: CommandLookup): void {
    const tools = requiredTools(settings, needs);
    const missing = [...tools.keys()].filter((tool) => lookup(tool) === undefined);
    if (missing.length > 0) {
        throw new PrerequisiteError(settings.mode, missing, tools);
    }
}
