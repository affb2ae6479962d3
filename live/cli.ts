// What the three command lines (verify, lab, promote) share: option values checked by commander
// (argParser + InvalidArgumentError) before anything is contacted or touched, usage errors on
// exit 2 (commander's own default is 1, which verify uses for "differs" and promote for
// "refused"), and the exit codes themselves (docs/walkthrough.md, "Exit codes").
import { Command, CommanderError, InvalidArgumentError } from "commander";
import * as fs from "fs";
import { isIP } from "net";
import * as path from "path";

export const EXIT = {
    /** Verified / allowed. */
    ok: 0,
    /** A flow differs (verify, lab) or the promotion is refused (promote). */
    differs: 1,
    /** Usage or environment: a bad option, no cluster, no kubeconfig, an API server that does not answer, a flow not observed. */
    cannotRun: 2,
    interrupted: 130,
} as const;

/** Usage errors (unknown option, bad value, missing option) exit 2; --help exits 0. */
export function withUsageExit(program: Command): Command {
    return program.exitOverride((error: CommanderError) => {
        process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.cannotRun);
    });
}

/**
 * A stack name by Pulumi's rules (validateStackName in Pulumi's backends: 1-100 of A-Z a-z 0-9
 * _ . -, no slash), and not "." or "..": the tools build file names from it
 * (Pulumi.<stack>.yaml, .rendered/<stack>/, verifications/<stack>.json).
 */
export function stackName(value: string): string {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(value)) {
        throw new InvalidArgumentError(
            `"${value}" is not a stack name: 1-100 letters, digits, "_", "." or "-" (Pulumi's rule; no "/": give the stack's own name, not org/project/stack)`,
        );
    }
    if (/^\.+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a stack name: it would name a directory`);
    return value;
}

/** An integer in [min, max]. */
export function integerIn(min: number, max: number, unit: string): (value: string) => number {
    return (value) => {
        const number = Number(value);
        if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
            throw new InvalidArgumentError(`"${value}" is not a whole number of ${unit} from ${min} to ${max}`);
        }
        return number;
    };
}

/** A positive number of seconds up to max (fractions allowed). */
export function secondsUpTo(max: number): (value: string) => number {
    return (value) => {
        const number = Number(value);
        if (value.trim() === "" || !Number.isFinite(number) || number <= 0 || number > max) {
            throw new InvalidArgumentError(`"${value}" is not a number of seconds above 0 and at most ${max}`);
        }
        return number;
    };
}

/** An IPv4 or IPv6 address: a name would be resolved by the machine running the tool, and a failure to resolve it is no observation. */
export function ipAddress(value: string): string {
    if (isIP(value) === 0) throw new InvalidArgumentError(`"${value}" is not an IP address (give a node's InternalIP or ExternalIP, e.g. 172.18.0.2)`);
    return value;
}

/** A Kubernetes namespace name (RFC 1123 label), repeatable and comma-separated. */
export function namespaceNames(value: string, previous: string[] = []): string[] {
    const names = value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    if (names.length === 0) throw new InvalidArgumentError(`"${value}" names no namespace`);
    for (const name of names) {
        if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
            throw new InvalidArgumentError(`"${name}" is not a namespace name (RFC 1123 label: lower-case letters, digits and "-", at most 63)`);
        }
    }
    return [...previous, ...names];
}

/** A non-empty value (a context, an image). */
export function nonEmpty(value: string): string {
    if (value.trim() === "") throw new InvalidArgumentError("must not be empty");
    return value;
}

/**
 * A file the report can be written to, checked before anything runs: its directory exists and is
 * writable, and it is not a directory itself.
 */
export function writableFile(value: string): string {
    const file = path.resolve(value);
    const directory = path.dirname(file);
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) throw new InvalidArgumentError(`directory ${directory} does not exist`);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InvalidArgumentError(`${file} is a directory`);
    try {
        fs.accessSync(fs.existsSync(file) ? file : directory, fs.constants.W_OK);
    } catch {
        throw new InvalidArgumentError(`${fs.existsSync(file) ? file : directory} is not writable`);
    }
    return value;
}
