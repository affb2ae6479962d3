/**
 * The fast path of the YAML reader: js-yaml's event parser and constructor (no document model: it
 * builds the values directly, about 15x faster than the `yaml` library's documents and a fraction
 * of their memory), with a schema that resolves plain scalars exactly as the careful reader
 * (yaml-reader.ts: the `yaml` library's YAML 1.1 schema without timestamps and sexagesimal numbers)
 * does.
 *
 * It reads only what it can read the same way: a text with a tag, an anchor, an alias, a directive,
 * a merge key (`<<`), a collection as a key, a duplicate key, nesting deeper than MAX_DEPTH, a form
 * the two libraries read differently (READ_DIFFERENTLY) or anything js-yaml refuses gets undefined,
 * and the careful reader decides (and words the error).
 * test/analysis/yaml-reader.test.ts holds the two readers to the same values and refusals.
 */
import { defineMappingTag, defineScalarTag, EVENT_ID, FAILSAFE_SCHEMA, NOT_RESOLVED, SCALAR_STYLE, constructFromEvents, parseEvents } from "js-yaml";
import type { Event } from "js-yaml";

/** Deeper than this, the careful reader reads (js-yaml's parser recurses per level). */
const MAX_DEPTH = 1_000;

// The `yaml` library's YAML 1.1 tags (node_modules/yaml/dist/schema/yaml-1.1/{bool,int,float}.js and
// common/null.js), tried in its order: null, true, false, binary, octal, decimal, hex, NaN/infinity,
// exponent, fraction. go-yaml v2's resolve.go reads the forms manifests hold the same (yes/on/y,
// 0777, 0x1F, 1_000); corners differ (`e0` is NaN here, a string there), and here is the careful reader's.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const INT_BIN = /^[-+]?0b[0-1_]+$/;
const INT_OCT = /^[-+]?0[0-7_]+$/;
const INT_DEC = /^[-+]?[0-9][0-9_]*$/;
const INT_HEX = /^[-+]?0x[0-9a-fA-F_]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/;

/** The `yaml` library's intResolve: sign, then the digits after `prefix` characters, underscores dropped. */
function integer(text: string, prefix: number, radix: number): number {
    const sign = text[0];
    const digits = text.substring(sign === "-" || sign === "+" ? prefix + 1 : prefix).replace(/_/g, "");
    const n = parseInt(digits, radix);
    return sign === "-" ? -1 * n : n;
}

// An explicit tag never reaches these (the fast path refuses tags), so `isExplicit` is not consulted.
const nullTag = defineScalarTag("tag:yaml.org,2002:null", {
    implicit: true,
    implicitFirstChars: ["", "~", "n", "N"],
    resolve: (text) => (NULL.test(text) ? null : NOT_RESOLVED),
    identify: (value) => value === null,
});
const boolTag = defineScalarTag("tag:yaml.org,2002:bool", {
    implicit: true,
    implicitFirstChars: [..."yYnNtTfFoO"],
    resolve: (text) => (TRUE.test(text) ? true : FALSE.test(text) ? false : NOT_RESOLVED),
    identify: (value) => typeof value === "boolean",
});
const intTag = defineScalarTag("tag:yaml.org,2002:int", {
    implicit: true,
    implicitFirstChars: [..."-+0123456789"],
    resolve: (text) =>
        INT_BIN.test(text)
            ? integer(text, 2, 2)
            : INT_OCT.test(text)
              ? integer(text, 1, 8)
              : INT_DEC.test(text)
                ? integer(text, 0, 10)
                : INT_HEX.test(text)
                  ? integer(text, 2, 16)
                  : NOT_RESOLVED,
    identify: (value) => Number.isInteger(value),
});
const floatTag = defineScalarTag("tag:yaml.org,2002:float", {
    // "e0" too: the `yaml` library's exponent pattern needs no digit before the e (it reads NaN; go-yaml a string).
    implicit: true,
    implicitFirstChars: [..."-+.0123456789eE"],
    resolve: (text) =>
        FLOAT_SPECIAL.test(text)
            ? text.slice(-3).toLowerCase() === "nan"
                ? NaN
                : text[0] === "-"
                  ? Number.NEGATIVE_INFINITY
                  : Number.POSITIVE_INFINITY
            : FLOAT_EXP.test(text) || FLOAT.test(text)
              ? parseFloat(text.replace(/_/g, ""))
              : NOT_RESOLVED,
    identify: (value) => typeof value === "number",
});

/**
 * One string per distinct text, flat: js-yaml returns a scalar as a slice of the text or as pieces
 * joined (quoted scalars), which V8 keeps as references into the text or as trees, and every later
 * comparison (`kind === "Deployment"`) walked them: building the model from such values took twice
 * as long as from JSON.parse's. Hashing a string for the Map flattens it; repeated texts (kinds,
 * namespaces, label keys) then share one string. Cleared after each text.
 */
const strings = new Map<string, string>();
function interned(text: string): string {
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
}
const strTag = defineScalarTag("tag:yaml.org,2002:str", { resolve: interned, identify: (value) => typeof value === "string" });

/** A plain `<<` (a merge key) becomes this key, which the map below refuses: merges are the careful reader's. */
const MERGE_KEY = Symbol("<<");
const mergeKeyTag = defineScalarTag("tag:calico-zt:merge-key", {
    implicit: true,
    implicitFirstChars: ["<"],
    resolve: (text) => (text === "<<" ? MERGE_KEY : NOT_RESOLVED),
    identify: () => false,
});

/** What the fast path could not read the careful reader's way (never shown: the careful reader words the error). */
const NOT_FAST = "left to the careful reader";

/** Maps that hold a null key (stored as ""), and maps that hold the key "" itself: the two are different keys to the careful reader's duplicate check. */
const nullKeyed = new WeakSet<object>();
const emptyKeyed = new WeakSet<object>();

/**
 * Maps as the `yaml` library's toJS builds them (addPairToJSMap): a null key is "", any other
 * scalar String(key), `__proto__` an own property. Duplicates are judged as the careful reader
 * judges them, by String(key) (so a null key is "null", and `1` and "1" are the same key); addPair
 * refuses them, so `has` (js-yaml's own duplicate check, and merges, which never reach here) says no.
 */
const mapTag = defineMappingTag<Record<string, unknown>>("tag:yaml.org,2002:map", {
    create: () => ({}),
    addPair: (map, key, value) => {
        let property: string;
        if (typeof key === "string") {
            property = key;
            if (key === "" ? emptyKeyed.has(map) : Object.hasOwn(map, key) || (key === "null" && nullKeyed.has(map))) return NOT_FAST;
            if (key === "") emptyKeyed.add(map);
        } else if (key === null) {
            property = "";
            if (nullKeyed.has(map) || Object.hasOwn(map, "null")) return NOT_FAST;
            nullKeyed.add(map);
        } else if (typeof key === "number" || typeof key === "boolean") {
            property = String(key);
            if (Object.hasOwn(map, property)) return NOT_FAST;
        } else {
            return NOT_FAST; // a collection, or the merge key
        }
        if (property === "__proto__") Object.defineProperty(map, property, { value, writable: true, enumerable: true, configurable: true });
        else map[property] = value;
        return "";
    },
    has: () => false,
    keys: (map) => Object.keys(map),
    get: (map, key) => map[String(key)],
    identify: () => false,
});

const SCHEMA = FAILSAFE_SCHEMA.withTags(strTag, nullTag, boolTag, intTag, floatTag, mergeKeyTag, mapTag);

/**
 * Text the two libraries read differently, all rare in manifests: a tab opening a line (`\tyes`: the
 * `yaml` library refuses it, "Tabs are not allowed as indentation", js-yaml reads on; a tab after
 * spaces, as in a Makefile inside a block scalar, both read alike or js-yaml refuses too), a
 * document end marker `...` (the `yaml` library counts an empty document after it, js-yaml none), a
 * line starting with `%` (a directive, or an error: js-yaml passes over directives it does not know),
 * a block scalar's indentation indicator (`|2`: at the top level the two count from different
 * columns) or keep chomping (`|+`: the two keep different line breaks at the end of the text), a
 * byte order mark (js-yaml keeps one inside the text as a character).
 */
const READ_DIFFERENTLY = /^\t|^\.\.\.(?:[ \t\r\n]|$)|^%|[|>](?:[+-]?[1-9]|[1-9]?\+)|\uFEFF/m;
/** An indented `---` opening the text: a plain scalar to the `yaml` library, a document start to js-yaml. */
const INDENTED_START = /^[ \t]+---(?:[ \t\r\n]|$)/;

/**
 * True when the events hold what the fast path leaves to the careful reader: a tag, an anchor, an
 * alias, a directive, or a key that is not a scalar written out (a collection, or nothing: `: a`,
 * which js-yaml reads as a null key). One pass, a stack of the open collections: for a map, how many
 * of its keys and values were seen (even: a key comes next), -1 for a list or document.
 */
function needsCarefulReader(events: readonly Event[]): boolean {
    const open: number[] = [];
    for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (event.type === EVENT_ID.POP) {
            open.pop();
            continue;
        }
        if (event.type === EVENT_ID.DOCUMENT) {
            if (event.directives.length > 0) return true;
            open.push(-1);
            continue;
        }
        if (event.type === EVENT_ID.ALIAS || event.tagStart !== -1 || event.anchorStart !== -1) return true;
        const top = open.length - 1;
        if (open[top]! >= 0) {
            const isKey = open[top]! % 2 === 0;
            open[top]!++;
            if (isKey && (event.type !== EVENT_ID.SCALAR || (event.valueStart === event.valueEnd && event.style === SCALAR_STYLE.PLAIN))) return true;
        }
        if (event.type === EVENT_ID.MAPPING) open.push(0);
        else if (event.type === EVENT_ID.SEQUENCE) open.push(-1);
    }
    return false;
}

/** Texts are read in batches of whole documents of about this many characters: the parser's events (~100 bytes per node) are held for one batch only. */
export const BATCH_CHARS = 1 << 16;
/** A document start marker `---` at the start of a line: the \n before it. */
const DOCUMENT_START = /\n---(?=[ \t\r\n]|$)/g;

/** Text of whole documents: `text` cut before a document start marker once a batch holds `batchChars` characters. */
function* batches(text: string, batchChars: number): Generator<string> {
    let start = 0;
    while (start < text.length) {
        DOCUMENT_START.lastIndex = start + batchChars - 1;
        const next = DOCUMENT_START.exec(text);
        const end = next ? next.index + 1 : text.length;
        yield text.slice(start, end);
        start = end;
    }
}

/**
 * Every document's value of `text` (undefined for an empty document), or undefined when the text
 * holds something the fast path leaves to the careful reader (see the module comment) or is not
 * valid YAML. Never throws for any input. `batchChars`: see BATCH_CHARS (the tests cut at every document).
 */
export function readYamlFast(text: string, batchChars = BATCH_CHARS): unknown[] | undefined {
    if (READ_DIFFERENTLY.test(text) || INDENTED_START.test(text)) return undefined;
    const documents: unknown[] = [];
    try {
        for (const batch of batches(text, batchChars)) {
            const events = parseEvents(batch, { maxDepth: MAX_DEPTH });
            if (needsCarefulReader(events)) return undefined;
            for (const document of constructFromEvents(events, { source: batch, schema: SCHEMA, maxAliases: 0 })) documents.push(document);
        }
    } catch {
        return undefined;
    } finally {
        strings.clear();
    }
    return documents;
}
