import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { repositoryPath } from "../../src/paths.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { generateCertificates, opensslAvailable } from "../support/generateCertificates.js";

/**
 * The generated Python and Go clients over mutual TLS (embedded database):
 * the same scenarios as interop.test.ts, with the client certificate mapped
 * to an admin of one tenant. .ci/interop.sh passes LTST_INTEROP_TLS_* on to
 * the programs, which then dial with TLS.
 */
const script = repositoryPath(".ci", "interop.sh");
const required = process.env.LTST_INTEROP_REQUIRED === "1";

function prerequisite(what: "python" | "go"): string | null {
  const result = spawnSync("bash", [script, `check-${what}`], { encoding: "utf8" });
  if (result.status === 0) return null;
  const reason = `${result.stdout}${result.stderr}`.trim() || `check-${what} exited with ${result.status}`;
  if (!required) console.warn(`[skip] ${what} interop over TLS: ${reason}`);
  return reason;
}

const hasOpenssl = await opensslAvailable();
if (!hasOpenssl) console.warn("[skip] interop over TLS: the openssl CLI is not on PATH (it generates the test certificates)");
const pythonMissing = prerequisite("python");
const goMissing = prerequisite("go");

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

describe.skipIf(!hasOpenssl)("interop clients over mutual TLS", () => {
  let dir: string;
  let service: RunningService;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-interop-tls-"));
    const pki = await generateCertificates(dir);
    const server = await pki.leaf("server", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
    const client = await pki.leaf("client", { cn: "interop-client" });
    const identities = path.join(dir, "identities.json");
    await writeFile(identities, JSON.stringify({ identities: [{ cn: "interop-client", tenant: "interop", role: "admin" }] }));
    const config = loadConfig({
      LTST_GRPC_ADDRESS: "127.0.0.1:0",
      LTST_DATA_DIR: path.join(dir, "data"),
      LTST_MODEL_DIR: path.join(dir, "no-model"),
      LTST_LOG_LEVEL: "silent",
      LTST_TLS_CERT_FILE: server.cert,
      LTST_TLS_KEY_FILE: server.key,
      LTST_TLS_CLIENT_CA_FILE: pki.caFile,
      LTST_TLS_CLIENT_IDENTITIES: identities,
    });
    service = await startService(config, pino({ level: "silent" }));
    env = { LTST_INTEROP_TLS_CA: pki.caFile, LTST_INTEROP_TLS_CERT: client.cert, LTST_INTEROP_TLS_KEY: client.key };
  }, 120_000);

  afterAll(async () => {
    await service?.stop(1_000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const interop = (missing: string | null, name: string, program: "python" | "go", timeout: number) =>
    it.skipIf(missing !== null && !required)(name, { timeout }, async () => {
      if (missing !== null) throw new Error(`LTST_INTEROP_REQUIRED=1, but: ${missing}`);
      const address = `127.0.0.1:${service.port}`;
      const { code, output } = await runInterop([program, address], env);
      expect(code, `.ci/interop.sh ${program} ${address} over mTLS failed:\n${output}`).toBe(0);
      expect(output).toMatch(/\] \d+ passed, 0 failed$/m);
      // Without the client certificate the same program cannot connect.
      const refused = await runInterop([program, address], { ...env, LTST_INTEROP_TLS_CERT: "", LTST_INTEROP_TLS_KEY: "" });
      expect(refused.code).not.toBe(0);
    });

  interop(pythonMissing, "Python: the full scenario over mutual TLS", "python", 180_000);
  interop(goMissing, "Go: the full scenario over mutual TLS", "go", 600_000);
});
