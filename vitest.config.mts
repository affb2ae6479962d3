import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts", "policy-pack/test/**/*.test.ts"],
        exclude: ["test/e2e/**", "node_modules/**"],
        // Pulumi mocks keep global state per process: isolate each test file.
        pool: "forks",
        // Much of the suite waits on sockets (fake Kubernetes API, CLI children): two workers on two cores.
        maxWorkers: 2,
        // Generous: on a shared, loaded machine a fake-cluster verification takes tens of seconds;
        // a test that hangs is still reported, only later.
        testTimeout: 60_000,
    },
});
