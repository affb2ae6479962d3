// Where verification results live, so promotion can ask "did the source stack's last
// verification pass?". One JSON file per stack under the state backend's directory:
//   <backend dir>/.calico-zero-trust-lab/verifications/<stack>.json
// where <backend dir> is the path of the file:// backend (default: <repo>/.pulumi, see
// workspace.ts). With a non-file backend the directory is <repo>/.pulumi-lab-results.
import * as fs from "fs";
import * as path from "path";
import { stackName } from "./cli";
import type { VerificationResult } from "./verify";

export interface VerificationRecord {
    stack: string;
    stage?: { number: number; name: string };
    namespace: string;
    passed: boolean;
    interrupted: boolean;
    startedAt: string;
    finishedAt: string;
    counts: VerificationResult["comparison"]["counts"];
    /** Flows that did not pass, with why. */
    problems: string[];
    imageDigests: Record<string, string>;
}

export function resultsDirectory(backendUrl: string | undefined, repoDir: string): string {
    if (backendUrl?.startsWith("file://")) {
        const dir = backendUrl.slice("file://".length).replace(/^~(?=\/|$)/, process.env.HOME ?? "~");
        return path.join(path.resolve(repoDir, dir), ".calico-zero-trust-lab", "verifications");
    }
    return path.join(repoDir, ".pulumi-lab-results", "verifications");
}

export function recordOf(stack: string, result: VerificationResult): VerificationRecord {
    return {
        stack,
        stage: result.stage,
        namespace: result.namespace,
        passed: result.passed,
        interrupted: result.interrupted,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        counts: result.comparison.counts,
        problems: result.comparison.flows.filter((f) => f.status !== "pass" && f.status !== "predicted-only").map((f) => `${f.id}: ${f.problem}`),
        imageDigests: result.imageDigests,
    };
}

export function saveRecord(directory: string, record: VerificationRecord): string {
    fs.mkdirSync(directory, { recursive: true });
    const file = path.join(directory, `${stackName(record.stack)}.json`);
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    return file;
}

export function loadRecord(directory: string, stack: string): VerificationRecord | undefined {
    const file = path.join(directory, `${stackName(stack)}.json`);
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as VerificationRecord;
}
