// Runs the pack's policies outside the Pulumi engine: over plain manifests (policy:check) or over
// the resources a program registers (tests under mocks). Builds the same args the policy server
// passes (getConfig with the policy-pack-config semantics, notApplicable) and collects violations.
import type {
    EnforcementLevel,
    Policies,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { KubeObject } from "../../analysis";
import { originOf } from "../../analysis";
import { describe, resourceOfObject, ResourceLike } from "./objects";

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** The resource (URN, or "Kind namespace/name (file)" for manifests) the violation is about, if any. */
    resource?: string;
    message: string;
}

/** The `--policy-pack-config` file format: policy name (or "all") -> level, or {enforcementLevel, ...settings}. */
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface RunOptions {
    config?: PackConfig;
    /** Shared settings for every policy, beneath what config gives a policy (policy:check's --calico-version). */
    shared?: Record<string, unknown>;
    /** Report every violation as advisory (e.g. for the lab's stages 1-2, which are not zero trust by design). */
    advisory?: boolean;
}

export interface RunResult {
    violations: Violation[];
    notApplicable: { policy: string; reason: string }[];
}

class NotApplicable extends Error {}

function levelOf(policy: { name: string; enforcementLevel?: EnforcementLevel }, options: RunOptions): EnforcementLevel {
    const pick = (entry: PackConfig[string] | undefined) => (typeof entry === "string" ? entry : entry?.enforcementLevel);
    let level = pick(options.config?.[policy.name]) ?? pick(options.config?.all) ?? policy.enforcementLevel ?? "advisory";
    if (level === "remediate") level = "mandatory";
    if (options.advisory && level === "mandatory") level = "advisory";
    return level;
}

function configOf(policy: { name: string }, options: RunOptions): Record<string, unknown> {
    const entry = options.config?.[policy.name];
    if (entry === undefined || typeof entry === "string") return { ...options.shared };
    const { enforcementLevel: _ignored, ...settings } = entry;
    return { ...options.shared, ...settings };
}

const isType = () => false;
const asType = () => undefined;

function asPolicyResource(resource: ResourceLike): PolicyResource {
    return {
        ...resource,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType,
        asType,
    };
}

const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => "validateStack" in p && typeof p.validateStack === "function";

export async function runPolicies(policies: Policies, resources: readonly ResourceLike[], options: RunOptions = {}): Promise<RunResult> {
    const result: RunResult = { violations: [], notApplicable: [] };
    const stackTags = new Map<string, string>();
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason ?? "not applicable");
    };
    const policyResources = resources.map(asPolicyResource);
    for (const policy of policies) {
        const enforcementLevel = levelOf(policy, options);
        if (enforcementLevel === "disabled") continue;
        const config = configOf(policy, options);
        const getConfig = <T extends object>() => config as T;
        const report = (resource?: string) => (message: string, urn?: string) => {
            result.violations.push({ policy: policy.name, enforcementLevel, message, ...((urn ?? resource) ? { resource: urn ?? resource } : {}) });
        };
        try {
            if (isStackPolicy(policy)) {
                const args: StackValidationArgs = { resources: policyResources, stackTags, getConfig, notApplicable };
                await policy.validateStack(args, report());
                continue;
            }
            const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
            for (const resource of policyResources) {
                const args: ResourceValidationArgs = {
                    type: resource.type,
                    props: resource.props,
                    urn: resource.urn,
                    name: resource.name,
                    opts: resource.opts,
                    stackTags,
                    isType,
                    asType,
                    getConfig,
                    notApplicable,
                };
                const reportViolation = report(resource.urn);
                for (const validate of validations) await validate(args, reportViolation);
            }
        } catch (error) {
            if (error instanceof NotApplicable) {
                result.notApplicable.push({ policy: policy.name, reason: error.message });
                continue;
            }
            throw error;
        }
    }
    return result;
}

/** Resources standing for plain objects, named "Kind namespace/name (file)". */
export function resourcesOfObjects(objects: readonly KubeObject[]): ResourceLike[] {
    return objects.map((object) => {
        const origin = originOf(object);
        const where = origin.file ? ` (${origin.file}${origin.document && origin.document > 1 ? ` document ${origin.document}` : ""})` : "";
        return resourceOfObject(object, `${describe(object)}${where}`);
    });
}

export const hasMandatory = (result: RunResult) => result.violations.some((v) => v.enforcementLevel === "mandatory");
