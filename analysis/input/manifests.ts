/** Reads multi-document YAML into plain Kubernetes/Calico objects, remembering where each came from. */
import { AnalysisInputError, InputLocation } from "../errors";
import { manifestFiles, readManifestFile } from "./input-files";
import { readJson } from "./json-reader";
import { BOOLEAN_HINT } from "../validation/schema";
import { readYamlDocuments } from "./yaml-reader";
import type { KubeObject, Protocol } from "../types";
import { PROTOCOLS } from "../types";

const origins = new WeakMap<object, InputLocation>();

/** The file and document an object was parsed from, if it was parsed by this module. */
export function originOf(object: object): InputLocation {
    return origins.get(object) ?? {};
}

/** `copy` (e.g. the object with API defaults filled in) keeps the origin of `original`. */
export function withOriginOf<T extends object>(copy: T, original: object): T {
    if (copy !== original) {
        const where = origins.get(original);
        if (where) origins.set(copy, where);
    }
    return copy;
}

/** Marks an object (read from elsewhere than a file: a cluster) as coming from `where`, for messages. */
export function withOrigin<T extends object>(object: T, where: InputLocation): T {
    origins.set(object, where);
    return object;
}

/** A short "Kind namespace/name" naming an object in messages. */
export function describeObject(object: KubeObject): string {
    const { namespace, name } = object.metadata ?? ({} as KubeObject["metadata"]);
    return `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** Location of a key inside an object, for AnalysisInputError. */
export function locate(object: KubeObject, key?: string): InputLocation {
    return { ...originOf(object), object: describeObject(object), ...(key ? { key } : {}) };
}

/** Objects of a multi-document YAML (or JSON) text, Lists unpacked. Throws AnalysisInputError naming `source`, the document, line and key. */
export function parseManifests(text: string, source: string): KubeObject[] {
    const objects: KubeObject[] = [];
    const json = readJson(text);
    if (json) {
        if (json.value !== null) collect(json.value, { file: source, document: 1 }, objects);
        return objects;
    }
    for (const { document, value } of readYamlDocuments(tabsInFlowCollectionsAsSpaces(text), source)) {
        if (value === null || value === undefined) continue; // empty document, e.g. a trailing "---"
        collect(value, { file: source, document }, objects);
    }
    return objects;
}

/**
 * kubectl's YAML reader (go-yaml) accepts tabs as white space inside a flow collection (`[` ... `]`,
 * `{` ... `}`) spanning lines, as YAML 1.2 allows there; the yaml package reports a line that starts
 * with a tab as bad indentation. Inside flow collections only, such a line's leading white space
 * becomes spaces, as deep as the previous line's: same document, no other change (block context
 * keeps its tabs and its error).
 */
export function tabsInFlowCollectionsAsSpaces(text: string): string {
    if (!text.includes("\t")) return text;
    const lines = text.split("\n");
    let depth = 0;
    let quote: string | undefined;
    let previousIndent = "";
    for (let n = 0; n < lines.length; n++) {
        let line = lines[n]!;
        const lead = /^[ \t]*/.exec(line)![0];
        if (depth > 0 && !quote && lead.includes("\t")) {
            line = `${previousIndent.length > 0 ? previousIndent : " "}${line.slice(lead.length)}`;
            lines[n] = line;
        }
        if (line.trim() !== "") previousIndent = /^ */.exec(line)![0];
        for (let i = 0; i < line.length; i++) {
            const c = line[i]!;
            if (quote) {
                if (c === quote) {
                    if (quote === "'" && line[i + 1] === "'") {
                        i++;
                        continue;
                    }
                    quote = undefined;
                } else if (c === "\\" && quote === '"') i++;
                continue;
            }
            if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) break;
            if (c === '"' || c === "'") {
                // A quote opens a quoted scalar only where a scalar starts (not inside a plain word like don't).
                if (depth > 0 || i === 0 || /[\s:,[{-]/.test(line[i - 1]!)) quote = c;
            } else if (c === "[" || c === "{") depth++;
            else if ((c === "]" || c === "}") && depth > 0) depth--;
        }
        if (depth === 0) quote = undefined; // quoted block scalars may span lines only in flow context here
    }
    return lines.join("\n");
}

/**
 * A list as kubectl and the API server print it: `kind: List` whose items carry their own apiVersion
 * and kind, or a typed list (`kind: PodList`, `apiVersion: v1`) whose items may omit both, as
 * `kubectl get --raw /api/v1/pods` prints them; such items are of the list's kind without "List".
 */
function listDefaults(object: Record<string, any>): { apiVersion?: string; kind?: string } | undefined {
    if (typeof object.kind !== "string" || !object.kind.endsWith("List") || !("items" in object)) return undefined;
    if (object.kind === "List") return {};
    return { apiVersion: object.apiVersion, kind: object.kind.slice(0, -"List".length) };
}

const isMap = (value: unknown): value is object => typeof value === "object" && value !== null && !Array.isArray(value);

function collect(value: unknown, where: InputLocation, into: KubeObject[], prefix = ""): void {
    const at = (key?: string) => (prefix || key ? { ...where, key: [prefix, key].filter(Boolean).join(".") } : where);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new AnalysisInputError(
            `expected a Kubernetes object (a map with apiVersion, kind, metadata), got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`,
            at(),
        );
    }
    const object = value as Record<string, any>;
    const defaults = listDefaults(object);
    if (defaults) {
        if (object.items === null || object.items === undefined) return; // an empty list as the API server prints it
        if (!Array.isArray(object.items))
            throw new AnalysisInputError(`${object.kind}: items must be a list, got ${JSON.stringify(object.items)}`, at("items"));
        const items: unknown[] = object.items;
        for (let i = 0; i < items.length; i++) {
            const item = items[i];
            // An item is copied only to fill in its list's apiVersion or kind (large Lists name both in every item).
            const addVersion = defaults.apiVersion !== undefined && isMap(item) && !("apiVersion" in item);
            const addKind = defaults.kind !== undefined && isMap(item) && !("kind" in item);
            const typed =
                addVersion || addKind
                    ? { ...(addVersion ? { apiVersion: defaults.apiVersion } : {}), ...(addKind ? { kind: defaults.kind } : {}), ...(item as object) }
                    : item;
            collect(typed, where, into, prefix ? `${prefix}.items[${i}]` : `items[${i}]`);
        }
        return;
    }
    for (const key of ["apiVersion", "kind"]) {
        if (typeof object[key] !== "string" || object[key] === "") {
            throw new AnalysisInputError(`missing or empty "${key}"`, at(key));
        }
    }
    if (typeof object.metadata?.name === "boolean") {
        throw new AnalysisInputError(`metadata.name is the boolean ${object.metadata.name}${BOOLEAN_HINT}`, at("metadata.name"));
    }
    if (typeof object.metadata?.name !== "string" || object.metadata.name === "") {
        throw new AnalysisInputError(`${object.kind} without metadata.name`, at("metadata.name"));
    }
    origins.set(object, where);
    into.push(object as KubeObject);
}

const JSON_FILE = /\.json$/i;

/**
 * Loads YAML or JSON files, or directories searched recursively for .yaml/.yml/.json files (sorted
 * by path). A JSON file found in a directory that is not a Kubernetes object or list (no top-level
 * "kind", e.g. a tool's report next to the manifests) is skipped; named explicitly, it is an error.
 */
export function loadManifests(paths: string[]): KubeObject[] {
    return manifestFiles(paths).flatMap(({ file, explicit }) => {
        const text = readManifestFile(file);
        if (!explicit && JSON_FILE.test(file) && !looksLikeKubernetesJson(text)) return [];
        return parseManifests(text, file);
    });
}

function looksLikeKubernetesJson(text: string): boolean {
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { kind?: unknown }).kind === "string";
    } catch {
        return true; // let the YAML reader report where it is malformed
    }
}

/** A port's protocol (TCP when unset); `key` (or a function giving it, called only for an error) names the field in the error. */
export function protocolOf(raw: unknown, object: KubeObject, key: string | (() => string)): Protocol {
    if (raw === undefined || raw === null) return "TCP";
    const upper = String(raw).toUpperCase();
    if (!(PROTOCOLS as readonly string[]).includes(upper)) {
        throw new AnalysisInputError(
            `protocol ${JSON.stringify(raw)} is not one of ${PROTOCOLS.join(", ")}`,
            locate(object, typeof key === "function" ? key() : key),
        );
    }
    return upper as Protocol;
}
