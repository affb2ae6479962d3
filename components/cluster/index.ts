// Where the lab runs. Each cluster mode gives the program the same thing (contract.ts): a
// Kubernetes provider every lab resource uses, and what Calico policies must wait for. What a
// mode needs and defaults to is data in modes.ts; how it is built is its factory below.
import type { ClusterSettings } from "../../config";
import type { ClusterFactory, ClusterNeeds, LabCluster } from "./contract";
import { existingCluster } from "./existing";
import { iksCluster } from "./iks";
import { kindCluster } from "./kind";
import type { ClusterMode } from "./modes";
import { checkPrerequisites, onPath, runCheck, ToolEnvironment } from "./prerequisites";
import { renderTarget } from "./render";

export type { ClusterNeeds, LabCluster } from "./contract";

/** What the cluster factories take from the machine; tests inject their own. */
export type ClusterEnvironment = ToolEnvironment;

/** One factory per mode (modes.ts describes each). */
const CLUSTER_FACTORIES: Record<ClusterMode, ClusterFactory> = {
    render: renderTarget,
    existing: existingCluster,
    kind: kindCluster,
    iks: iksCluster,
};

/**
 * The cluster of the stack's cluster mode. The tools the mode runs are checked first,
 * synchronously: a missing tool throws PrerequisiteError before any resource is registered.
 */
export function createCluster(
    settings: ClusterSettings,
    needs: ClusterNeeds,
    environment: ClusterEnvironment = { findCommand: onPath(), runCheck },
): LabCluster {
    checkPrerequisites(settings, { calicoPolicies: needs.calicoPolicies ?? true }, environment);
    return CLUSTER_FACTORIES[settings.mode](settings, needs);
}
