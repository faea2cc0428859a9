import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files each start their own server and database; two cores, so keep
    // the parallelism modest.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
