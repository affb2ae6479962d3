// Runs one of the command lines (scripts/verify.ts, lab.ts, promote.ts) as a user does: a child
// process running package.json's command for it, in the repository, with the environment given.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");

export interface ScriptRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * The argv of `npm run <script>`: package.json's command, which must start the script in node
 * itself, so a Ctrl-C reaches the process that handles it (the tsx CLI would relay it, and
 * SIGKILL a child that does not acknowledge within 30 ms).
 */
export function scriptCommand(script: "verify" | "lab" | "promote"): string[] {
    const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
    const [program, ...args] = scripts[script].split(" ");
    if (program !== "node") throw new Error(`package.json's ${script} script is "${scripts[script]}": it must run node itself`);
    return args;
}

/**
 * `npm run <script> -- <args>` without npm. `env` replaces the listed variables (undefined
 * removes one); onSpawn receives the child (which is the script's own process), to act mid-run.
 */
export function runScript(
    script: "verify" | "lab" | "promote",
    args: string[],
    env: Record<string, string | undefined> = {},
    onSpawn?: (child: ChildProcess) => void,
): Promise<ScriptRun> {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(env)) {
        if (value === undefined) delete merged[key];
        else merged[key] = value;
    }
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [...scriptCommand(script), ...args], { env: merged, cwd: REPO });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
        });
        child.stderr.on("data", (chunk) => {
            stderr += chunk;
        });
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
        onSpawn?.(child);
    });
}
