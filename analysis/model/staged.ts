/**
 * Calico's staged policies (v3.30.0 on): a StagedNetworkPolicy, StagedGlobalNetworkPolicy or
 * StagedKubernetesNetworkPolicy is the policy it stages, never enforced (calico-releases.ts), plus a
 * `stagedAction`. Enforcing it is what Calico's conversions do (api/pkg/apis/projectcalico/v3
 * ConvertStagedPolicyToEnforced, ConvertStagedGlobalPolicyToEnforced,
 * ConvertStagedKubernetesPolicyToK8SEnforced at v3.30.3-v3.31.7: the same metadata and spec, the
 * staged kind's enforced one): `Set` (also when omitted) makes the enforced policy of the same name
 * (replacing one that exists), `Delete` removes the enforced policy of that name. `Learn` and `Ignore`
 * are states of Calico Enterprise's policy recommendation; open-source Calico evaluates them as it does
 * `Set` (libcalico-go syncersv1/updateprocessors/staged*processor.go: only Delete is withheld from
 * Felix), and so does this module.
 */
import { withOriginOf } from "../input/manifests";
import type { KubeObject } from "../types";
import { STAGED_KINDS, type StagedKind } from "./calico-releases";

export type StagedAction = "Set" | "Delete" | "Learn" | "Ignore";
/** The values the validator takes (validator.go stagedActionRegex, v3.30.0-v3.32.1). */
export const STAGED_ACTIONS: readonly StagedAction[] = ["Set", "Delete", "Learn", "Ignore"];

const CALICO_API = new Set(["projectcalico.org/v3", "crd.projectcalico.org/v1"]);

export function isStaged(object: Pick<KubeObject, "apiVersion" | "kind">): boolean {
    return CALICO_API.has(object.apiVersion) && Object.hasOwn(STAGED_KINDS, object.kind);
}

/** The staged action, Set when omitted (the field's doc: "If this is omitted, the default is Set"). */
export function stagedActionOf(object: KubeObject): StagedAction {
    const action = object.spec?.stagedAction;
    return action === undefined || action === null || action === "" ? "Set" : (action as StagedAction);
}

/** The kind and API the staged object's enforced policy has. */
export function enforcedKindOf(object: Pick<KubeObject, "apiVersion" | "kind">): { apiVersion: string; kind: string } {
    const target = STAGED_KINDS[object.kind as StagedKind];
    return { apiVersion: target.apiVersion === "same" ? object.apiVersion : target.apiVersion, kind: target.kind };
}

/** The policy a staged object stages: its metadata and spec without stagedAction, of the enforced kind; errors name the staged object's file. */
export function enforcedCounterpart(object: KubeObject): KubeObject {
    const { stagedAction: _, ...spec } = object.spec ?? {};
    return withOriginOf({ ...object, ...enforcedKindOf(object), spec }, object);
}

/** The id verdicts give the enforced policy of a staged object (policies.ts PolicyRef.id). */
export function enforcedPolicyId(object: KubeObject): string {
    const { apiVersion, kind } = enforcedKindOf(object);
    const namespace = object.metadata.namespace || "default";
    if (apiVersion === "networking.k8s.io/v1") return `knp:${namespace}/${object.metadata.name}`;
    return kind === "GlobalNetworkPolicy" ? `gnp:${object.metadata.name}` : `np:${namespace}/${object.metadata.name}`;
}

/** What enforcing one staged policy does to the enforced policies. */
export interface StagedChange {
    /** The staged object. */
    staged: KubeObject;
    action: StagedAction;
    /** The enforced policy's id (gnp:<name>, np:<ns>/<name>, knp:<ns>/<name>). */
    policy: string;
    /** creates: no enforced policy had that name; replaces: one had; deletes: Delete removed it; deletes nothing: Delete found none. */
    effect: "creates" | "replaces" | "deletes" | "deletes nothing";
}

/** Calico's two API groups store the same policies: an object of either is the one named. */
function identity(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, namespaced: boolean): string {
    const group = CALICO_API.has(object.apiVersion) ? "calico" : object.apiVersion;
    return `${group}|${object.kind}|${namespaced ? object.metadata.namespace || "default" : ""}|${object.metadata.name}`;
}

/**
 * The objects as they would be with every staged policy enforced, and what each did, in the order
 * given: each staged object is replaced by its enforced policy (Set, Learn, Ignore), which takes the
 * place of an enforced policy of the same name, or removes that policy (Delete). Objects that are
 * not staged are kept as they are, in their order; a created policy comes last.
 */
export function enforceStaged(objects: readonly KubeObject[]): { objects: KubeObject[]; changes: StagedChange[] } {
    const byIdentity = new Map<string, number>();
    const result: (KubeObject | undefined)[] = [];
    const staged: KubeObject[] = [];
    for (const object of objects) {
        if (isStaged(object)) {
            staged.push(object);
            continue;
        }
        if (object.kind === "NetworkPolicy" || object.kind === "GlobalNetworkPolicy")
            byIdentity.set(identity(object, object.kind === "NetworkPolicy"), result.length);
        result.push(object);
    }
    const changes = staged.map((object): StagedChange => {
        const action = stagedActionOf(object);
        const target = { ...enforcedKindOf(object), metadata: object.metadata };
        const key = identity(target, target.kind === "NetworkPolicy");
        const index = byIdentity.get(key);
        const policy = enforcedPolicyId(object);
        if (action === "Delete") {
            if (index === undefined) return { staged: object, action, policy, effect: "deletes nothing" };
            result[index] = undefined;
            byIdentity.delete(key);
            return { staged: object, action, policy, effect: "deletes" };
        }
        const enforced = enforcedCounterpart(object);
        if (index !== undefined) result[index] = enforced;
        else {
            byIdentity.set(key, result.length);
            result.push(enforced);
        }
        return { staged: object, action, policy, effect: index === undefined ? "creates" : "replaces" };
    });
    return { objects: result.filter((o): o is KubeObject => o !== undefined), changes };
}
