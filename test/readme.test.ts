// The README is the front door: its truth table and config table must say what the code does.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../scenarios/registry";
import { EXPECTED_FLOWS } from "../scenarios/helloworld/stages";

const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
    it("shows the truth table exactly as stages.ts holds it", () => {
        const table = readme.split("<!-- truth-table:start -->")[1].split("<!-- truth-table:end -->")[0];
        const rows = table
            .trim()
            .split("\n")
            .slice(2)
            .map((line) =>
                line
                    .split("|")
                    .slice(1, -1)
                    .map((cell) => cell.trim()),
            );
        expect(rows).toEqual(EXPECTED_FLOWS.map((flow) => [flow.description, ...flow.expected.slice(1)]));
    });

    it("tells the set-up and test commands", () => {
        expect(readme).toContain("npm ci\nnpm test");
    });

    it("names only config keys that exist", () => {
        const configSection = readme.split("## Configuration")[1].split("\n## ")[0];
        const named = [...configSection.matchAll(/^\| `([a-zA-Z]+)`(?:, `([a-zA-Z]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean);
        expect(named.length).toBeGreaterThan(5);
        for (const key of named) expect(Object.keys(CONFIG_KEYS)).toContain(key);
    });
});

// The repository stands alone: a clone has every document it points to.
describe("the repository's own references", () => {
    const repo = path.join(__dirname, "..");
    const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8" })
        .split("\0")
        .filter((file) => file && !file.endsWith("package-lock.json") && !file.endsWith(".sum") && fs.existsSync(path.join(repo, file)));

    it("names no file outside the repository (the team's spec and research notes are not shipped)", () => {
        const outside = /\.\.\/shared\/|\/work\/shared|\bresearch\/[a-z_]+\.md|\bLAB\.md\b|\b(?:calico_lab|netpol|e2e_toolchain|real-cluster)\.md\b/;
        const offenders = tracked.filter((file) => outside.test(fs.readFileSync(path.join(repo, file), "utf8")));
        expect(offenders).toEqual([]);
    });

    it("links, in every Markdown file, only to files that exist in the repository", () => {
        const broken: string[] = [];
        for (const file of tracked.filter((name) => name.endsWith(".md"))) {
            const text = fs.readFileSync(path.join(repo, file), "utf8");
            for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const resolved = path.resolve(path.dirname(path.join(repo, file)), target);
                if (!resolved.startsWith(repo + path.sep) || !fs.existsSync(resolved)) broken.push(`${file}: ${target}`);
            }
        }
        expect(broken).toEqual([]);
    });
});

// The README's (and docs') commands are the walk a newcomer types: each must exist as written.
describe("the commands the documentation gives", () => {
    const repo = path.join(__dirname, "..");
    const scripts = (JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const documents = [
        "README.md",
        ...fs
            .readdirSync(path.join(repo, "docs"))
            .filter((f) => f.endsWith(".md"))
            .map((f) => `docs/${f}`),
    ];
    /** Shell lines of the documents' sh code blocks, comments dropped, split at && and ;. */
    const commands = documents.flatMap((document) => {
        const text = fs.readFileSync(path.join(repo, document), "utf8");
        return [...text.matchAll(/```sh\n([^]*?)```/g)]
            .flatMap(([, block]) => block.split("\n"))
            .map((line) => line.replace(/\s#.*$/, "").trim())
            .filter(Boolean)
            .flatMap((line) => line.split(/&&|;/).map((part) => ({ document, command: part.trim() })));
    });
    const npmRuns = commands.flatMap(({ document, command }) => {
        const match = /^npm run (?:--silent )?([\w:-]+)(?: -- (.*))?$/.exec(command);
        return match ? [{ document, command, script: match[1], args: match[2] ?? "" }] : [];
    });

    it("are found (the parser reads the walk)", () => {
        expect(npmRuns.length).toBeGreaterThan(10);
        expect(npmRuns.map((run) => run.script)).toEqual(expect.arrayContaining(["lab", "verify", "promote", "analyze", "policy:check"]));
    });

    it("run only npm scripts that package.json defines", () => {
        const unknown = npmRuns.filter((run) => !(run.script in scripts)).map((run) => `${run.document}: ${run.command}`);
        expect(unknown).toEqual([]);
    });

    it("pass only options that the script's command line declares", () => {
        const wrong: string[] = [];
        for (const run of npmRuns) {
            const file = /^(?:node --import )?tsx (\S+\.ts)$/.exec(scripts[run.script] ?? "")?.[1];
            if (!file) continue;
            const source = fs.readFileSync(path.join(repo, file), "utf8");
            for (const [option] of run.args.matchAll(/--[a-z][\w-]*/g)) {
                const declared = new RegExp(`["'\`](?:-\\w, )?${option.replace("--no-", "--(?:no-)?")}[ "'\`<\\[]`).test(source);
                if (!declared) wrong.push(`${run.document}: ${run.command} (${option} is not an option of ${file})`);
            }
        }
        expect(wrong).toEqual([]);
    });

    it("set only config keys that the program reads", () => {
        const keys = commands.flatMap(({ document, command }) => {
            const match = /^pulumi config set (?:calico-zero-trust-lab:)?(\S+)/.exec(command);
            return match ? [{ document, key: match[1] }] : [];
        });
        expect(keys.length).toBeGreaterThan(5);
        expect(keys.filter(({ key }) => !(key in CONFIG_KEYS))).toEqual([]);
    });

    it("source and read only files of the repository", () => {
        const sourced = commands.filter(({ command }) => /^\. \S+/.test(command)).map(({ command }) => command.split(" ")[1]);
        expect(sourced).toContain("scripts/env.sh");
        for (const file of sourced) expect(fs.existsSync(path.join(repo, file)), file).toBe(true);
    });
});
