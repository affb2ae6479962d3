// Mistakes the user fixes (a bad or unknown config key, a missing tool) reach them the way Pulumi
// reports a user error: the message alone, no "unhandled exception", no stack frames. Pulumi's
// Node.js runtime prints a pulumi.RunError's message only (@pulumi/pulumi cmd/run/run.ts,
// uncaughtHandler); every other error gets the program path and a stack trace.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT_NAME } from "./config";
import { CONFIG_KEYS } from "./scenarios/registry";
import { PrerequisiteError } from "./components/cluster/prerequisites";

/** A key under the project's namespace that the program does not read (a typo has no effect otherwise). */
export class UnknownConfigKeyError extends Error {
    constructor(readonly keys: string[]) {
        const lines = keys.map((key) => {
            const near = similarKeys(key);
            return `  - ${PROJECT_NAME}:${key}${near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : ""}; remove it with: pulumi config rm ${key}`;
        });
        super(
            `Unknown configuration key${keys.length > 1 ? "s" : ""}, not read by the program:\n${lines.join("\n")}\nThe keys are: ${Object.keys(CONFIG_KEYS).join(", ")} (Pulumi.yaml describes each).`,
        );
        this.name = "UnknownConfigKeyError";
    }
}

/** The project's keys in a stack's config (`project:key` -> value) that CONFIG_KEYS does not declare. */
export function unknownConfigKeys(all: Record<string, unknown>): string[] {
    const prefix = `${PROJECT_NAME}:`;
    return Object.keys(all)
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length))
        .filter((key) => !Object.hasOwn(CONFIG_KEYS, key))
        .sort();
}

/** Throws UnknownConfigKeyError when the stack sets a project key the program does not read. */
export function checkConfigKeys(all: Record<string, unknown> = pulumi.runtime.allConfig()): void {
    const unknown = unknownConfigKeys(all);
    if (unknown.length > 0) throw new UnknownConfigKeyError(unknown);
}

/** Declared keys a mistyped key probably meant: same letters in another case, one contains the other, or at most two edits apart. */
export function similarKeys(key: string): string[] {
    const wanted = key.toLowerCase();
    return Object.keys(CONFIG_KEYS).filter((known) => {
        const candidate = known.toLowerCase();
        return candidate.includes(wanted) || wanted.includes(candidate) || editDistance(candidate, wanted) <= 2;
    });
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** The user's mistake, as Pulumi shows a user error; `cause` keeps the original (ConfigError ...). */
export class LabUserError extends pulumi.RunError {
    constructor(readonly cause: Error) {
        super(cause.message);
        this.name = cause.name;
    }
}

function isUserMistake(error: unknown): error is Error {
    return error instanceof ConfigError || error instanceof PrerequisiteError || error instanceof UnknownConfigKeyError;
}

/**
 * Runs the program's start-up (config, prerequisites, resources) and rethrows the user's own
 * mistakes as LabUserError, which Pulumi prints as a message without stack frames. Other errors
 * (bugs) pass through unchanged, with their stack.
 */
export function reportUserErrors<T>(start: () => T): T {
    try {
        return start();
    } catch (error) {
        throw isUserMistake(error) ? new LabUserError(error) : error;
    }
}
