// Runs one of the command lines (scripts/verify.ts, lab.ts, promote.ts) as a user does: a child
// process through tsx, in the repository, with the environment given.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");

export interface ScriptRun { code: number | null; stdout: string; stderr: string }

/**
 * `npm run <script> -- <args>` without npm. `env` replaces the listed variables (undefined
 * removes one); onStderr sees the stderr so far, to act mid-run (Ctrl-C).
 */
export function runScript(script: "verify" | "lab" | "promote", args: string[], env: Record<string, string | undefined> = {}, onStderr?: (text: string, child: ChildProcess) => void): Promise<ScriptRun> {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(env)) {
        if (value === undefined) delete merged[key];
        else merged[key] = value;
    }
    return new Promise((resolve) => {
        const child = spawn(TSX, [path.join(REPO, "scripts", `${script}.ts`), ...args], { env: merged, cwd: REPO });
        let stdout = "", stderr = "";
        child.stdout.on("data", (chunk) => { stdout += chunk; });
        child.stderr.on("data", (chunk) => { stderr += chunk; onStderr?.(stderr, child); });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
