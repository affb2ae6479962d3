// Helpers that turn "judge the cluster" functions into CrossGuard policies. A policy here is a
// plain @pulumi/policy object; these only wire the shared parts: objects from the stack's
// resources, the cluster view, settings with defaults, and bad input reported as a violation.
import type { PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { AnalysisInputError, KubeObject } from "../../analysis";
import { checkSettings, ClusterView, clusterView } from "./cluster";
import { SETTINGS, Settings, settingsOf } from "./config";
import { describe, objectsOfResources, urnOf } from "./objects";

export type Report = (message: string, about?: object) => void;

/** Reports against the URN of the resource that declared `about` (a KubeObject), when known. */
export function reporter(reportViolation: ReportViolation): Report {
    return (message, about) => {
        const urn = urnOf(about);
        if (urn) reportViolation(message, urn);
        else reportViolation(message);
    };
}

/** Bad input (an object the analyzer cannot read) fails the policy with an actionable message. */
export function cannotJudge(policy: string, error: AnalysisInputError): string {
    return `${policy} cannot judge this stack: ${error.message}. Fix the object named above; the analyzer refuses to guess what it means.`;
}

export function withInputErrors(policy: string, judge: (args: StackValidationArgs, report: ReportViolation) => void) {
    return (args: StackValidationArgs, reportViolation: ReportViolation): void => {
        try {
            judge(args, reportViolation);
        } catch (error) {
            if (!(error instanceof AnalysisInputError)) throw error;
            // Blame the object the analyzer named, when it is one of the stack's.
            const culprit = objectsOfResources(args.resources).find((o) => describe(o) === error.location.object);
            reporter(reportViolation)(cannotJudge(policy, error), culprit);
        }
    };
}

export interface ClusterPolicyDefinition extends Omit<StackValidationPolicy, "validateStack" | "configSchema"> {
    configSchema: PolicyConfigSchema;
    /** Judges the cluster view; returns nothing, reports violations. */
    judge(view: ClusterView, report: Report, args: StackValidationArgs): void;
}

/** A stack policy that judges the cluster the stack's Kubernetes and Calico objects describe. */
export function clusterPolicy(definition: ClusterPolicyDefinition): StackValidationPolicy {
    const { judge, ...policy } = definition;
    // Every policy that judges the cluster can be told the Calico release (--policy-pack-config), else the stack's.
    policy.configSchema = { ...policy.configSchema, properties: { calicoVersion: structuredClone(SETTINGS.calicoVersion), ...policy.configSchema.properties } };
    return {
        ...policy,
        validateStack: withInputErrors(policy.name, (args, reportViolation) => {
            const objects: KubeObject[] = objectsOfResources(args.resources);
            const settings = settingsOf<Settings>(args, policy.configSchema);
            checkSettings(settings);
            judge(clusterView(objects, settings), reporter(reportViolation), args);
        }),
    };
}
