/**
 * Values as the careful reader (yaml-reader.ts: the `yaml` library's documents, YAML 1.1 schema
 * without timestamps and sexagesimal numbers, toJS) builds them, for the YAML reader's fast paths
 * (yaml-fast-path.ts, yaml-printed.ts): plain scalars resolved, map keys named, pairs added.
 */

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

/** What resolvePlain returns for a scalar the fast paths leave to the careful reader. */
export const NOT_FAST = Symbol("left to the careful reader");

/**
 * The `yaml` library's YAML 1.1 resolution of a plain scalar, in its order (null, bool, int,
 * float, else a string), dispatched on the first character: most scalars of a manifest start with a
 * letter no YAML 1.1 tag starts with and are strings after one comparison. A plain `<<` (a merge key
 * or a value spelled like one) is NOT_FAST: merges are the careful reader's.
 */
export function resolvePlain(text: string): unknown {
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
 * A plain map key's property name as the `yaml` library's toJS writes it (String(key)), which is
 * also the name its duplicate check compares; NOT_FAST for a key the fast paths leave: a plain `<<`
 * (a merge key) or a null key (toJS writes "", the check compares "null").
 */
export function plainKeyName(text: string): string | typeof NOT_FAST {
    const key = resolvePlain(text);
    return typeof key === "string" ? key : key === null || key === NOT_FAST ? NOT_FAST : String(key);
}

/** `map[key] = value` as the `yaml` library's toJS does it (`__proto__` an own property); false when `key` is already there (a duplicate: the careful reader's to refuse). */
export function addPair(map: Record<string, unknown>, key: string, value: unknown): boolean {
    if (Object.hasOwn(map, key)) return false;
    if (key === "__proto__") Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
    else map[key] = value;
    return true;
}
