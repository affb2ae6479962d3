/**
 * Calico selector language: tokenizer -> parser -> AST -> evaluator.
 *
 * Grammar (Calico docs `_selectors.mdx`; behaviour checked against projectcalico/calico
 * libcalico-go/lib/selector/{tokenizer/tokenizer.go,parser/parser.go}):
 *
 *   or        := and ( "||" and )*
 *   and       := operation ( "&&" operation )*
 *   operation := "!"* ( "all()" | "global()" | "has(" key ")" | "(" or ")"
 *                      | key ( "==" | "!=" | "contains" | "starts with" | "ends with" ) string
 *                      | key ( "in" | "not in" ) "{" [ string ( "," string )* ] "}" )
 *
 * Label keys are runs of [a-zA-Z0-9_./-]; strings use ' or " with no escapes. An empty selector
 * means all(). `!=` and `not in` also match an endpoint that lacks the label.
 */
import { ownLabel } from "../types";

export type SelectorNode =
    | { op: "all" }
    | { op: "global" }
    | { op: "has"; key: string }
    | { op: "==" | "!=" | "contains" | "starts with" | "ends with"; key: string; value: string }
    | { op: "in" | "not in"; key: string; values: readonly string[] }
    | { op: "not"; operand: SelectorNode }
    | { op: "and" | "or"; operands: readonly SelectorNode[] };

export interface CalicoSelector {
    readonly source: string;
    readonly root: SelectorNode;
    /** Canonical text, equal for equivalent spellings; usable as a cache key. */
    readonly canonical: string;
}

export class SelectorSyntaxError extends Error {
    constructor(
        readonly selector: string,
        readonly position: number,
        readonly problem: string,
    ) {
        super(`${problem} at position ${position + 1} in selector ${JSON.stringify(selector)}\n` + `  ${selector}\n  ${" ".repeat(position)}^`);
        this.name = "SelectorSyntaxError";
    }
}

type TokenKind =
    | "label"
    | "string"
    | "{"
    | "}"
    | ","
    | "("
    | ")"
    | "=="
    | "!="
    | "!"
    | "&&"
    | "||"
    | "in"
    | "not in"
    | "contains"
    | "starts with"
    | "ends with"
    | "all"
    | "global"
    | "has"
    | "eof";

interface Token {
    kind: TokenKind;
    value: string;
    position: number;
}

const LABEL_CHAR = /[A-Za-z0-9_./-]/;
const WHITESPACE = /[ \t\r\n]/;
const BINARY_WORD_OPERATORS: readonly ["not in" | "contains" | "starts with" | "ends with" | "in", string[]][] = [
    ["contains", ["contains"]],
    ["starts with", ["starts", "with"]],
    ["ends with", ["ends", "with"]],
    ["not in", ["not", "in"]],
    ["in", ["in"]],
];

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    const fail = (problem: string, at = i): never => {
        throw new SelectorSyntaxError(text, at, problem);
    };
    const skipSpace = () => {
        while (i < text.length && WHITESPACE.test(text[i]!)) i++;
    };
    const readLabel = (): string => {
        const start = i;
        while (i < text.length && LABEL_CHAR.test(text[i]!)) i++;
        return text.slice(start, i);
    };
    const readWord = (word: string): boolean => {
        if (!text.startsWith(word, i)) return false;
        const after = text[i + word.length];
        if (after !== undefined && LABEL_CHAR.test(after)) return false;
        i += word.length;
        return true;
    };
    for (;;) {
        skipSpace();
        const position = i;
        if (i >= text.length) {
            tokens.push({ kind: "eof", value: "", position });
            return tokens;
        }
        const c = text[i]!;
        const two = text.slice(i, i + 2);
        const push = (kind: TokenKind, value = "") => tokens.push({ kind, value, position });
        if ("(){},".includes(c)) {
            push(c as TokenKind);
            i++;
            continue;
        }
        if (two === "==" || two === "!=" || two === "&&" || two === "||") {
            push(two);
            i += 2;
            continue;
        }
        if (c === "!") {
            push("!");
            i++;
            continue;
        }
        if (c === "=" || c === "&" || c === "|") fail(`expected "${c}${c}"`);
        if (c === "'" || c === '"') {
            const end = text.indexOf(c, i + 1);
            if (end < 0) fail("unterminated string");
            push("string", text.slice(i + 1, end));
            i = end + 1;
            continue;
        }
        const previous = tokens[tokens.length - 1];
        if (previous?.kind === "label") {
            // After a label only an operator may follow (Calico's tokenizer does the same).
            const matched = BINARY_WORD_OPERATORS.find(([, words]) => {
                const save = i;
                for (const [n, word] of words.entries()) {
                    if (n > 0) skipSpace();
                    if (!readWord(word)) {
                        i = save;
                        return false;
                    }
                }
                return true;
            });
            if (!matched) fail(`expected an operator (==, !=, in, not in, contains, starts with, ends with) after label "${previous.value}"`);
            push(matched![0]);
            continue;
        }
        for (const fn of ["has", "all", "global"] as const) {
            if (text.startsWith(`${fn}(`, i)) {
                i += fn.length + 1;
                skipSpace();
                let key = "";
                if (fn === "has") {
                    key = readLabel();
                    if (!key) fail("expected a label name in has(");
                    skipSpace();
                }
                if (text[i] !== ")") fail(`expected ")" to close ${fn}(`);
                i++;
                push(fn, key);
                break;
            }
        }
        if (tokens[tokens.length - 1]?.position === position) continue;
        const label = readLabel();
        if (!label) fail(`unexpected character ${JSON.stringify(c)}`);
        push("label", label);
    }
}

/**
 * Deepest nesting of parentheses read. Calico's Go parser has no such limit, but a JavaScript stack
 * does: 500 levels is far beyond any real selector and far below the stack's depth.
 */
export const MAX_SELECTOR_NESTING = 500;

class Parser {
    private index = 0;
    private depth = 0;
    constructor(
        private readonly text: string,
        private readonly tokens: Token[],
    ) {}

    parse(): SelectorNode {
        if (this.peek().kind === "eof") return { op: "all" };
        const node = this.parseOr();
        const rest = this.peek();
        if (rest.kind !== "eof") this.fail(`unexpected ${describe(rest)} after a complete expression`, rest);
        return node;
    }

    private peek(): Token {
        return this.tokens[this.index]!;
    }
    private next(): Token {
        return this.tokens[this.index++]!;
    }
    private fail(problem: string, token = this.peek()): never {
        throw new SelectorSyntaxError(this.text, token.position, problem);
    }

    private parseOr(): SelectorNode {
        const operands = [this.parseAnd()];
        while (this.peek().kind === "||") {
            this.next();
            operands.push(this.parseAnd());
        }
        return operands.length === 1 ? operands[0]! : { op: "or", operands };
    }

    private parseAnd(): SelectorNode {
        const operands = [this.parseOperation()];
        while (this.peek().kind === "&&") {
            this.next();
            operands.push(this.parseOperation());
        }
        return operands.length === 1 ? operands[0]! : { op: "and", operands };
    }

    private parseOperation(): SelectorNode {
        let negated = false;
        while (this.peek().kind === "!") {
            this.next();
            negated = !negated;
        }
        const token = this.next();
        let node: SelectorNode;
        switch (token.kind) {
            case "all":
                node = { op: "all" };
                break;
            case "global":
                node = { op: "global" };
                break;
            case "has":
                node = { op: "has", key: token.value };
                break;
            case "(": {
                if (++this.depth > MAX_SELECTOR_NESTING) this.fail(`parentheses nested more than ${MAX_SELECTOR_NESTING} deep`, token);
                node = this.parseOr();
                this.depth--;
                if (this.peek().kind !== ")") this.fail(`expected ")" to close the "(" at position ${token.position + 1}`);
                this.next();
                break;
            }
            case "label":
                node = this.parseComparison(token.value);
                break;
            default:
                return this.fail(`expected a label, has(), all(), global(), "!" or "(" but found ${describe(token)}`, token);
        }
        return negated ? { op: "not", operand: node } : node;
    }

    private parseComparison(key: string): SelectorNode {
        const operator = this.next();
        switch (operator.kind) {
            case "==":
            case "!=":
            case "contains":
            case "starts with":
            case "ends with":
                return { op: operator.kind, key, value: this.expectString(operator) };
            case "in":
            case "not in": {
                if (this.peek().kind !== "{") this.fail(`expected "{" to start the set after "${operator.kind}"`);
                this.next();
                const values: string[] = [];
                while (this.peek().kind === "string") {
                    values.push(this.next().value);
                    if (this.peek().kind !== ",") break;
                    this.next();
                }
                if (this.peek().kind !== "}") this.fail(`expected a quoted string or "}" in the set`);
                this.next();
                return { op: operator.kind, key, values: [...new Set(values)].sort() };
            }
            default:
                return this.fail(`expected an operator after label "${key}" but found ${describe(operator)}`, operator);
        }
    }

    private expectString(operator: Token): string {
        const token = this.next();
        if (token.kind !== "string") {
            this.fail(`expected a quoted string after "${operator.kind}" but found ${describe(token)} (Calico requires quotes: key == 'value')`, token);
        }
        return token.value;
    }
}

function describe(token: Token): string {
    if (token.kind === "eof") return "the end of the selector";
    if (token.kind === "label") return `label ${JSON.stringify(token.value)}`;
    if (token.kind === "string") return `string ${JSON.stringify(token.value)}`;
    return `"${token.kind}"`;
}

const parsedCache = new Map<string, CalicoSelector>();

/** Parses a Calico selector; throws SelectorSyntaxError with the position of the problem. */
export function parseCalicoSelector(text: string): CalicoSelector {
    const cached = parsedCache.get(text);
    if (cached) return cached;
    const root = new Parser(text, tokenize(text)).parse();
    const selector = { source: text, root, canonical: render(root) };
    parsedCache.set(text, selector);
    return selector;
}

const quote = (s: string) => (s.includes("'") ? `"${s}"` : `'${s}'`);

export function render(node: SelectorNode): string {
    switch (node.op) {
        case "all":
            return "all()";
        case "global":
            return "global()";
        case "has":
            return `has(${node.key})`;
        case "in":
        case "not in":
            return `${node.key} ${node.op} {${node.values.map(quote).join(", ")}}`;
        case "not":
            return `!${wrap(node.operand)}`;
        case "and":
            return node.operands.map(wrap).join(" && ");
        case "or":
            return node.operands.map(render).join(" || ");
        default:
            return `${node.key} ${node.op} ${quote(node.value)}`;
    }
}

function wrap(node: SelectorNode): string {
    return node.op === "and" || node.op === "or" ? `(${render(node)})` : render(node);
}

/**
 * What a selector is evaluated against. `all()` and `global()` are parameters because their
 * meaning depends on where the selector is used: in a rule's namespaceSelector Calico rewrites
 * all() to has(projectcalico.org/namespace) and global() to !has(projectcalico.org/namespace)
 * (libcalico-go updateprocessors/rules.go getEndpointSelector).
 */
export interface SelectorSubject {
    labels: Readonly<Record<string, string>> | undefined;
    all: boolean;
    global: boolean;
}

const label = (subject: SelectorSubject, key: string) => ownLabel(subject.labels, key);

export function evaluate(node: SelectorNode, subject: SelectorSubject): boolean {
    switch (node.op) {
        case "all":
            return subject.all;
        case "global":
            return subject.global;
        case "has":
            return label(subject, node.key) !== undefined;
        case "==":
            return label(subject, node.key) === node.value;
        case "!=":
            return label(subject, node.key) !== node.value;
        case "contains":
            return label(subject, node.key)?.includes(node.value) ?? false;
        case "starts with":
            return label(subject, node.key)?.startsWith(node.value) ?? false;
        case "ends with":
            return label(subject, node.key)?.endsWith(node.value) ?? false;
        case "in": {
            const v = label(subject, node.key);
            return v !== undefined && node.values.includes(v);
        }
        case "not in": {
            const v = label(subject, node.key);
            return v === undefined || !node.values.includes(v);
        }
        case "not":
            return !evaluate(node.operand, subject);
        case "and": {
            for (const operand of node.operands) if (!evaluate(operand, subject)) return false;
            return true;
        }
        case "or": {
            for (const operand of node.operands) if (evaluate(operand, subject)) return true;
            return false;
        }
    }
}

/** Evaluates a selector against plain labels, with all() true and global() meaning "not namespaced". */
export function matchesLabels(selector: CalicoSelector, labels: Readonly<Record<string, string>>): boolean {
    return evaluate(selector.root, {
        labels,
        all: true,
        global: !Object.hasOwn(labels, "projectcalico.org/namespace"),
    });
}
