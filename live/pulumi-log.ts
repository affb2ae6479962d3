// Where Pulumi's own output goes during a lab walk: a log file always, the terminal only with
// --verbose. By default the walk prints one line per `pulumi up` (what changed, how long) and,
// when it fails, Pulumi's error lines and the log's path.
import * as fs from "fs";
import * as path from "path";

/** resourceChanges of an Automation API UpResult summary: operation -> count. */
export type ResourceChanges = Record<string, number | undefined>;

export interface PulumiLog {
    /** The log file (absolute). */
    file: string;
    /** Pass as the Automation API's onOutput. */
    onOutput(text: string): void;
    /** One line for a finished `pulumi up`: "pulumi up: 2 created, 1 deleted, 9 unchanged (14 s)". */
    summary(changes: ResourceChanges | undefined, startedMs: number, nowMs?: number): string;
    /** For a failed `pulumi up`: its error lines (at most `max`) and where the whole log is. */
    failure(max?: number): string;
}

const OPERATIONS: [string, string][] = [
    ["create", "created"],
    ["update", "updated"],
    ["replace", "replaced"],
    ["delete", "deleted"],
    ["same", "unchanged"],
];

/** Opens (truncates) `file` and returns the log; with `verbose`, Pulumi's output is also written to `echo`. */
export function pulumiLog(file: string, verbose: boolean, echo: (text: string) => void): PulumiLog {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "");
    let sinceLastUp = "";
    return {
        file,
        onOutput(text) {
            fs.appendFileSync(file, text);
            sinceLastUp += text;
            if (verbose) echo(text);
        },
        summary(changes, startedMs, nowMs = Date.now()) {
            sinceLastUp = "";
            const counts = OPERATIONS.filter(([op]) => (changes?.[op] ?? 0) > 0).map(([op, word]) => `${changes![op]} ${word}`);
            return `pulumi up: ${counts.length > 0 ? counts.join(", ") : "no resources"} (${Math.round((nowMs - startedMs) / 1000)} s)`;
        },
        failure(max = 15) {
            const errors = sinceLastUp
                .split("\n")
                .filter((line) => /error:/i.test(line))
                .map((line) => line.trim());
            const unique = [...new Set(errors)].slice(0, max);
            return [...unique, `Pulumi's whole output: ${file}`].join("\n");
        },
    };
}
