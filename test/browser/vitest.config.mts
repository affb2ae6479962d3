import { fileURLToPath } from "url";
import { defineConfig } from "vitest/config";
import nodeVersion from "../../scripts/node-version.cjs";

const problem = nodeVersion.nodeVersionError("npm run test:browser");
if (problem) throw new Error(problem);

// The browser tier (test/browser/run.sh): each scenario's lab report, made by a real render walk
// and opened in headless Chromium. One scenario after the other (each walk runs the Pulumi engine).
export default defineConfig({
    root: fileURLToPath(new URL("../..", import.meta.url)),
    test: {
        include: ["test/browser/**/*.browser.test.ts"],
        pool: "forks",
        fileParallelism: false,
        sequence: { concurrent: false },
        reporters: ["verbose"],
        // Guards against a hang, not windows: a render walk takes 1-3 minutes on a loaded machine.
        testTimeout: 10 * 60_000,
        hookTimeout: 15 * 60_000,
    },
});
