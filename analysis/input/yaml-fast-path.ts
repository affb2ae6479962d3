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
import { forgetPrintedTexts, NOT_READ, printedTextReadable, readPrintedDocument } from "./yaml-printed";
import { addPair, NOT_FAST, plainKeyName, resolvePlain } from "./yaml-values";

/** Deeper than this, the careful reader reads (js-yaml's parser recurses per level). */
const MAX_DEPTH = 1_000;

/**
 * Text the two libraries read differently, all rare in manifests: a tab opening a line (`\tyes`: the
 * `yaml` library refuses it, "Tabs are not allowed as indentation", js-yaml reads on; a tab after
 * spaces, as in a Makefile inside a block scalar, both read alike or js-yaml refuses too, except on a
 * line of white space only, which js-yaml passes over after a block scalar), a document end marker `...` (the `yaml` library counts an empty document after it, js-yaml none), a
 * line starting with `%` (a directive, or an error: js-yaml passes over directives it does not know),
 * a block scalar's indentation indicator (`|2`: at the top level the two count from different
 * columns) or keep chomping (`|+`: the two keep different line breaks at the end of the text), a
 * byte order mark (js-yaml keeps one inside the text as a character).
 */
const READ_DIFFERENTLY = /^\.\.\.(?:[ \t\r\n]|$)|^%|[|>](?:[+-]?[1-9]|[1-9]?\+)|\uFEFF/m;
/** The tabs of READ_DIFFERENTLY, looked for only in a text that has a tab (a pattern at every line's start costs a tenth of the reading). */
const TABS_READ_DIFFERENTLY = /^\t|^ +\t[ \t]*$/m;
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
    return event.style === SCALAR_STYLE.PLAIN ? plainKeyName(text) : text;
}

/** A scalar's value: a plain one resolved as YAML 1.1, any other a string. */
function valueOf(event: ScalarEvent, source: string): unknown {
    if (event.valueStart === -1) return event.style === SCALAR_STYLE.PLAIN ? null : "";
    const text = event.fast ? source.slice(event.valueStart, event.valueEnd) : getScalarValue(source, event);
    return event.style === SCALAR_STYLE.PLAIN ? resolvePlain(text) : text;
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

/** Documents left to js-yaml's path are read in batches of about this many characters: its events (~100 bytes per node) are held for one batch only. */
export const BATCH_CHARS = 1 << 16;
/** A document start marker `---` at the start of a line: the \n before it. */
const DOCUMENT_START = /\n---(?=[ \t\r\n]|$)/g;

export interface FastReading {
    /** See BATCH_CHARS (the tests cut at every document). */
    batchChars?: number;
    /** Whether documents in the printers' block forms are read by yaml-printed.ts (default); false: js-yaml's path reads every document (the tests hold both to the careful reader). */
    printed?: boolean;
}

/**
 * Every document's value of `text` (undefined for an empty document), or undefined when the text
 * holds something the fast path leaves to the careful reader (see the module comment) or is not
 * valid YAML. Never throws for any input. Documents are cut at `---` lines (YAML forbids them
 * inside a scalar); each is read by yaml-printed.ts when it can, else by js-yaml's events, in
 * batches of consecutive documents.
 */
export function readYamlFast(text: string, { batchChars = BATCH_CHARS, printed = true }: FastReading = {}): unknown[] | undefined {
    if (READ_DIFFERENTLY.test(text) || INDENTED_START.test(text) || (text.includes("\t") && TABS_READ_DIFFERENTLY.test(text))) return undefined;
    const readPrinted = printed && printedTextReadable(text);
    const documents: unknown[] = [];
    let pending = -1; // where the documents js-yaml's path has yet to read start
    const readPending = (stop: number): boolean => {
        const batch = text.slice(pending, stop);
        pending = -1;
        return construct(parseEvents(batch, { maxDepth: MAX_DEPTH }), batch, documents);
    };
    try {
        for (let start = 0; start < text.length; ) {
            DOCUMENT_START.lastIndex = start;
            const next = DOCUMENT_START.exec(text);
            const stop = next ? next.index + 1 : text.length;
            const value = readPrinted ? readPrintedDocument(text, start, stop) : NOT_READ;
            if (value !== NOT_READ) {
                if (pending >= 0 && !readPending(start)) return undefined;
                documents.push(value);
            } else {
                if (pending < 0) pending = start;
                if (stop - pending >= batchChars && !readPending(stop)) return undefined;
            }
            start = stop;
        }
        if (pending >= 0 && !readPending(text.length)) return undefined;
    } catch {
        return undefined;
    } finally {
        forgetPrintedTexts();
    }
    return documents;
}
