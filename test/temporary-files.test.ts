// npm test leaves nothing in the system's temp directory: test files make their directories with
// test/helpers/temporary.ts (removed after each file), or remove what they made themselves.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "..");
/** Tiers with their own clean-up: the e2e stacks' dispose(), the real cluster's run.sh. */
const OWN_CLEANUP = ["test/helpers/temporary.ts", "test/e2e/", "test/real-cluster/"];

function sources(directory: string): string[] {
    return fs
        .readdirSync(path.join(REPO, directory), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts") && !file.split(path.sep).includes("node_modules"))
        .map((file) => path.posix.join(directory, file.split(path.sep).join("/")));
}

describe("temporary directories of the unit tiers", () => {
    it("are made by temporaryDirectory(), or removed by the file that made them", () => {
        const files = [...sources("test"), ...sources("policy-pack/test")].filter((file) => !OWN_CLEANUP.some((own) => file.startsWith(own)));
        const leaking = files.filter((file) => {
            const text = fs.readFileSync(path.join(REPO, file), "utf8");
            return /\bmkdtemp(Sync)?\(/.test(text) && !/\brmSync\(/.test(text);
        });
        expect(files.length).toBeGreaterThan(20);
        expect(leaking, "use temporaryDirectory() from test/helpers/temporary.ts").toEqual([]);
    });
});
