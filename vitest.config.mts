import { defineConfig } from "vitest/config";
import nodeVersion from "./scripts/node-version.cjs";

// Node 22 is required (package.json engines; .npmrc makes npm ci refuse older ones). Say so at
// once, in one line, instead of failing minutes later on a missing API such as Map.groupBy.
nodeVersion.exitOnOldNode("npm test");

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts", "policy-pack/test/**/*.test.ts"],
        exclude: ["test/e2e/**", "test/browser/**", "node_modules/**"],
        // Removes each test file's temporary directories when it ends (test/helpers/temporary.ts).
        setupFiles: ["test/helpers/setup.ts"],
        // Pulumi mocks keep global state per process: isolate each test file.
        pool: "forks",
        // Much of the suite waits on sockets (fake Kubernetes API, CLI children): two workers on two cores.
        maxWorkers: 2,
        // A guard against hangs, not a window: on a shared machine whose cores are saturated a CLI
        // test (node start-up, module loading) takes a minute; a test that hangs is still reported, only later.
        testTimeout: 300_000,
    },
});
