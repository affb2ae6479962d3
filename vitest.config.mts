import { defineConfig } from "vitest/config";

// Node 22 is required (package.json engines; .npmrc makes npm ci refuse older ones). Say so at
// once instead of failing minutes later on a missing API such as Map.groupBy.
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
    throw new Error(`Node.js ${process.versions.node} is too old: this project needs Node.js 22 or newer (.nvmrc). Use \`nvm use\`, or put the one scripts/ensure-node.sh provides first on PATH: export PATH="$(bash scripts/ensure-node.sh):$PATH"`);
}

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts", "policy-pack/test/**/*.test.ts"],
        exclude: ["test/e2e/**", "node_modules/**"],
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
