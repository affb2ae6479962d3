// Node.js 22 is checked first by every npm script that runs TypeScript and by the Pulumi program:
// one line naming the command, the Node.js found and the command that provides Node 22.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { nodeVersionError, REQUIRED_MAJOR } from "../scripts/node-version.cjs";

const REPO = path.resolve(__dirname, "..");

describe("the Node.js version", () => {
    it("an older Node.js gets one line: the command, the version and binary found, and `. scripts/env.sh`", () => {
        expect(nodeVersionError("npm run lab", "20.20.2", "/usr/bin/node")).toBe(
            "npm run lab needs Node.js 22 or newer, and this is Node.js 20.20.2 (/usr/bin/node): in this shell run `. scripts/env.sh` from the repository's root (it puts Node 22 first on PATH; or `nvm use`, .nvmrc), then run it again",
        );
        expect(nodeVersionError("npm run lab", "21.7.3")).not.toContain("\n");
    });

    it("22 and newer pass, and 22 is what .nvmrc, engines and ensure-node.sh ask for", () => {
        expect(nodeVersionError("npm run lab", "22.0.0")).toBeUndefined();
        expect(nodeVersionError("npm run lab", "24.1.0")).toBeUndefined();
        expect(nodeVersionError("npm run lab")).toBeUndefined();
        expect(fs.readFileSync(path.join(REPO, ".nvmrc"), "utf8").trim()).toBe(String(REQUIRED_MAJOR));
        expect(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).engines.node).toBe(`>=${REQUIRED_MAJOR}`);
        expect(fs.readFileSync(path.join(REPO, "scripts", "ensure-node.sh"), "utf8")).toContain(`required_major=${REQUIRED_MAJOR}`);
    });

    it("every npm script that runs TypeScript through tsx preloads the check before tsx", () => {
        const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
        const typescript = Object.entries(scripts).filter(([, command]) => /^node .*--import tsx /.test(command));
        expect(typescript.map(([name]) => name)).toEqual(expect.arrayContaining(["lab", "verify", "promote"]));
        for (const [name, command] of typescript) expect(command, name).toMatch(/^node --require \.\/scripts\/require-node\.cjs --import tsx /);
    });

    it("npm test checks first, before lint and tsc, and the vitest configs exit with the line instead of throwing it under a stack trace", () => {
        const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
        expect(scripts.test).toMatch(/^node scripts\/require-node\.cjs && /);
        for (const config of ["vitest.config.mts", path.join("test", "e2e", "vitest.config.mts")]) {
            const text = fs.readFileSync(path.join(REPO, config), "utf8");
            expect(text, config).toMatch(/^nodeVersion\.exitOnOldNode\("npm (test|run test:e2e)"\);$/m);
            expect(text, config).not.toMatch(/throw new Error\(problem\)/);
        }
    });

    it("the Pulumi program checks before anything else is loaded: index.ts's first import", () => {
        const firstImport = /^import [^\n]*$/m.exec(fs.readFileSync(path.join(REPO, "index.ts"), "utf8"))?.[0];
        expect(firstImport).toBe('import "./required-node";');
    });
});
