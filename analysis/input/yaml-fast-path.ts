/**
 * The fast path of the YAML reader: js-yaml's event parser, and values built from its events here
 * in one pass (no document model: about 15x faster than the `yaml` library's documents, in a
 * fraction of their memory), plain scalars resolved exactly as the careful reader (yaml-reader.ts:
 * the `yaml` library's YAML 1.1 schema without timestamps and sexagesimal numbers) resolves them.
 * js-yaml's own constructor (constructFromEvents with a schema of tags) was measured first: its
 * per-scalar dispatch and frame objects took 40 % of the reading time (issue 26).
 *
 * It reads only what it can read the same way: a text with a tag, an anchor, an alias, a directive,
 * a merge key (`<<`), a collection or null as a key, a duplicate key, nesting deeper than MAX_DEPTH,
 * a form the two libraries read differently (READ_DIFFERENTLY) or anything js-yaml refuses gets
 * undefined, and the careful reader decides (and words the error).
 * test/analysis/yaml-reader.test.ts holds the two readers to the same values and refusals.
 */
import { EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE } from "js-yaml";
import type { Event, ScalarEvent } from "js-yaml";

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

/** What resolvePlain and readKey return for a scalar the fast path leaves to the careful reader. */
const NOT_FAST = Symbol("left to the careful reader");

/**
 * The `yaml` library's YAML 1.1 resolution of a plain scalar, in its order (null, bool, int,
 * float, else a string), dispatched on the first character: most scalars of a manifest start with a
 * letter no YAML 1.1 tag starts with and are strings after one comparison. A plain `<<` (a merge key
 * or a value spelled like one) is NOT_FAST: merges are the careful reader's.
 */
function resolvePlain(text: string): unknown {
    if (text.length === 0) return null;
    const first = text.charCodeAt(0);
    switch (first) {
        case 0x7e /* ~ */:
        case 0x6e /* n */:
        case 0x4e /* N */:
            if (NULL.test(text)) return null;
            return FALSE.test(text) ? false : text;
        case 0x79 /* y */:
        case 0x59 /* Y */:
        case 0x74 /* t */:
        case 0x54 /* T */:
            return TRUE.test(text) ? true : text;
        case 0x66 /* f */:
        case 0x46 /* F */:
            return FALSE.test(text) ? false : text;
        case 0x6f /* o */:
        case 0x4f /* O */:
            return TRUE.test(text) ? true : FALSE.test(text) ? false : text;
        case 0x3c /* < */:
            return text === "<<" ? NOT_FAST : text;
        case 0x2d /* - */:
        case 0x2b /* + */:
        case 0x2e /* . */:
        case 0x65 /* e */:
        case 0x45 /* E */:
            return number(text);
        default:
            return first >= 0x30 && first <= 0x39 ? number(text) : text;
    }
}

/** int, then float, as the `yaml` library's YAML 1.1 tags try them ("e0" too: its exponent pattern needs no digit before the e; it reads NaN, go-yaml a string). */
function number(text: string): unknown {
    if (INT_BIN.test(text)) return integer(text, 2, 2);
    if (INT_OCT.test(text)) return integer(text, 1, 8);
    if (INT_DEC.test(text)) return integer(text, 0, 10);
    if (INT_HEX.test(text)) return integer(text, 2, 16);
    if (FLOAT_SPECIAL.test(text)) {
        if (text.slice(-3).toLowerCase() === "nan") return Number.NaN;
        return text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text.replace(/_/g, ""));
    return text;
}

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
 * A map key's property name as the `yaml` library's toJS writes it (String(key)), which is also the
 * name its duplicate check compares; NOT_FAST for a key the fast path leaves: a plain `<<`, a null
 * key (toJS writes "", the check compares "null"), or no key at all (`: a`, which js-yaml reads as
 * a null key).
 */
function keyOf(event: ScalarEvent, source: string): string | typeof NOT_FAST {
    if (event.valueStart === -1) return NOT_FAST;
    const text = event.fast ? source.slice(event.valueStart, event.valueEnd) : getScalarValue(source, event);
    if (event.style !== SCALAR_STYLE.PLAIN) return text;
    const key = resolvePlain(text);
    return typeof key === "string" ? key : key === null || key === NOT_FAST ? NOT_FAST : String(key);
}

/** A scalar's value: a plain one resolved as YAML 1.1, any other a string. */
function valueOf(event: ScalarEvent, source: string): unknown {
    if (event.valueStart === -1) return event.style === SCALAR_STYLE.PLAIN ? null : "";
    const text = event.fast ? source.slice(event.valueStart, event.valueEnd) : getScalarValue(source, event);
    return event.style === SCALAR_STYLE.PLAIN ? resolvePlain(text) : text;
}

/** `map[key] = value` as the `yaml` library's toJS does it (`__proto__` an own property); false when `key` is already there. */
function addPair(map: Record<string, unknown>, key: string, value: unknown): boolean {
    if (Object.hasOwn(map, key)) return false;
    if (key === "__proto__") Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
    else map[key] = value;
    return true;
}

/**
 * The documents of one batch's events, built directly (no schema dispatch, no frame objects), into
 * `documents`; false as soon as an event holds what the fast path leaves to the careful reader: a
 * directive, a tag, an anchor, an alias, a collection as a key, a key keyOf refuses, a plain `<<`,
 * a duplicate key.
 *
 * The open collections are a stack: `open` the containers (undefined for the document), `pending`
 * for a map the key awaiting its value (undefined while a key is awaited).
 */
function construct(events: readonly Event[], source: string, documents: unknown[]): boolean {
    const open: (Record<string, unknown> | unknown[] | undefined)[] = [];
    const pending: (string | undefined)[] = [];
    let documentValue: unknown;
    for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        let value: unknown;
        switch (event.type) {
            case EVENT_ID.DOCUMENT:
                if (event.directives.length > 0) return false;
                open.push(undefined);
                pending.push(undefined);
                documentValue = undefined;
                continue;
            case EVENT_ID.POP:
                pending.pop();
                value = open.pop();
                if (value === undefined) {
                    documents.push(documentValue);
                    continue;
                }
                break;
            case EVENT_ID.SCALAR: {
                if (event.tagStart !== -1 || event.anchorStart !== -1) return false;
                const top = open.length - 1;
                const container = open[top];
                if (container !== undefined && !Array.isArray(container) && pending[top] === undefined) {
                    const key = keyOf(event, source);
                    if (key === NOT_FAST) return false;
                    pending[top] = key;
                    continue;
                }
                value = valueOf(event, source);
                if (value === NOT_FAST) return false;
                break;
            }
            case EVENT_ID.MAPPING:
            case EVENT_ID.SEQUENCE: {
                if (event.tagStart !== -1 || event.anchorStart !== -1) return false;
                const top = open.length - 1;
                const container = open[top];
                if (container !== undefined && !Array.isArray(container) && pending[top] === undefined) return false;
                open.push(event.type === EVENT_ID.MAPPING ? {} : []);
                pending.push(undefined);
                continue;
            }
            default:
                return false; // an alias
        }
        const top = open.length - 1;
        const container = open[top];
        if (container === undefined) documentValue = value;
        else if (Array.isArray(container)) container.push(value);
        else {
            if (!addPair(container, pending[top]!, value)) return false;
            pending[top] = undefined;
        }
    }
    return true;
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
            if (!construct(parseEvents(batch, { maxDepth: MAX_DEPTH }), batch, documents)) return undefined;
        }
    } catch {
        return undefined;
    }
    return documents;
}
