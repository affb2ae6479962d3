// Calico selector grammar: Calico docs `_includes/content/_selectors.mdx`; behaviour of
// projectcalico/calico libcalico-go/lib/selector/{tokenizer,parser}.
import { describe, expect, it } from "vitest";
import { matchesKubeSelector, matchesLabels, parseCalicoSelector, parseKubeSelector, SelectorSyntaxError } from "../../analysis";

const labels = { app: "web", tier: "frontend", "kubernetes.io/hostname": "node-1", version: "v1.2" };
const matches = (selector: string, on: Record<string, string> = labels) => matchesLabels(parseCalicoSelector(selector), on);

describe("Calico selectors", () => {
    it.each([
        ["app == 'web'", true],
        ['app == "web"', true],
        ["app == 'api'", false],
        ["app != 'api'", true],
        ["missing != 'x'", true], // != matches an endpoint without the label
        ["app in {'web', 'api'}", true],
        ["app in {}", false],
        ["app not in {'api'}", true],
        ["missing not in {'x'}", true], // not in matches an endpoint without the label
        ["missing in {'x'}", false],
        ["has(app)", true],
        ["!has(app)", false],
        ["has(kubernetes.io/hostname)", true],
        ["app contains 'e'", true],
        ["version starts with 'v1'", true],
        ["version ends with '.2'", true],
        ["missing contains ''", false],
        ["all()", true],
        ["", true], // empty selector = all()
        ["global()", true], // plain labels without projectcalico.org/namespace are not namespaced
        ["app == 'web' && tier == 'backend'", false],
        ["app == 'api' || tier == 'frontend'", true],
        ["!(app == 'web' && tier == 'backend')", true],
        ["!!has(app)", true],
        ["app == 'api' || tier == 'frontend' && app == 'x'", false], // && binds tighter than ||
        ["(app == 'api' || tier == 'frontend') && app == 'web'", true],
        ["! app == 'web'", false],
    ])("%s -> %s", (selector, expected) => {
        expect(matches(selector)).toBe(expected);
    });

    it.each([
        ["app == web", 7, "expected a quoted string"], // the lab's shell-quoting bug
        ["app = 'web'", 4, 'expected "=="'],
        ["app == 'web", 7, "unterminated string"],
        ["(app == 'web'", 13, 'expected ")"'],
        ["app == 'web' &&", 15, "expected a label"],
        ["app == 'web' & tier == 'x'", 13, 'expected "&&"'],
        ["has(app", 7, 'expected ")" to close has('],
        ["app in {'a' 'b'}", 12, 'expected a quoted string or "}"'],
        ["app likes 'x'", 4, "expected an operator"],
        ["app == 'web' tier", 13, "unexpected label"],
    ])("rejects %s with the position of the problem", (selector, column, problem) => {
        let error: unknown;
        try {
            parseCalicoSelector(selector);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SelectorSyntaxError);
        const syntax = error as SelectorSyntaxError;
        expect(syntax.message).toContain(problem);
        expect(syntax.position).toBe(column);
    });

    it("gives equivalent spellings the same canonical form (used as a cache key)", () => {
        expect(parseCalicoSelector("app in {'b','a'}").canonical).toBe(parseCalicoSelector('app in { "a", "b" }').canonical);
    });
});

describe("Kubernetes label selectors (apimachinery LabelSelectorAsSelector)", () => {
    const select = (raw: unknown, on: Record<string, string> = labels) => matchesKubeSelector(parseKubeSelector(raw, {}), on);
    it("matches everything when empty", () => expect(select({})).toBe(true));
    it("ANDs matchLabels and matchExpressions", () => {
        expect(select({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] })).toBe(true);
        expect(select({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["backend"] }] })).toBe(false);
    });
    it("NotIn and DoesNotExist match a missing label; Exists does not", () => {
        expect(select({ matchExpressions: [{ key: "missing", operator: "NotIn", values: ["x"] }] })).toBe(true);
        expect(select({ matchExpressions: [{ key: "missing", operator: "DoesNotExist" }] })).toBe(true);
        expect(select({ matchExpressions: [{ key: "missing", operator: "Exists" }] })).toBe(false);
    });
    it("rejects an unknown operator, naming the key", () => {
        expect(() => parseKubeSelector({ matchExpressions: [{ key: "a", operator: "Inn", values: ["x"] }] }, { key: "spec.podSelector" })).toThrow(
            /spec\.podSelector\.matchExpressions\[0\]: operator "Inn" is not one of In, NotIn, Exists, DoesNotExist/,
        );
    });
});
