import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { repositoryPath } from "../../src/paths.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { generateCertificates, opensslAvailable } from "../support/generateCertificates.js";
import { issueTestKeys } from "../support/issueTestKeys.js";
import type { TestService } from "../support/startTestService.js";

/**
 * The generated Python and Go clients against the real service, on each
 * database backend: .ci/interop.sh runs test/interop/python/*.py with
 * Debian's grpcio and protobuf, and builds test/interop/go offline with
 * Debian's Go packages. Where they are missing the tests are skipped with the
 * reason printed, unless LTST_INTEROP_REQUIRED=1 (set by .ci/run, which
 * installs them): then they fail with it.
 *
 * The service serves TLS with a certificate of a CA made here (openssl CLI)
 * and requires API keys: the programs get the CA file and a writer and a
 * reader key through the environment (LTST_INTEROP_CA_FILE,
 * LTST_INTEROP_API_KEY, LTST_INTEROP_READER_KEY), call with TLS and the
 * writer key, and check that a call without a key is UNAUTHENTICATED and a
 * write with the reader key PERMISSION_DENIED. One more run, on the embedded
 * database only, connects over plaintext on loopback with a key (local
 * credentials in Python, per-RPC credentials without transport security in Go).
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

// The throw-away PKI of the TLS runs: a CA, and a server certificate for 127.0.0.1 and localhost.
const pkiDir = await mkdtemp(path.join(os.tmpdir(), "ltst-interop-pki-"));
afterAll(async () => {
  await rm(pkiDir, { recursive: true, force: true });
});
let tls: { caFile: string; ca: Buffer; env: Record<string, string> } | null = null;
if (await opensslAvailable()) {
  const pki = await generateCertificates(pkiDir);
  const server = await pki.leaf("server", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
  tls = { caFile: pki.caFile, ca: await readFile(pki.caFile), env: { LTST_TLS_CERT_FILE: server.cert, LTST_TLS_KEY_FILE: server.key } };
}
const opensslMissing = tls === null ? "the openssl CLI is not on PATH (it generates the test certificates)" : null;
if (opensslMissing !== null && !required) console.warn(`[skip] interop over TLS: ${opensslMissing}`);

/** The first reason a run cannot happen here, or null. */
const anyMissing = (...reasons: (string | null)[]): string | null => reasons.find((reason) => reason !== null) ?? null;

/**
 * Runs .ci/interop.sh asynchronously (the service answers from this process,
 * so the event loop must keep running) and returns its exit code and output.
 */
function runInterop(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

type Run = { args: () => string[]; env?: () => Record<string, string>; timeout: number; steps?: RegExp[] };

/** One .ci/interop.sh run as a test: skipped (or failed, when required) where `missing`; `steps` must be among the passed ones. */
function interop(missing: string | null, name: string, run: Run): void {
  it.skipIf(missing !== null && !required)(name, { timeout: run.timeout }, async () => {
    if (missing !== null) throw new Error(`LTST_INTEROP_REQUIRED=1, but: ${missing}`);
    const { code, output } = await runInterop(run.args(), run.env?.() ?? {});
    expect(code, `.ci/interop.sh ${run.args().join(" ")} failed:\n${output}`).toBe(0);
    // Each program's closing line: every step passed.
    expect(output).toMatch(/\] \d+ passed, 0 failed$/m);
    for (const step of run.steps ?? []) expect(output).toMatch(step);
  });
}

/** A writer and a reader key of one tenant, issued before the tests (from then on the service requires keys), as the programs' environment. */
function issueKeys(service: () => TestService, credentials: () => grpc.ChannelCredentials): () => Record<string, string> {
  let env: Record<string, string> | undefined;
  beforeAll(async () => {
    const keys = await issueTestKeys(service(), "interop", ["writer", "reader"], credentials());
    env = { LTST_INTEROP_API_KEY: keys.writer, LTST_INTEROP_READER_KEY: keys.reader };
  });
  return () => {
    if (!env) throw new Error("keys not issued");
    return env;
  };
}

const authenticated = /\] ok {3}authentication: no key is UNAUTHENTICATED, a reader key cannot write/;

interop(pythonPackageMissing, "Python: gen/python builds into a wheel that installs and imports", { args: () => ["python-package"], timeout: 120_000 });

describeEachBackend(
  "interop clients over TLS with API keys",
  (service) => {
    const address = () => `127.0.0.1:${service().service.port}`;
    // Without openssl the service runs plaintext, and the tests are skipped.
    const keys = issueKeys(service, () => (tls ? grpc.credentials.createSsl(tls.ca) : grpc.credentials.createInsecure()));
    const env = () => ({ ...keys(), LTST_INTEROP_CA_FILE: tls!.caFile });

    interop(anyMissing(opensslMissing, pythonMissing), "Python: the full scenario through gen/python", {
      args: () => ["python", address()],
      env,
      timeout: 120_000,
      steps: [authenticated],
    });
    interop(anyMissing(opensslMissing, pythonMissing), "Python: malformed, mistyped and oversized requests get errors, and the server goes on serving", {
      args: () => ["python-bad-input", address(), String(maxMessageBytes)],
      env,
      timeout: 120_000,
      steps: [/\] ok {3}authentication: raw bytes without a key are UNAUTHENTICATED, with a reader key PERMISSION_DENIED/],
    });
    // The first build compiles grpc-go and its dependencies from Debian's sources.
    interop(anyMissing(opensslMissing, goMissing), "Go: the full scenario through gen/go, built offline", {
      args: () => ["go", address()],
      env,
      timeout: 600_000,
      steps: [authenticated],
    });
  },
  { env: { LTST_MAX_MESSAGE_BYTES: String(maxMessageBytes), ...tls?.env } },
);

describeEachBackend(
  "interop clients over plaintext on loopback with API keys",
  (service) => {
    const address = () => `127.0.0.1:${service().service.port}`;
    const keys = issueKeys(service, () => grpc.credentials.createInsecure());

    interop(pythonMissing, "Python: the full scenario, the key over local credentials", {
      args: () => ["python", address()],
      env: keys,
      timeout: 120_000,
      steps: [authenticated],
    });
    interop(goMissing, "Go: the full scenario, the key as per-RPC credentials without TLS", {
      args: () => ["go", address()],
      env: keys,
      timeout: 600_000,
      steps: [authenticated],
    });
  },
  { only: ["embedded"] },
);
