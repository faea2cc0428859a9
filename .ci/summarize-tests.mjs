// Prints vitest's JSON report (.ci-results/vitest.json) as one plain closing
// line, "N passed, N failed, N skipped", and exits non-zero when the report
// is missing, counts a failure, or ran no test at all.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".ci-results/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.error(`no test report at ${file}: ${error.message}`);
  process.exit(1);
}
const passed = report.numPassedTests;
// A test file that fails to load (or whose hooks fail) has no test results of
// its own: count each such file as one failure.
const brokenFiles = report.testResults.filter((file) => file.status === "failed" && file.assertionResults.every((a) => a.status !== "failed")).length;
const failed = report.numFailedTests + brokenFiles;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0 || !report.success) process.exit(1);
