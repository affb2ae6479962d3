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

/**
 * A label selector as kubectl's `-l`/`--selector` writes it (apimachinery pkg/labels/selector.go
 * Parse): requirements joined by commas, each `key=value`, `key==value`, `key!=value`, `key in
 * (a,b)`, `key notin (a,b)`, `key` (exists) or `!key` (does not exist); `!=` and `notin` match a
 * missing label, as in a LabelSelector. The numeric `key>1` / `key<1` of that parser are refused:
 * no LabelSelector has them. `option` names where the text came from in errors.
 */
export function parseKubeSelectorText(text: string, option = "--selector"): KubeSelector {
    const tokens = [...text.matchAll(/\s*(==|!=|[!=(),<>]|[^\s!=(),<>]+)/gy)].map((m) => ({ text: m[1]!, at: m.index! + m[0].length - m[1]!.length }));
    const consumed = tokens.reduce((end, t) => Math.max(end, t.at + t.text.length), 0);
    const fail = (message: string, at: number): never => {
        throw new AnalysisInputError(
            `${option} ${JSON.stringify(text)}: ${message} at position ${at + 1} (kubectl's syntax: k=v, k!=v, k in (a,b), k notin (a,b), k, !k, joined by commas)`,
        );
    };
    if (text.slice(consumed).trim()) fail(`unexpected ${JSON.stringify(text.slice(consumed).trim())}`, consumed);
    const requirements: KubeRequirement[] = [];
    let i = 0;
    const peek = () => tokens[i];
    const next = (what: string) => tokens[i++] ?? fail(`expected ${what}, found the end`, text.length);
    const identifier = (what: string) => {
        const token = next(what);
        if (/^(==|!=|[!=(),<>])$/.test(token.text)) fail(`expected ${what}, found ${JSON.stringify(token.text)}`, token.at);
        return token;
    };
    const key = (token: { text: string; at: number }) => {
        if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/.test(token.text))
            fail(`${JSON.stringify(token.text)} is not a label key`, token.at);
        return token.text;
    };
    const value = (token: { text: string; at: number }) => {
        if (token.text.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(token.text))
            fail(`${JSON.stringify(token.text)} is not a label value`, token.at);
        return token.text;
    };
    if (!tokens.length) fail("an empty selector selects every workload: leave the option out instead", 0);
    while (i < tokens.length) {
        if (peek()!.text === "!") {
            i++;
            requirements.push({ key: key(identifier("a label key after !")), operator: "DoesNotExist" });
        } else {
            const name = key(identifier("a label key"));
            const operator = peek();
            if (!operator || operator.text === ",") requirements.push({ key: name, operator: "Exists" });
            else if (operator.text === "=" || operator.text === "==" || operator.text === "!=") {
                i++;
                const token = tokens[i]?.text === "," || i >= tokens.length ? { text: "", at: operator.at + operator.text.length } : identifier("a value");
                requirements.push({ key: name, operator: operator.text === "!=" ? "NotIn" : "In", values: [value(token)] });
            } else if (operator.text === "in" || operator.text === "notin") {
                i++;
                if (next("(").text !== "(") fail(`expected "(" after ${operator.text}`, tokens[i - 1]!.at);
                const values: string[] = [];
                for (;;) {
                    const token = next("a value or )");
                    if (token.text === ")" && !values.length) fail("expected at least one value", token.at);
                    if (token.text === ")") break;
                    if (token.text === ",") continue;
                    values.push(value(token));
                }
                requirements.push({ key: name, operator: operator.text === "in" ? "In" : "NotIn", values });
            } else if (operator.text === "<" || operator.text === ">")
                fail(`${JSON.stringify(operator.text)} compares numbers, which no LabelSelector (and so no pod selection) does`, operator.at);
            else fail(`expected =, ==, !=, in or notin after ${JSON.stringify(name)}, found ${JSON.stringify(operator.text)}`, operator.at);
        }
        if (i < tokens.length) {
            const comma = next(",");
            if (comma.text !== ",") fail(`expected "," between requirements, found ${JSON.stringify(comma.text)}`, comma.at);
            if (i >= tokens.length) fail("expected a requirement after the comma", text.length);
        }
    }
    return new ParsedKubeSelector(requirements);
}
