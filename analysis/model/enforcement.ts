/**
 * Whether the chosen Calico release enforces an object (calico-releases.ts): a kind the release does
 * not convert, a kind its API does not serve (the staged kinds before v3.30.0), a Tier before tiers,
 * a policy in a tier the release cannot have. What it does not enforce is left out of the verdicts
 * with a warning naming the object and the release, never evaluated as if it were enforced.
 */
import { isAdminPolicy, normalizeAdminPolicy } from "./admin-policies";
import { CalicoRelease, calicoRelease, inSpans, KIND_ROWS, kindRow } from "./calico-releases";
import { describeObject } from "../input/manifests";
import type { KubeObject } from "../types";

const TIER_ROW = KIND_ROWS.find((row) => row.kind === "Tier")!;
const CALICO_POLICY_KINDS = new Set(["NetworkPolicy", "GlobalNetworkPolicy"]);

/** The warning for an object the release does not enforce; undefined when it does (or the table says nothing of it). */
export function notEnforcedWarning(object: KubeObject, release: CalicoRelease): string | undefined {
    const row = kindRow(object);
    const at = `${describeObject(object)} (${object.apiVersion})`;
    if (row?.served && !inSpans(release, row.served.spans)) {
        return `${at} is not served by Calico v${release.version} and is left out of the verdicts: ${row.served.why} (source: ${row.served.source})`;
    }
    if (row && !inSpans(release, row.enforced)) {
        return `${at} is not enforced by Calico v${release.version} and is left out of the verdicts: ${row.why} (source: ${row.source})`;
    }
    const tier = object.spec?.tier;
    if (
        TIER_ROW.apiVersions.includes(object.apiVersion) &&
        CALICO_POLICY_KINDS.has(object.kind) &&
        tier !== undefined &&
        tier !== null &&
        tier !== "default" &&
        !inSpans(release, TIER_ROW.enforced)
    ) {
        return `${at} is in tier ${JSON.stringify(tier)}, which Calico v${release.version} cannot have, and is left out of the verdicts: ${TIER_ROW.why} (source: ${TIER_ROW.source})`;
    }
    return undefined;
}

/**
 * Leaves out an object the release does not enforce: its warning goes to `warnings` and true is
 * returned. An admin policy left out is still refused when the network-policy-api would refuse it
 * (its CRD validates it whatever Calico runs): it is read as the first release enforcing its kind does.
 */
export function leftOut(object: KubeObject, release: CalicoRelease, warnings: string[]): boolean {
    const warning = notEnforcedWarning(object, release);
    if (warning === undefined) return false;
    const since = kindRow(object)?.enforced[0]?.since;
    if (isAdminPolicy(object) && since) normalizeAdminPolicy(object, [], calicoRelease(since));
    warnings.push(warning);
    return true;
}
