/**
 * What a valid object is, in one place: the API server's schema (schema.ts), then the rules its
 * validation adds (semantics.ts). The analyzer's buildModel calls validateObjects, so `npm run
 * analyze`, `policy:check`, the pack inside `pulumi preview` and `npm run verify`'s read-back all
 * refuse the same objects. Kinds without a schema here are not the analyzer's to judge (neutral or
 * unknown kinds, see model.ts).
 */
import { CalicoRelease, calicoRelease } from "../model/calico-releases";
import { AnalysisInputError } from "../errors";
import { locate } from "../input/manifests";
import type { KubeObject } from "../types";
import { addressProblems } from "./addresses";
import { hasSchema, saveValidatorCodeCache, schemaProblem } from "./schema";
import { crossObjectProblems, semanticProblems } from "./semantics";

export { API_DEFAULTS, withApiDefaults } from "./defaults";
export { hasSchema } from "./schema";

/** Throws AnalysisInputError (file, document, object, key) for the first problem of `object`. */
export function validateObject(object: KubeObject, release: CalicoRelease = calicoRelease()): void {
    const problem =
        (hasSchema(object.apiVersion, object.kind) ? (schemaProblem(object) ?? semanticProblems(object, release)[0]) : undefined) ?? addressProblems(object)[0];
    if (problem) throw new AnalysisInputError(problem.message, locate(object, problem.key));
}

/** validateObject for each object, then the rules across objects (a nodePort belongs to one Service). */
export function validateObjects(objects: readonly KubeObject[], release: CalicoRelease = calicoRelease()): void {
    for (const object of objects) validateObject(object, release);
    saveValidatorCodeCache();
    const [first] = crossObjectProblems(objects);
    if (first) throw new AnalysisInputError(first[1].message, locate(first[0], first[1].key));
}
