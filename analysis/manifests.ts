/** Reads multi-document YAML into plain Kubernetes/Calico objects, remembering where each came from. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { AnalysisInputError, InputLocation } from "./errors";
import type { KubeObject } from "./types";

const origins = new WeakMap<object, InputLocation>();

/** The file and document an object was parsed from, if it was parsed by this module. */
export function originOf(object: object): InputLocation {
    return origins.get(object) ?? {};
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

export function parseManifests(text: string, source: string): KubeObject[] {
    const objects: KubeObject[] = [];
    parseAllDocuments(text).forEach((document, i) => {
        const where: InputLocation = { file: source, document: i + 1 };
        const problem = document.errors[0];
        if (problem) {
            const line = problem.linePos?.[0];
            throw new AnalysisInputError(`invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ""}: ${problem.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`, where);
        }
        const value: unknown = document.toJS();
        if (value === null || value === undefined) return; // empty document, e.g. a trailing "---"
        collect(value, where, objects);
    });
    return objects;
}

function collect(value: unknown, where: InputLocation, into: KubeObject[]): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new AnalysisInputError(`expected a Kubernetes object (a map with apiVersion, kind, metadata), got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`, where);
    }
    const object = value as Record<string, any>;
    if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items)) {
        object.items.forEach((item: unknown) => collect(item, where, into));
        return;
    }
    for (const key of ["apiVersion", "kind"]) {
        if (typeof object[key] !== "string" || object[key] === "") {
            throw new AnalysisInputError(`missing or empty "${key}"`, { ...where, key });
        }
    }
    if (typeof object.metadata?.name !== "string" || object.metadata.name === "") {
        throw new AnalysisInputError(`${object.kind} without metadata.name`, { ...where, key: "metadata.name" });
    }
    origins.set(object, where);
    into.push(object as KubeObject);
}

const YAML_FILE = /\.ya?ml$/i;

/** Loads YAML files, or directories searched recursively for .yaml/.yml files (sorted by path). */
export function loadManifests(paths: string[]): KubeObject[] {
    return paths.flatMap((p) => yamlFilesUnder(p)).flatMap((file) => {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (error) {
            throw new AnalysisInputError(`cannot read: ${(error as Error).message}`, { file });
        }
        return parseManifests(text, file);
    });
}

function yamlFilesUnder(p: string): string[] {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(p);
    } catch {
        throw new AnalysisInputError("no such file or directory", { file: p });
    }
    if (!stat.isDirectory()) return [p];
    return fs.readdirSync(p, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((entry) => {
            const child = path.join(p, entry.name);
            if (entry.isDirectory()) return yamlFilesUnder(child);
            return YAML_FILE.test(entry.name) ? [child] : [];
        });
}
