/**
 * The fast path for JSON manifests (`kubectl get -o json`, the API server's lists): JSON.parse is
 * far faster than a YAML parser on the same text and builds no syntax tree, which decides how long
 * a 100,000-object cluster takes to load. JSON.parse keeps the last of duplicate keys where kubectl
 * (strict field validation, its default) refuses them: such text is left to the YAML reader, which
 * names the key and line.
 */

/**
 * A JSON text's value, or undefined when `text` is not JSON or may hold a duplicate key (the
 * caller then reads it as YAML, which reports errors with their line).
 */
export function readJson(text: string): { value: unknown } | undefined {
    if (!/^\s*[{[]/.test(text)) return undefined;
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return undefined;
    }
    // Every key ends with a quote right before a colon (white space there, which printers do not
    // write, sends the text to the YAML reader), so the text has at least as many `":` as keys; as
    // many as the parsed objects have keys means no key was dropped as a duplicate. (A `\":` inside
    // a string counts too and merely costs the fast path.)
    if (/"[ \t\r\n]+:/.test(text)) return undefined;
    return keyPlaces(text) === parsedKeys(value) ? { value } : undefined;
}

function keyPlaces(text: string): number {
    let count = 0;
    for (let at = text.indexOf('":'); at !== -1; at = text.indexOf('":', at + 2)) count++;
    return count;
}

/** Keys of every map inside `value`; a stack of the maps and lists still to visit (JSON nests deeper than the call stack). */
function parsedKeys(value: unknown): number {
    let count = 0;
    const pending: object[] = typeof value === "object" && value !== null ? [value] : [];
    while (pending.length) {
        const next = pending.pop()!;
        if (Array.isArray(next)) {
            for (let i = 0; i < next.length; i++) {
                const item: unknown = next[i];
                if (typeof item === "object" && item !== null) pending.push(item);
            }
            continue;
        }
        for (const key in next) {
            count++;
            const item: unknown = (next as Record<string, unknown>)[key];
            if (typeof item === "object" && item !== null) pending.push(item);
        }
    }
    return count;
}
