import { defineConfig } from "vitest/config";

// npm run test:fuzz: the fuzz tier (test/fuzz), each property bounded by FUZZ_SECONDS (default 15).
export default defineConfig({
    test: {
        include: ["test/fuzz/**/*.fuzz.ts"],
        pool: "forks",
        maxWorkers: 2,
        testTimeout: 180_000,
    },
});
