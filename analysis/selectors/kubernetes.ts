/**
 * Kubernetes LabelSelector (matchLabels AND matchExpressions), as in apimachinery
 * pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector: every requirement must hold;
 * an empty selector matches everything; NotIn and DoesNotExist match a missing label.
 */
import { AnalysisInputError, InputLocation } from "../errors";
import { Labels, ownLabel } from "../types";

export type KubeRequirement = { key: string; operator: "In" | "NotIn"; values: readonly string[] } | { key: string; operator: "Exists" | "DoesNotExist" };

export interface KubeSelector {
    readonly requirements: readonly KubeRequirement[];
    /** Canonical text, usable as a cache key. */
    readonly canonical: string;
}

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/**
 * Parses a LabelSelector object; `place.key` names the field for error messages (`place` may be a
 * function giving it, called only for an error: a large input's selectors are all valid).
 */
export function parseKubeSelector(raw: unknown, place: InputLocation | (() => InputLocation)): KubeSelector {
    if (raw === null || raw === undefined) return { requirements: [], canonical: "{}" };
    let located: InputLocation | undefined;
    const where = () => (located ??= typeof place === "function" ? place() : place);
    if (typeof raw !== "object" || Array.isArray(raw)) {
        throw new AnalysisInputError(`expected a label selector object ({matchLabels, matchExpressions}), got ${JSON.stringify(raw)}`, where());
    }
    const { matchLabels, matchExpressions } = raw as Record<string, unknown>;
    for (const field of Object.keys(raw)) {
        if (field !== "matchLabels" && field !== "matchExpressions") {
            throw new AnalysisInputError(`unknown field "${field}" in a label selector; accepted: matchLabels, matchExpressions`, where());
        }
    }
    const requirements: KubeRequirement[] = [];
    if (matchLabels !== undefined && matchLabels !== null) {
        if (typeof matchLabels !== "object" || Array.isArray(matchLabels)) {
            throw new AnalysisInputError("matchLabels must be a map of label to value", { ...where(), key: `${where().key}.matchLabels` });
        }
        for (const [key, value] of Object.entries(matchLabels)) {
            requirements.push({ key, operator: "In", values: [String(value)] });
        }
    }
    if (matchExpressions !== undefined && matchExpressions !== null) {
        if (!Array.isArray(matchExpressions)) {
            throw new AnalysisInputError("matchExpressions must be a list", { ...where(), key: `${where().key}.matchExpressions` });
        }
        matchExpressions.forEach((expression: any, i) => {
            const at = () => ({ ...where(), key: `${where().key}.matchExpressions[${i}]` });
            if (typeof expression?.key !== "string") throw new AnalysisInputError("missing key", at());
            const operator = expression.operator;
            if (!OPERATORS.includes(operator)) {
                throw new AnalysisInputError(`operator ${JSON.stringify(operator)} is not one of ${OPERATORS.join(", ")}`, at());
            }
            const values: unknown = expression.values ?? [];
            if (!Array.isArray(values)) throw new AnalysisInputError("values must be a list", at());
            if (operator === "In" || operator === "NotIn") {
                if (values.length === 0) throw new AnalysisInputError(`operator ${operator} needs a non-empty values list`, at());
                requirements.push({ key: expression.key, operator, values: values.map(String) });
            } else {
                if (values.length) throw new AnalysisInputError(`operator ${operator} takes no values`, at());
                requirements.push({ key: expression.key, operator });
            }
        });
    }
    return new ParsedKubeSelector(requirements);
}

/** The canonical text is written only when asked for (the analyzer itself never asks). */
class ParsedKubeSelector implements KubeSelector {
    private text: string | undefined;
    constructor(readonly requirements: readonly KubeRequirement[]) {}
    get canonical(): string {
        return (this.text ??=
            this.requirements
                .map((r) => ("values" in r ? `${r.key} ${r.operator} (${[...r.values].sort().join(",")})` : `${r.operator}(${r.key})`))
                .sort()
                .join(" && ") || "{}");
    }
}

export function matchesKubeSelector(selector: KubeSelector, labels: Labels): boolean {
    return selector.requirements.every((r) => {
        const value = ownLabel(labels, r.key);
        switch (r.operator) {
            case "In":
                return value !== undefined && r.values.includes(value);
            case "NotIn":
                return value === undefined || !r.values.includes(value);
            case "Exists":
                return value !== undefined;
            case "DoesNotExist":
                return value === undefined;
        }
    });
}
