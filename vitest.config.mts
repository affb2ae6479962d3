import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts", "policy-pack/test/**/*.test.ts"],
        exclude: ["test/e2e/**", "node_modules/**"],
        // Pulumi mocks keep global state per process: isolate each test file.
        pool: "forks",
        // Much of the suite waits on sockets (fake Kubernetes API, CLI children): two workers on two cores.
        maxWorkers: 2,
        testTimeout: 20_000,
    },
});
