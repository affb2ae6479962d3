// Pulumi Automation API over this repository: a LocalWorkspace on the repo, the local file://
// backend by default (no Pulumi Cloud account), one stack per environment.
// The Automation API is loaded when a stack is opened: `verify --no-stack` never pays for it.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT } from "./promotion";

const execFileAsync = promisify(execFile);

export const REPO_DIR = path.resolve(__dirname, "..");
export const POLICY_PACK_DIR = path.join(REPO_DIR, "policy-pack");

/** PULUMI_BACKEND_URL if set, else file://<repo>/.pulumi (git-ignored). */
export function backendUrl(): string {
    return process.env.PULUMI_BACKEND_URL ?? `file://${path.join(REPO_DIR, ".pulumi")}`;
}

export function workspaceEnv(): Record<string, string> {
    const url = backendUrl();
    if (url.startsWith("file://")) fs.mkdirSync(url.slice("file://".length).replace(/^~(?=\/|$)/, os.homedir()), { recursive: true });
    return {
        PULUMI_BACKEND_URL: url,
        // The local backend encrypts secrets with a passphrase; an empty one is accepted for a lab.
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
}

/**
 * The stack `stackName` of this project (created first if `create` and missing), without
 * selecting it: the user's selected stack (`pulumi stack ls` shows it with `*`) is the same
 * afterwards. Every operation of the returned Stack names it with `--stack`.
 * @param extraEnv Replaces workspaceEnv()'s variables (another backend, a passphrase).
 * @throws an Error named StackNotFoundError when it does not exist and `create` is false (see stackOpenError).
 */
export function openStack(stackName: string, create = true, extraEnv: Record<string, string> = {}): Promise<Stack> {
    return openStackIn(REPO_DIR, stackName, { ...workspaceEnv(), ...extraEnv }, create);
}

/** openStack for the project in `workDir` with exactly `envVars` (the e2e tier's throw-away backend). */
export async function openStackIn(workDir: string, stackName: string, envVars: Record<string, string>, create: boolean): Promise<Stack> {
    const { LocalWorkspace, Stack } = await import("@pulumi/pulumi/automation");
    const workspace = await LocalWorkspace.create({ workDir, envVars });
    leaveSelectionAlone(workspace);
    // Stack.createOrSelect would test for the Automation API's own error class; ours is StackNotFound.
    const opened = Stack.select(stackName, workspace);
    return create
        ? opened.catch((error: unknown) => {
              if (error instanceof StackNotFound) return Stack.create(stackName, workspace);
              throw error;
          })
        : opened;
}

/**
 * The Automation API opens a stack with `pulumi stack select` (and creates one with `pulumi stack
 * init`, which selects it too), and the selection is the workspace's, kept per project in
 * PULUMI_HOME/workspaces: a dry run would leave the user's next `pulumi destroy` pointed at the
 * stack we looked at. Here opening only loads the stack (`pulumi stack --stack <name>`, which is
 * what the Automation API itself runs for remote workspaces so as not to select) and creating
 * passes `--no-select`. Every later command of a Stack names it with `--stack` (automation/stack.js).
 */
function leaveSelectionAlone(workspace: import("@pulumi/pulumi/automation").LocalWorkspace): void {
    const run = (args: string[]) =>
        execFileAsync(workspace.pulumiCommand.command, [...args, "--non-interactive"], {
            cwd: workspace.workDir,
            env: { ...process.env, ...workspace.envVars, PULUMI_AUTOMATION_API: "true" },
        }).catch((error: { stderr?: string; message: string }) => {
            const text = error.stderr || error.message;
            throw /no stack named .* found/.test(text) ? new StackNotFound(text) : new Error(text);
        });
    workspace.selectStack = async (name: string) => {
        await run(["stack", "--stack", name]);
    };
    workspace.createStack = async (name: string) => {
        await run(["stack", "init", name, "--no-select"]);
    };
}

/** What openStack throws for a stack that does not exist: named as the Automation API's own error is. */
class StackNotFound extends Error {
    override name = "StackNotFoundError";
}

/**
 * The stack if it exists in the backend. Errors (never the Automation API's `code: -2 stdout: ...`):
 * `stack <name> does not exist in <backend>: <ifMissing>` when there is no such stack, else
 * `cannot open stack <name> (<backend>): <Pulumi's error line>`.
 */
export async function openExistingStack(stackName: string, ifMissing: string): Promise<Stack> {
    return openStack(stackName, false).catch((error: unknown) => {
        throw stackOpenError(stackName, error, ifMissing);
    });
}

/** The error openExistingStack throws for the Automation API's `error` (see there). */
export function stackOpenError(stackName: string, error: unknown, ifMissing: string): Error {
    // The Automation API's StackNotFoundError, matched by name: this module loads the API lazily.
    return new Error(
        error instanceof Error && error.name === "StackNotFoundError"
            ? `stack ${stackName} does not exist in ${backendUrl()}: ${ifMissing}`
            : `cannot open stack ${stackName} (${backendUrl()}): ${pulumiErrorLine(error)}`,
    );
}

/** Pulumi's own `error: ...` line out of an Automation API error, else its first line. */
export function pulumiErrorLine(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return /^error: (.+)$/m.exec(text)?.[1] ?? text.split("\n")[0]!;
}

/** Config of a stack without the project prefix (stage, appImage ...), plain values only. */
export async function stackConfig(stack: Stack): Promise<Record<string, string>> {
    const all = await stack.getAllConfig();
    return Object.fromEntries(
        Object.entries(all)
            .filter(([key, value]) => key.startsWith(`${PROJECT}:`) && !value.secret)
            .map(([key, value]) => [key.slice(PROJECT.length + 1), value.value]),
    );
}

export async function lastUpdate(stack: Stack): Promise<string | undefined> {
    const [latest] = await stack.history(1);
    const time = latest?.endTime ?? latest?.startTime;
    return time === undefined ? undefined : new Date(time).toISOString();
}

/**
 * The program's error among a preview's error diagnostics, whole, as one line: its first line alone
 * may be only a heading ("cluster=kind needs tools that are missing or not working:" above the list
 * of them). Pulumi's own closing "preview failed" is not it. Undefined when there is none.
 */
export function programError(diagnostics: readonly string[]): string | undefined {
    return diagnostics
        .map((message) =>
            message
                .split("\n")
                .map((line) => line.trim())
                .filter(Boolean)
                .join(" "),
        )
        .find((message) => message && !/^(preview failed|update failed)/i.test(message));
}

/**
 * Runs the policy pack with every policy mandatory, as a preview of the stack.
 * @returns passed, and a summary: the mandatory violations as `<policy>: <its headline>` (at most
 *   two, then how many more), or Pulumi's own error lines when the preview failed otherwise.
 */
export async function policyCheckMandatory(stack: Stack): Promise<{ passed: boolean; summary: string }> {
    if (!fs.existsSync(path.join(POLICY_PACK_DIR, "PulumiPolicy.yaml"))) {
        return { passed: false, summary: `no policy pack at ${POLICY_PACK_DIR}` };
    }
    const configFile = path.join(os.tmpdir(), `policy-mandatory-${process.pid}.json`);
    fs.writeFileSync(configFile, JSON.stringify({ all: "mandatory" }));
    const violations = new Set<string>();
    const errors: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const policy = event.policyEvent;
        // A violation's message is the policy's description, then the violation's headline, then details.
        const lines = policy?.message.split("\n") ?? [];
        if (policy?.enforcementLevel === "mandatory") violations.add(`${policy.policyName}: ${(lines[1] || lines[0] || "").trim().replace(/\.$/, "")}`);
        const diagnostic = event.diagnosticEvent;
        if (diagnostic?.severity === "error") errors.push(diagnostic.message);
    };
    try {
        await stack.preview({ policyPacks: [POLICY_PACK_DIR], policyPackConfigs: [configFile], onEvent });
        return { passed: true, summary: "no violations (pulumi preview --policy-pack policy-pack, every policy mandatory)" };
    } catch (error) {
        if (violations.size > 0) {
            const listed = [...violations];
            return { passed: false, summary: `${listed.slice(0, 2).join("; ")}${listed.length > 2 ? `; and ${listed.length - 2} more` : ""}` };
        }
        const why = programError(errors) ?? pulumiErrorLine(error);
        return { passed: false, summary: `the preview failed before the pack could judge it: ${why}` };
    } finally {
        fs.rmSync(configFile, { force: true });
    }
}

/**
 * One line for a failed Pulumi command of the Automation API: "`pulumi up --stack dev` failed (its
 * errors are above)", without the arguments the API adds (--exec-kind, --event-log tcp://...),
 * which are no command to type; the callers print Pulumi's output, errors included, as it comes.
 * Other errors as their message.
 */
export function pulumiFailure(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const failed = /Command failed with exit code \d+: pulumi (\S+)[^\n]*?--stack (\S+)/.exec(message);
    return failed ? `\`pulumi ${failed[1]} --stack ${failed[2]}\` failed (its errors are above)` : message;
}
