// Every stack our commands open goes through live/workspace.ts's openStack/openStackIn, which
// never selects it (test/e2e/selected-stack.e2e.test.ts proves that with the real CLI). The
// Automation API's own ways of opening a stack select it, and `pulumi stack rm` clears the
// selection (Pulumi 3.259): neither may appear anywhere else.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { REPO } from "./run-script";

const SELECTING = /LocalWorkspace\.(createOrSelectStack|selectStack|createStack)\b|\.(selectStack|createStack|removeStack)\(|Stack\.createOrSelect\(/;
const ROOTS = ["index.ts", "live", "scripts", "scenarios", "components", "test/e2e", "test/real-cluster"];

function sources(entry: string): string[] {
    const full = path.join(REPO, entry);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return [entry];
    return fs
        .readdirSync(full, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.join(entry, file));
}

describe("opening a stack never selects it", () => {
    it("no code of ours but live/workspace.ts calls the Automation API's selecting or removing stack functions", () => {
        const offenders = ROOTS.flatMap(sources)
            .filter((file) => file !== path.join("live", "workspace.ts"))
            .filter((file) => SELECTING.test(fs.readFileSync(path.join(REPO, file), "utf8")));
        expect(offenders).toEqual([]);
    });

    it("the pattern finds the calls it is meant to find", () => {
        expect(SELECTING.test("LocalWorkspace.createOrSelectStack({ stackName, workDir })")).toBe(true);
        expect(SELECTING.test("await stack.workspace.removeStack(name, { force: true })")).toBe(true);
        expect(SELECTING.test("await workspace.selectStack(name)")).toBe(true);
        expect(SELECTING.test("openStack(name, false)")).toBe(false);
    });
});
