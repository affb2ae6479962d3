// No module may import itself back, through any path, type-only imports included: a circle makes
// load order matter and leaves unclear which module owns a contract (issue 24). madge builds the
// import graph as the compiler resolves it.
import * as path from "path";
import { describe, expect, it } from "vitest";

interface MadgeResult {
    circular(): string[][];
}
type Madge = (paths: string[], config: { baseDir: string; fileExtensions: string[]; tsConfig: string }) => Promise<MadgeResult>;
// madge ships no type declarations.
const madge = require("madge") as Madge;

const REPO = path.resolve(__dirname, "..");
const FOLDERS = ["analysis", "components", "live", "scenarios", "scripts", "policy-pack/lib", "policy-pack/policies", "config.ts", "index.ts"];

describe("imports", () => {
    it("form no circle", async () => {
        const graph = await madge(
            FOLDERS.map((folder) => path.join(REPO, folder)),
            { baseDir: REPO, fileExtensions: ["ts"], tsConfig: path.join(REPO, "tsconfig.json") },
        );
        expect(graph.circular()).toEqual([]);
    }, 120_000);
});
