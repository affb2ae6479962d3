/**
 * The YAML reader's first path: one document of block YAML in the forms that printers write
 * (`kubectl get -o yaml` and Helm through go-yaml, js-yaml's dump, the `yaml` library's stringify):
 * block maps and lists (a list under a key indented or not, `- key: value` items), plain scalars
 * on one line, quoted scalars and keys on one line without escapes, `{}` and `[]`, literal block
 * scalars (`|`, `|-`), blank and comment lines. Read in one pass over the characters, values built as the
 * careful reader builds them (yaml-values.ts), about 3x faster than js-yaml's event parser, which
 * alone reads about 25 MB/s and made a 100 MB cluster's YAML take twice as long to load as its JSON
 * (issue 26; no library read faster: the `yaml` library's lexer alone reads about 6 MB/s).
 *
 * Anything else in a document returns NOT_READ at once and js-yaml's path reads that document:
 * flow collections with content, multi-line plain or quoted scalars, escapes, folded scalars, tags,
 * anchors, aliases, `?` keys, trailing comments, tabs in indentation, a duplicate key, a
 * null or merge key, nesting deeper than MAX_NESTING, and every error. Whether a text may be read
 * here at all is printedTextReadable's to say (line breaks and characters YAML treats apart).
 * test/analysis/yaml-reader.test.ts holds this path to the careful reader's values.
 */
import { addPair, NOT_FAST, plainKeyName, resolvePlain } from "./yaml-values";

/** What readPrintedDocument returns for a document it leaves to js-yaml's path. */
export const NOT_READ = Symbol("not printed block YAML");

/** Deeper than this, js-yaml's path reads the document (the functions below recurse per level). */
const MAX_NESTING = 100;
/** The longest implicit key YAML allows is 1,024 characters; longer ones are left to js-yaml's path. */
const MAX_KEY = 1_000;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const QUOTE = 39;
const DOUBLE_QUOTE = 34;
const DASH = 45;
const COLON = 58;
const BACKSLASH = 92;
const PIPE = 124;
const TAB = 9;

/** Characters that cannot open a plain scalar or a plain key here (YAML's indicators; `-` only with a space after it). */
const INDICATOR = new Uint8Array(128);
for (const c of "-?:,[]{}#&*!|>'\"%@`") INDICATOR[c.charCodeAt(0)] = 1;

/**
 * A text the printed path may read: no carriage return, no character YAML refuses or treats as a
 * line break (NEL, LS, PS) and no surrogate (js-yaml's and the `yaml` library's checks of them
 * differ in corners); any other text goes whole to js-yaml's path.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters YAML refuses are what this looks for
const UNREADABLE = /[\r\uFEFF\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Whether readPrintedDocument may be used on `text` at all. */
export function printedTextReadable(text: string): boolean {
    return !UNREADABLE.test(text);
}

// The document being read: its text, the end of the document in it, and the reading position
// (at the start of a line between calls, unless a function says otherwise). Reset after each document.
let src = "";
let end = 0;
let pos = 0;

/**
 * The value of the document at `text[start, stop)` (an optional `---` line, then one block map or
 * list; `stop` just after a line break or at the end of the text), or NOT_READ. Never throws.
 */
export function readPrintedDocument(text: string, start: number, stop: number): unknown {
    src = text;
    end = stop;
    pos = start;
    try {
        if (text.startsWith("---", pos)) {
            let p = pos + 3;
            while (p < end && src.charCodeAt(p) === SPACE) p++;
            if (p < end && src.charCodeAt(p) !== NL) return NOT_READ;
            pos = p + 1;
        }
        const indent = nextContent();
        if (indent < 0) return NOT_READ; // an empty document, or a tab in the indentation
        const value = blockNode(indent, 0);
        if (value === NOT_READ || nextContent() !== -1) return NOT_READ;
        return value;
    } finally {
        src = "";
    }
}

/**
 * The indentation of the next line holding content, `pos` moved to that line's start (blank and
 * comment lines passed); -1 at the end of the document, -2 for a line whose indentation holds a tab.
 */
function nextContent(): number {
    while (pos < end) {
        let p = pos;
        while (p < end && src.charCodeAt(p) === SPACE) p++;
        if (p >= end) break;
        const c = src.charCodeAt(p);
        if (c === NL) {
            pos = p + 1;
            continue;
        }
        if (c === HASH) {
            pos = lineAfter(p);
            continue;
        }
        if (c === TAB) return -2;
        return p - pos;
    }
    pos = end;
    return -1;
}

/** The start of the line after the one holding `p` (or the end of the document). */
function lineAfter(p: number): number {
    const nl = src.indexOf("\n", p);
    return nl === -1 || nl >= end ? end : nl + 1;
}

const blankAt = (p: number) => p >= end || src.charCodeAt(p) === SPACE || src.charCodeAt(p) === NL;

/** A block map or list whose first line (at `pos`) is indented by `indent`. */
function blockNode(indent: number, depth: number): unknown {
    if (depth > MAX_NESTING) return NOT_READ;
    const first = pos + indent;
    if (src.charCodeAt(first) === DASH && blankAt(first + 1)) return blockList(indent, depth);
    return blockMap(indent, first, depth);
}

/** The name of the key keyEnd last found. */
let keyName = "";

/**
 * Where the key starting at `k` ends (its `:`, followed by a space or the line's end), its name left
 * in keyName; -1 when the line holds no key readable here: a plain key opened by an indicator, or
 * holding a tab or a comment, a quoted key with an escape or followed by anything but `: `, a plain
 * key the careful reader names apart (plainKeyName), a key longer than MAX_KEY.
 */
function keyEnd(k: number): number {
    const first = src.charCodeAt(k);
    if (first === QUOTE || first === DOUBLE_QUOTE) {
        const close = quoteEnd(k);
        if (close < 0 || src.charCodeAt(close + 1) !== COLON || !blankAt(close + 2) || close - k > MAX_KEY) return -1;
        keyName = quotedText(k, close);
        return close + 1;
    }
    if (first < 128 && INDICATOR[first] === 1) return -1;
    let hash = first;
    for (let p = k + 1; p < end; p++) {
        const c = src.charCodeAt(p);
        if (c === COLON) {
            if (!blankAt(p + 1)) {
                hash = (hash * 31 + c) | 0;
                continue;
            }
            if (p - k > MAX_KEY || src.charCodeAt(p - 1) === SPACE) return -1;
            const name = plainKey(k, p, hash);
            if (name === undefined) return -1;
            keyName = name;
            return p;
        }
        if (c === NL || c === TAB) return -1;
        if (c === HASH && src.charCodeAt(p - 1) === SPACE) return -1;
        hash = (hash * 31 + c) | 0;
    }
    return -1;
}

// Plain keys and plain values seen in the text, by a hash of their characters: the text and what it
// reads as (a key's name, undefined for a key plainKeyName refuses; a value resolved, NOT_FAST for
// one resolvePlain refuses). A manifest repeats a few hundred keys and many values (kinds, ports,
// protocols, namespaces); finding one here takes no new string and no resolving, and repeated
// values share one string. A key's name is the string V8 already stored a property under (it makes
// a key string its own on first use), so it is not hashed again: a fresh slice of the text per key
// cost a third of the reading (issue 26). Texts that do not repeat (a large ConfigMap's keys, names)
// only replace entries.
const SLOTS = 4096;
const keyTexts: (string | undefined)[] = new Array(SLOTS).fill(undefined);
const keyNames: (string | undefined)[] = new Array(SLOTS).fill(undefined);
const valueTexts: (string | undefined)[] = new Array(SLOTS).fill(undefined);
const values: unknown[] = new Array(SLOTS).fill(undefined);

/** Forgets the texts read so far (their strings hold the text they were cut from); readYamlFast calls it after each text. */
export function forgetPrintedTexts(): void {
    keyTexts.fill(undefined);
    keyNames.fill(undefined);
    valueTexts.fill(undefined);
    values.fill(undefined);
}

/** The name of the plain key `src[k, colon)`, whose characters hash to `hash`; undefined for a key plainKeyName refuses. */
function plainKey(k: number, colon: number, hash: number): string | undefined {
    const slot = hash & (SLOTS - 1);
    const known = keyTexts[slot];
    if (known !== undefined && known.length === colon - k && src.startsWith(known, k)) return keyNames[slot];
    const text = src.slice(k, colon);
    const name = plainKeyName(text);
    const value = name === NOT_FAST ? undefined : name;
    keyTexts[slot] = text;
    keyNames[slot] = value;
    return value;
}

/** The value of the plain scalar `src[p, stop)`, whose characters hash to `hash` (NOT_FAST for one resolvePlain refuses). */
function plainValue(p: number, stop: number, hash: number): unknown {
    const slot = hash & (SLOTS - 1);
    const known = valueTexts[slot];
    if (known !== undefined && known.length === stop - p && src.startsWith(known, p)) return values[slot];
    const text = src.slice(p, stop);
    const value = resolvePlain(text);
    valueTexts[slot] = text;
    values[slot] = value;
    return value;
}

/**
 * The closing quote of the one-line quoted scalar opened at `p` (single quotes doubled inside a
 * single-quoted one), or -1: it spans lines, or holds a backslash (double-quoted: an escape).
 */
function quoteEnd(p: number): number {
    const quote = src.charCodeAt(p);
    for (let q = p + 1; q < end; q++) {
        const c = src.charCodeAt(q);
        if (c === NL) return -1;
        if (c === quote) {
            if (quote === QUOTE && src.charCodeAt(q + 1) === QUOTE) {
                q++;
                continue;
            }
            return q;
        }
        if (c === BACKSLASH && quote === DOUBLE_QUOTE) return -1;
    }
    return -1;
}

/** The text of the quoted scalar from `open` to `close` (its quotes). */
function quotedText(open: number, close: number): string {
    const text = src.slice(open + 1, close);
    return src.charCodeAt(open) === QUOTE && text.includes("''") ? text.replaceAll("''", "'") : text;
}

/** A block map at column `indent` whose first key starts at `k` (the line's indentation, or after `- `). */
function blockMap(indent: number, k: number, depth: number): unknown {
    const map: Record<string, unknown> = {};
    for (;;) {
        const colon = keyEnd(k);
        if (colon < 0) return NOT_READ;
        const key = keyName;
        let p = colon + 1;
        while (p < end && src.charCodeAt(p) === SPACE) p++;
        let value: unknown;
        if (p >= end || src.charCodeAt(p) === NL) {
            pos = p + 1;
            const next = nextContent();
            if (next === -2) return NOT_READ;
            if (next > indent) value = blockNode(next, depth + 1);
            else if (next === indent && src.charCodeAt(pos + next) === DASH && blankAt(pos + next + 1)) value = blockList(next, depth + 1);
            else value = null;
        } else value = scalar(p, indent);
        if (value === NOT_READ || !addPair(map, key, value)) return NOT_READ;
        const next = nextContent();
        if (next === -1 || (next >= 0 && next < indent)) return map;
        if (next !== indent) return NOT_READ;
        k = pos + indent;
    }
}

/** A block list whose `-` lines are indented by `indent` (the first at `pos`). */
function blockList(indent: number, depth: number): unknown {
    const list: unknown[] = [];
    for (;;) {
        const dash = pos + indent;
        let p = dash + 1;
        while (p < end && src.charCodeAt(p) === SPACE) p++;
        let value: unknown;
        if (p >= end || src.charCodeAt(p) === NL) {
            pos = p + 1;
            const next = nextContent();
            if (next === -2) return NOT_READ;
            value = next > indent ? blockNode(next, depth + 1) : null;
        } else if (depth + 1 > MAX_NESTING) return NOT_READ;
        else if (src.charCodeAt(p) === DASH && blankAt(p + 1))
            value = blockList(p - pos, depth + 1); // `- - a`: a list in a list, from this line
        else if (keyEnd(p) >= 0)
            value = blockMap(p - pos, p, depth + 1); // `- a: 1`: a map in a list, from this line
        else value = scalar(p, indent);
        if (value === NOT_READ) return NOT_READ;
        list.push(value);
        const next = nextContent();
        if (next === -1 || (next >= 0 && next < indent)) return list;
        if (next !== indent) return NOT_READ;
        const at = pos + indent;
        if (src.charCodeAt(at) !== DASH || !blankAt(at + 1)) return list; // a key of the map this list is the value of
    }
}

/**
 * The scalar (or `{}`, `[]`) starting at `p` on the current line, the value of a key or a list item
 * owned by column `owner`; `pos` is left at the start of the next line holding content, which must
 * not be indented deeper than `owner` (that would continue a plain scalar, or be an error).
 */
function scalar(p: number, owner: number): unknown {
    const c = src.charCodeAt(p);
    let value: unknown;
    if (c === PIPE) value = literal(p, owner);
    else if (c === QUOTE || c === DOUBLE_QUOTE) value = quoted(p);
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) value = emptyCollection(p, c);
    else if (c < 128 && INDICATOR[c] === 1 && (c !== DASH || blankAt(p + 1))) return NOT_READ;
    else value = plain(p);
    if (value === NOT_READ) return NOT_READ;
    const next = nextContent();
    return next === -2 || next > owner ? NOT_READ : value;
}

/** The rest of the line from `p` holds only spaces: `pos` moves to the next line. */
function restIsBlank(p: number): boolean {
    while (p < end && src.charCodeAt(p) === SPACE) p++;
    if (p < end && src.charCodeAt(p) !== NL) return false;
    pos = p + 1;
    return true;
}

function plain(p: number): unknown {
    let last = p;
    let hash = 0;
    let hashToLast = 0; // the hash of the characters up to `last` (trailing spaces are not the scalar's)
    let q = p;
    for (; q < end; q++) {
        const c = src.charCodeAt(q);
        if (c === NL) break;
        if (c === COLON) {
            if (blankAt(q + 1)) return NOT_READ; // `a: b: c`, or a key ending the line
        } else if (c === HASH) {
            if (src.charCodeAt(q - 1) === SPACE) return NOT_READ; // a trailing comment
        } else if (c === TAB) return NOT_READ;
        hash = (hash * 31 + c) | 0;
        if (c !== SPACE) {
            last = q + 1;
            hashToLast = hash;
        }
    }
    pos = q + 1;
    const value = plainValue(p, last, hashToLast);
    return value === NOT_FAST ? NOT_READ : value;
}

function quoted(p: number): unknown {
    const close = quoteEnd(p);
    return close >= 0 && restIsBlank(close + 1) ? quotedText(p, close) : NOT_READ;
}

function emptyCollection(p: number, open: number): unknown {
    const close = open === 0x7b ? 0x7d : 0x5d;
    if (src.charCodeAt(p + 1) !== close || !restIsBlank(p + 2)) return NOT_READ;
    return open === 0x7b ? {} : [];
}

/**
 * A literal block scalar (`|` keeps one final line break, `|-` none) at `p`, owned by column
 * `owner`: its lines are those indented as deep as its first line (which must be deeper than
 * `owner`) and the empty lines among them; the indentation is dropped, the lines kept as they are.
 */
function literal(p: number, owner: number): unknown {
    let strip = false;
    let q = p + 1;
    if (src.charCodeAt(q) === DASH) {
        strip = true;
        q++;
    }
    if (q < end && src.charCodeAt(q) !== NL) return NOT_READ; // a header with more in it, or a comment
    pos = q + 1;
    const lines: string[] = [];
    let kept = 0; // lines up to the last one with content
    let indent = -1;
    while (pos < end) {
        let s = pos;
        while (s < end && src.charCodeAt(s) === SPACE) s++;
        const nl = src.indexOf("\n", s);
        const lineEnd = nl === -1 || nl >= end ? end : nl;
        if (s === lineEnd) {
            // A line of spaces only: empty, unless deeper than the content (its spaces would be content: left to js-yaml's path).
            if (s - pos > Math.max(indent, 0)) return NOT_READ;
            lines.push("");
            pos = lineEnd + 1;
            continue;
        }
        if (indent < 0) {
            if (s - pos <= owner) break; // no content line: the value is empty
            indent = s - pos;
        } else if (s - pos < indent) break;
        if (lineEnd >= end) return NOT_READ; // the text ends without a line break
        lines.push(src.slice(pos + indent, lineEnd));
        kept = lines.length;
        pos = lineEnd + 1;
    }
    if (kept === 0) return "";
    const text = lines.length === kept ? lines.join("\n") : lines.slice(0, kept).join("\n");
    return strip ? text : `${text}\n`;
}
