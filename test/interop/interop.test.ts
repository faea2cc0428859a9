import { spawn, spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { repositoryPath } from "../../src/paths.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * The generated Python and Go clients against the real service, on each
 * database backend: .ci/interop.sh runs test/interop/python/*.py with
 * Debian's grpcio and protobuf, and builds test/interop/go offline with
 * Debian's Go packages. Where they are missing the tests are skipped with the
 * reason printed, unless LTST_INTEROP_REQUIRED=1 (set by .ci/run, which
 * installs them): then they fail with it.
 */
const script = repositoryPath(".ci", "interop.sh");
const maxMessageBytes = 256 * 1024;
const required = process.env.LTST_INTEROP_REQUIRED === "1";

function prerequisite(what: "python" | "python-package" | "go"): string | null {
  const result = spawnSync("bash", [script, `check-${what}`], { encoding: "utf8" });
  if (result.status === 0) return null;
  const reason = `${result.stdout}${result.stderr}`.trim() || `check-${what} exited with ${result.status}`;
  if (!required) console.warn(`[skip] ${what} interop: ${reason}`);
  return reason;
}

const pythonMissing = prerequisite("python");
const pythonPackageMissing = prerequisite("python-package");
const goMissing = prerequisite("go");

/**
 * Runs .ci/interop.sh asynchronously (the service answers from this process,
 * so the event loop must keep running) and returns its exit code and output.
 */
function runInterop(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** One .ci/interop.sh run as a test: skipped (or failed, when required) where `missing`. */
function interop(missing: string | null, name: string, args: () => string[], timeout: number): void {
  it.skipIf(missing !== null && !required)(name, { timeout }, async () => {
    if (missing !== null) throw new Error(`LTST_INTEROP_REQUIRED=1, but: ${missing}`);
    const { code, output } = await runInterop(args());
    expect(code, `.ci/interop.sh ${args().join(" ")} failed:\n${output}`).toBe(0);
    // Each program's closing line: every step passed.
    expect(output).toMatch(/\] \d+ passed, 0 failed$/m);
  });
}

interop(pythonPackageMissing, "Python: gen/python builds into a wheel that installs and imports", () => ["python-package"], 120_000);

describeEachBackend(
  "interop clients",
  (service) => {
    const address = () => `127.0.0.1:${service().service.port}`;

    interop(pythonMissing, "Python: the full scenario through gen/python", () => ["python", address()], 120_000);
    interop(
      pythonMissing,
      "Python: malformed, mistyped and oversized requests get errors, and the server goes on serving",
      () => ["python-bad-input", address(), String(maxMessageBytes)],
      120_000,
    );
    // The first build compiles grpc-go and its dependencies from Debian's sources.
    interop(goMissing, "Go: the full scenario through gen/go, built offline", () => ["go", address()], 600_000);
  },
  { env: { LTST_MAX_MESSAGE_BYTES: String(maxMessageBytes) } },
);
