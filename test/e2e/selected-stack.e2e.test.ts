// The user's selected Pulumi stack (`pulumi stack ls` marks it with `*`; `pulumi destroy` without
// --stack acts on it) is the same before and after every command of ours: `npm run lab` (render
// walk, a render stack's walk), `npm run verify`, `npm run promote` dry run and --apply --up,
// refused or failing. The commands run as package.json runs them, with the real Pulumi CLI, a
// throw-away file:// backend and a PULUMI_HOME of this file's own (the selection lives in
// PULUMI_HOME/workspaces; the toolchain's plugins are linked in), so the developer's selection
// and the other e2e files' stacks are not involved.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript } from "../live/run-script";
import { REPO } from "./engine";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "calico-lab-selected-"));
const pulumiHome = path.join(tmp, "pulumi-home");
const env: Record<string, string | undefined> = {
    PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_CONFIG_PASSPHRASE: "e2e-only",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Render mode must see no cluster (run.sh unsets KUBECONFIG).
    HOME: path.join(tmp, "home"),
    KUBECONFIG: undefined,
};
const suffix = `${process.pid}`;
const MINE = `sel-mine-${suffix}`;
const RENDER = `sel-render-${suffix}`;
const TARGET = `sel-target-${suffix}`;
const MISSING = `sel-missing-${suffix}`;

function pulumi(...args: string[]): string {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(env)) {
        if (value === undefined) delete merged[key];
        else merged[key] = value;
    }
    return execFileSync("pulumi", [...args, "--non-interactive"], { cwd: REPO, env: merged, encoding: "utf8" });
}

/** The selected stack's name, undefined when none is. */
function selected(): string | undefined {
    const stacks = JSON.parse(pulumi("stack", "ls", "--json")) as { name: string; current: boolean }[];
    return stacks.find((stack) => stack.current)?.name;
}

beforeAll(() => {
    fs.mkdirSync(path.join(tmp, "state"));
    fs.mkdirSync(path.join(tmp, "home"));
    fs.mkdirSync(pulumiHome);
    const plugins = path.join(process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"), "plugins");
    if (fs.existsSync(plugins)) fs.symlinkSync(plugins, path.join(pulumiHome, "plugins"));
    for (const name of [MINE, RENDER, TARGET]) pulumi("stack", "init", name, "--no-select");
    pulumi("config", "set", "--stack", RENDER, "calico-zero-trust-lab:cluster", "render");
    pulumi("config", "set", "--stack", TARGET, "calico-zero-trust-lab:cluster", "existing");
});

afterAll(() => {
    for (const name of [MINE, RENDER, TARGET]) fs.rmSync(path.join(REPO, `Pulumi.${name}.yaml`), { force: true });
    fs.rmSync(path.join(REPO, ".rendered", RENDER), { recursive: true, force: true });
    const logs = path.join(REPO, ".lab-logs");
    for (const log of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
        if (log.startsWith(RENDER)) fs.rmSync(path.join(logs, log));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
});

type Script = "lab" | "verify" | "promote";
const COMMANDS: { script: Script; args: string[]; exit: number; what: string }[] = [
    { script: "lab", args: ["--render", "--yes", "--to", "0", "--stack", RENDER], exit: 0, what: "renders in a throw-away stack it creates" },
    { script: "lab", args: ["--stack", RENDER, "--yes", "--to", "0"], exit: 0, what: "opens a render stack and walks it" },
    { script: "verify", args: ["--stack", RENDER], exit: 2, what: "refuses a render stack" },
    { script: "verify", args: ["--stack", MISSING], exit: 2, what: "refuses a stack that does not exist" },
    { script: "promote", args: ["--from", RENDER, "--to", TARGET], exit: 1, what: "dry run, refused" },
    { script: "promote", args: ["--from", RENDER, "--to", TARGET, "--apply", "--up"], exit: 1, what: "--apply --up, refused" },
    { script: "promote", args: ["--from", MISSING, "--to", TARGET], exit: 2, what: "a source that does not exist" },
];

describe("the selected stack before and after every command of ours", () => {
    it("with no stack selected, none is selected afterwards (the render walk creates its stack, promote opens two)", async () => {
        expect(selected()).toBeUndefined();
        for (const command of [COMMANDS[0]!, COMMANDS[4]!]) {
            const run = await runScript(command.script, command.args, env);
            expect(run.code, `${command.script} ${command.args.join(" ")}\n${run.stdout}\n${run.stderr}`).toBe(command.exit);
            expect(selected(), `${command.script} ${command.args.join(" ")}`).toBeUndefined();
        }
    });

    for (const command of COMMANDS) {
        it(`npm run ${command.script} -- ${command.args.join(" ")} (${command.what}): ${MINE.replace(suffix, "<pid>")} stays selected`, async () => {
            pulumi("stack", "select", MINE);
            const run = await runScript(command.script, command.args, env);
            expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(command.exit);
            expect(selected()).toBe(MINE);
        });
    }
});
