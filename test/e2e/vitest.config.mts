import { fileURLToPath } from "url";
import { defineConfig } from "vitest/config";
import nodeVersion from "../../scripts/node-version.cjs";

nodeVersion.exitOnOldNode("npm run test:e2e");

// The e2e tier: one file per scenario, run one after the other, each file's steps in order (each
// `pulumi up` builds on the previous stage).
export default defineConfig({
    root: fileURLToPath(new URL("../..", import.meta.url)),
    test: {
        include: ["test/e2e/**/*.e2e.test.ts"],
        pool: "forks",
        fileParallelism: false,
        sequence: { concurrent: false },
        // One line per step as it finishes (the default reporter prints a file's tests only when the
        // whole file ends, minutes later).
        reporters: ["verbose"],
        testTimeout: 10 * 60_000,
        hookTimeout: 5 * 60_000,
    },
});
