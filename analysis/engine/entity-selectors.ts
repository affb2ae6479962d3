/**
 * The selector part of a rule's entity, as one test per identity: the selector Calico builds from
 * namespaceSelector, serviceAccounts and selector (libcalico-go updateprocessors/rules.go
 * getEndpointSelector) and the notSelector. An identity is a workload or host endpoint, or a network
 * set (parties.ts): Felix evaluates a rule's selectors over all three (felix labelindex
 * named_port_index.go, v3.28.5).
 */
import type { ClusterModel } from "../model/model-types";
import { modelCache } from "../model/model-cache";
import type { Identity } from "./parties";
import type { EntityMatch } from "../model/policies";
import { evaluate, SelectorNode } from "../selectors/calico";
import { ownLabel } from "../types";

export type IdentityTest = (identity: Identity) => boolean;

export function matchesEndpointSelector(node: SelectorNode, identity: Identity): boolean {
    return evaluate(node, { labels: identity.labels, all: true, global: identity.namespace === undefined });
}

/** A namespaceSelector is evaluated on namespace labels; all() means "any namespaced endpoint", global() "not namespaced" (rules.go). */
export function matchesNamespaceSelector(node: SelectorNode, identity: Identity): boolean {
    return evaluate(node, { labels: identity.namespaceLabels, all: identity.namespace !== undefined, global: identity.namespace === undefined });
}

/** On the pcsa.* labels of the service account; a network set has none, so only a negated selector matches it. */
export function matchesServiceAccountSelector(node: SelectorNode, identity: Identity): boolean {
    return evaluate(node, { labels: identity.serviceAccountLabels, all: true, global: identity.namespace === undefined });
}

/** Identity constraint of an entity, exactly as rules.go getEndpointSelector builds it. */
function identityConstraint(entity: EntityMatch): IdentityTest[] {
    const parts: IdentityTest[] = [];
    if (entity.serviceAccountNames) {
        const names = entity.serviceAccountNames;
        parts.push((id) => names.includes(ownLabel(id.labels, "projectcalico.org/serviceaccount") ?? "\u0000"));
    }
    if (entity.serviceAccountSelector) {
        const sa = entity.serviceAccountSelector;
        parts.push((id) => matchesServiceAccountSelector(sa, id));
    }
    if (entity.selector) {
        const selector = entity.selector;
        parts.push((id) => matchesEndpointSelector(selector, id));
    }
    // The namespace scope joins as soon as any selector field (or notSelector, or a namespaceSelector) is used.
    const scoped = parts.length > 0 || entity.notSelector !== undefined || entity.namespaceSelector !== undefined;
    if (scoped) {
        if (entity.namespaceSelector) {
            const ns = entity.namespaceSelector;
            parts.unshift((id) => matchesNamespaceSelector(ns, id));
        } else if (entity.scopeNamespace !== undefined) {
            const scope = entity.scopeNamespace;
            parts.unshift((id) => id.namespace === scope);
        }
    }
    return parts;
}

const constraintCache = modelCache<EntityMatch, IdentityTest[]>();

/** The entity's positive selector as tests that must all hold (none: the entity selects by address only). */
export function entityConstraint(model: ClusterModel, entity: EntityMatch): IdentityTest[] {
    const constraints = constraintCache(model);
    let constraint = constraints.get(entity);
    if (!constraint) {
        constraint = identityConstraint(entity);
        constraints.set(entity, constraint);
    }
    return constraint;
}

/** Whether one of the identities passes every test (loops, not closures: this runs for every class and rule of a matrix). */
export function someHoldsAll(tests: IdentityTest[], identities: readonly Identity[]): boolean {
    next: for (const identity of identities) {
        for (const test of tests) if (!test(identity)) continue next;
        return true;
    }
    return false;
}

/**
 * Whether a rule side's selectors match a party, given the identities it has (its endpoint and the
 * network sets holding its address). With a positive selector (`constraint` not empty: selector,
 * serviceAccounts, namespaceSelector, or a namespaced policy's own-namespace scope) Felix folds the
 * notSelector into it, `(positive) && !(notSelector)`, so ONE identity must pass both: a network set
 * the notSelector matches excludes nothing by itself. Without one, the notSelector is an IP set of
 * its own that the address must be outside of, whichever identity put it there (felix
 * calc/rule_scanner.go combineMatchesIfPossible, v3.28.5; seen on the real cluster, differential seed 9).
 */
export function selectorsMatch(constraint: IdentityTest[], notSelector: SelectorNode | undefined, identities: readonly Identity[]): boolean {
    if (constraint.length === 0) return !notSelector || !identities.some((id) => matchesEndpointSelector(notSelector, id));
    next: for (const identity of identities) {
        for (const test of constraint) if (!test(identity)) continue next;
        if (notSelector && matchesEndpointSelector(notSelector, identity)) continue;
        return true;
    }
    return false;
}

/** Whether the entity's selectors pick this identity: its positive selector, or its notSelector (to exclude it). */
export function entitySelectorsPick(model: ClusterModel, entity: EntityMatch, identity: Identity): boolean {
    const constraint = entityConstraint(model, entity);
    return (
        (constraint.length > 0 && someHoldsAll(constraint, [identity])) ||
        (entity.notSelector !== undefined && matchesEndpointSelector(entity.notSelector, identity))
    );
}
