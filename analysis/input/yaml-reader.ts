/**
 * Multi-document YAML -> plain values, read the way kubectl reads manifests (sigs.k8s.io/yaml over
 * go-yaml v2, i.e. YAML 1.1 scalars: yes/no/on/off are booleans, 0777 is octal, `<<` merge keys are
 * honoured) and refused where kubectl refuses: duplicate keys (strict field validation, kubectl's
 * default), unresolved tags, undefined or self-containing aliases, non-scalar keys.
 *
 * Two readers, one answer: the fast path (yaml-fast-path.ts, js-yaml) reads a text without tags,
 * anchors, aliases, merge keys and errors, which is what kubectl and Helm print; every other text is
 * read by the careful reader below (the `yaml` library's documents: line numbers, merge keys, alias
 * checks) as a whole, which also words every error. The fast path reads about 15x faster in a fraction
 * of the memory; test/analysis/yaml-reader.test.ts proves the two give the same values and refusals.
 *
 * The careful reader is linear: the `yaml` library's own duplicate-key check (`uniqueKeys`) compares
 * each key with every earlier key of its map (quadratic: a ConfigMap of 40,000 keys took a minute),
 * so it is off and one pass over the parsed nodes checks keys with a Set per map.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, Node, parseAllDocuments, Scalar, ScalarTag, Tags } from "yaml";
import { AnalysisInputError, InputLocation } from "../errors";
import { readYamlFast } from "./yaml-fast-path";

export interface YamlDocument {
    /** 1-based index of the document in its source. */
    document: number;
    /** The document's value; undefined for an empty document (e.g. after a trailing `---`). */
    value: unknown;
}

/** YAML 1.1 tags kubectl does not resolve to JSON values (go-yaml v2 keeps these scalars as strings, e.g. a port range 80:90). */
const DROPPED_TAGS = new Set([
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
    "tag:yaml.org,2002:set",
]);
const kubectlTags = (tags: Tags): Tags => tags.filter((tag) => typeof tag === "string" || (!DROPPED_TAGS.has(tag.tag) && (tag as ScalarTag).format !== "TIME"));

const OPTIONS = { version: "1.1", merge: true, uniqueKeys: false, customTags: kubectlTags, prettyErrors: true, keepSourceTokens: false } as const;

/**
 * Parses every document of `text`. Throws AnalysisInputError naming `source`, the document and the
 * line for invalid YAML, duplicate keys, unresolved tags, bad aliases and nesting too deep to read.
 */
export function readYamlDocuments(text: string, source: string): YamlDocument[] {
    const fast = readYamlFast(text);
    if (fast) return fast.map((value, i) => ({ document: i + 1, value }));
    return readYamlCarefully(text, source);
}

/** readYamlDocuments by the `yaml` library's documents alone (what reads every text the fast path leaves; exported for the differential test). */
export function readYamlCarefully(text: string, source: string): YamlDocument[] {
    let documents: Document[];
    try {
        documents = parseAllDocuments(text, OPTIONS) as unknown as Document[];
    } catch (error) {
        throw asInputError(error, { file: source });
    }
    const lines = lineIndex(text);
    return documents.map((document, i) => {
        const where: InputLocation = { file: source, document: i + 1 };
        const at = (offset: number | undefined): InputLocation => (offset === undefined ? where : { ...where, line: lines(offset) });
        const problem = document.errors[0];
        if (problem) throw new AnalysisInputError(`invalid YAML: ${firstLine(problem.message)}`, at(problem.pos[0]));
        const warning = document.warnings[0];
        if (warning) {
            const message = firstLine(warning.message);
            const tag = /^Unresolved tag: (\S+)/.exec(message)?.[1];
            throw new AnalysisInputError(
                tag
                    ? `unresolved YAML tag ${tag}: a value starting with "!" is a tag in YAML; quote it (e.g. selector: "${tag}${restOfValue(text, warning.pos[1])}")`
                    : `invalid YAML: ${message}`,
                at(warning.pos[0]),
            );
        }
        checkNodes(document, at);
        try {
            return { document: i + 1, value: document.toJS({ maxAliasCount: 10_000 }) };
        } catch (error) {
            throw asInputError(error, where);
        }
    });
}

const firstLine = (message: string) => message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");

/** The rest of the line after a tag, for the suggested fix. */
function restOfValue(text: string, end: number): string {
    const stop = text.indexOf("\n", end);
    return text
        .slice(end, stop === -1 ? undefined : stop)
        .replace(/\s+#.*$/, "")
        .trimEnd()
        .replace(/"/g, '\\"');
}

function asInputError(error: unknown, where: InputLocation): AnalysisInputError {
    if (error instanceof AnalysisInputError) return error;
    if (error instanceof RangeError) return new AnalysisInputError("YAML nested too deeply to read", where);
    if (error instanceof ReferenceError)
        return new AnalysisInputError(`invalid YAML alias: ${firstLine(error.message)} (define the anchor &name before using *name)`, where);
    if (error instanceof Error) return new AnalysisInputError(`invalid YAML: ${firstLine(error.message)}`, where);
    throw error;
}

/**
 * One pass over the document's nodes, iterative (deep documents cannot overflow the stack): keys are
 * scalars and unique per map (`1` and "1" are the same JSON key); then every alias must name an
 * anchor defined before it (the last such one counts) and not sit inside that anchor's own node
 * (go-yaml: "anchor value contains itself").
 */
function checkNodes(document: Document, at: (offset: number | undefined) => InputLocation): void {
    const anchors = new Map<string, Node[]>();
    const aliases: Alias[] = [];
    const stack: unknown[] = [document.contents];
    while (stack.length) {
        const node = stack.pop();
        if (isAlias(node)) {
            aliases.push(node);
            continue;
        }
        const anchor = (node as Node | undefined)?.anchor;
        if (anchor) anchors.set(anchor, [...(anchors.get(anchor) ?? []), node as Node]);
        if (isSeq(node)) {
            for (const item of node.items) stack.push(item);
            continue;
        }
        if (!isMap(node)) continue;
        const keys = new Set<string>();
        for (const pair of node.items) {
            if (!isPair(pair)) continue;
            const key = pair.key;
            stack.push(pair.value);
            if (isScalar(key) && isMergeKey(key)) continue;
            if (!isScalar(key)) throw new AnalysisInputError("a map key must be a plain value, not a list, map or alias", at(rangeOf(key)));
            const name = String(key.value);
            if (keys.has(name)) throw new AnalysisInputError(`duplicate key "${name}" (kubectl refuses duplicate fields)`, at(rangeOf(key)));
            keys.add(name);
        }
    }
    for (const list of anchors.values()) list.sort((a, b) => rangeOf(a)! - rangeOf(b)!);
    for (const alias of aliases) {
        const offset = rangeOf(alias) ?? 0;
        const candidates = (anchors.get(alias.source) ?? []).filter((node) => rangeOf(node)! < offset);
        const target = candidates[candidates.length - 1];
        if (!target) throw new AnalysisInputError(`YAML alias *${alias.source} has no anchor &${alias.source} before it`, at(offset));
        if (offset < target.range![2]) throw new AnalysisInputError(`YAML alias *${alias.source} is inside its own anchor &${alias.source}`, at(offset));
    }
}

const isMergeKey = (key: Scalar) => key.value === "<<" && (key.type === "PLAIN" || key.type === undefined);

const rangeOf = (node: unknown): number | undefined => (node as Node | undefined)?.range?.[0];

/** Offset -> 1-based line, by binary search over line starts (built once per text). */
function lineIndex(text: string): (offset: number) => number {
    let starts: number[] | undefined;
    return (offset) => {
        if (!starts) {
            starts = [0];
            for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
        }
        let low = 0,
            high = starts.length - 1;
        while (low < high) {
            const mid = (low + high + 1) >> 1;
            if (starts[mid]! <= offset) low = mid;
            else high = mid - 1;
        }
        return low + 1;
    };
}
