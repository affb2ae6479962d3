// Validates a `--policy-pack-config` document (policy:check --config) the way the Pulumi CLI does
// before it runs a pack: every key is a policy of the pack or "all", every level one of Pulumi's
// enforcement levels, and every policy's settings valid against its configSchema (ajv, the JSON
// Schema library). Stricter than the CLI in one way: a setting the configSchema does not declare is
// refused too, because a misspelt setting would otherwise be ignored silently.
import Ajv from "ajv";
import type { Policies } from "@pulumi/policy";
import { AnalysisInputError } from "../../analysis";
import { keyOfPointer } from "../../analysis/validation/schema";
import type { PackConfig } from "./run";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

const ajv = new Ajv({ strict: false, allErrors: false, useDefaults: false });

/** Throws AnalysisInputError naming `source` and the offending key; returns the config, typed. */
export function checkPackConfig(value: unknown, policies: Policies, source: string): PackConfig {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new AnalysisInputError('the policy config must be a JSON object: {"<policy>": "<level>" | {"enforcementLevel": ..., "<setting>": ...}}', {
            file: source,
        });
    }
    const byName = new Map(policies.map((p) => [p.name, p]));
    const levels = ENFORCEMENT_LEVELS.map((l) => JSON.stringify(l)).join(", ");
    for (const [name, entry] of Object.entries(value)) {
        const policy = byName.get(name);
        if (!policy && name !== "all") {
            throw new AnalysisInputError(`unknown policy "${name}"; known: all, ${[...byName.keys()].join(", ")}`, { file: source, key: name });
        }
        if (typeof entry === "string") {
            if (!(ENFORCEMENT_LEVELS as readonly string[]).includes(entry)) {
                throw new AnalysisInputError(`enforcement level ${JSON.stringify(entry)} is not one of ${levels}`, { file: source, key: name });
            }
            continue;
        }
        const properties = { ...(policy?.configSchema?.properties ?? {}), enforcementLevel: { type: "string", enum: [...ENFORCEMENT_LEVELS] } };
        const schema = { type: "object", properties, required: policy?.configSchema?.required ?? [], additionalProperties: false };
        const validate = ajv.compile(schema);
        if (validate(entry)) continue;
        const error = validate.errors![0]!;
        const params = error.params as Record<string, unknown>;
        const field = error.keyword === "additionalProperties" ? `.${String(params.additionalProperty)}` : "";
        const at = `${name}${keyOfPointer(error.instancePath) ? `.${keyOfPointer(error.instancePath)}` : ""}${field}`;
        const message =
            error.keyword === "additionalProperties"
                ? `unknown setting "${String(params.additionalProperty)}"; ${name === "all" ? '"all" takes only enforcementLevel' : `${name} takes: ${Object.keys(properties).sort().join(", ")}`}`
                : error.keyword === "enum" && error.instancePath === "/enforcementLevel"
                  ? `enforcement level ${JSON.stringify((entry as Record<string, unknown>).enforcementLevel)} is not one of ${levels}`
                  : `${JSON.stringify(valueAt(entry, error.instancePath))} ${error.message ?? "is invalid"}${error.keyword === "enum" ? `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` : ""}`;
        throw new AnalysisInputError(message, { file: source, key: at });
    }
    return value as PackConfig;
}

function valueAt(root: unknown, pointer: string): unknown {
    return pointer
        .split("/")
        .slice(1)
        .reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], root);
}
