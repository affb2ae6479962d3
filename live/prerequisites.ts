// The tools `npm run lab`, `verify` and `promote` need: the `pulumi` CLI they drive, plus what the
// stack's cluster mode runs. One check with the program's (components/cluster/prerequisites.ts),
// so `pulumi up` and `npm run lab` name the same missing tools in the same words.
import { CLUSTER_MODE_DESCRIPTORS, type CalicoApplyMode, type ClusterMode } from "../components/cluster/modes";
import {
    formatMissingTools,
    MissingTool,
    missingTools as missingOf,
    onPath,
    requiredTools,
    runCheck,
    Tool,
    ToolEnvironment,
} from "../components/cluster/prerequisites";

export type { MissingTool as Missing } from "../components/cluster/prerequisites";

/** The tools of a cluster mode with the reason for each, `pulumi` first (calicoctl as the program decides, from the stack's calicoApply). */
export function toolsFor(mode: ClusterMode, calicoApply: CalicoApplyMode = CLUSTER_MODE_DESCRIPTORS[mode].defaultCalicoApply): Map<Tool, string> {
    const program = requiredTools({ mode, calicoApply }, { calicoPolicies: true });
    return new Map<Tool, string>([["pulumi", "runs the program (the Automation API drives the CLI)"], ...program]);
}

export function missingTools(mode: ClusterMode, environment: ToolEnvironment = { findCommand: onPath(), runCheck }): MissingTool[] {
    return missingOf(toolsFor(mode), environment);
}

export function formatMissing(mode: ClusterMode, missing: MissingTool[]): string {
    return [
        `cluster mode ${mode} needs: ${[...toolsFor(mode).keys()].join(", ")}. Missing or not working:`,
        formatMissingTools(missing),
        mode === "kind" ? "  (no Docker engine? `npm run lab -- --render` shows every stage's manifests and predicted matrix without a cluster)" : "",
    ]
        .filter(Boolean)
        .join("\n");
}
