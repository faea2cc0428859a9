import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files each start their own server and database; two cores, so keep
    // the parallelism modest.
    maxWorkers: 2,
    // Under CI a JSON report is written too; .ci/run prints its totals as the
    // closing "N passed, N failed, N skipped" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".ci-results/vitest.json" }]] : ["default"],
  },
});
