import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import http2 from "node:http2";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryClient } from "../../src/client/createMemoryClient.js";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { generateCertificates, opensslAvailable, type CertificateFiles } from "../support/generateCertificates.js";
import { HealthClient } from "../support/healthClient.js";

/**
 * The real service with TLS configuration (embedded database): mutual TLS
 * from LTST_TLS_*, the HTTP/2 limits it announces, reflection switched off,
 * and the start refused on a non-loopback address without TLS and
 * authentication.
 */

const hasOpenssl = await opensslAvailable();
if (!hasOpenssl) console.warn("transportSecurity.test: TLS cases skipped, the openssl CLI is not on PATH (it generates the test certificates)");

const health = (address: string, credentials: grpc.ChannelCredentials) =>
  new Promise<string>((resolve, reject) => {
    // The certificate names localhost; the client connects to the IP (grpc-js takes channel options as a third argument).
    const WithOptions = HealthClient as unknown as new (a: string, c: grpc.ChannelCredentials, o: grpc.ChannelOptions) => InstanceType<typeof HealthClient>;
    const client = new WithOptions(address, credentials, { "grpc.ssl_target_name_override": "localhost" });
    client.check({ service: "" }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    });
  });

describe("transport security of the service", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-transport-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to start on a non-loopback address without TLS and authentication, and closes what it opened", async () => {
    // The check runs once the database is open: API keys live there.
    const dataDir = path.join(dir, "refused");
    const config = loadConfig({ LTST_GRPC_ADDRESS: "0.0.0.0:0", LTST_DATA_DIR: dataDir, LTST_LOG_LEVEL: "silent" });
    const start = startService(config, pino({ level: "silent" }));
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(
      /^invalid configuration: LTST_GRPC_ADDRESS: refusing to serve on non-loopback address 0\.0\.0\.0:0 without TLS \(LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE\) and authentication .* or set LTST_INSECURE=true to serve anyway$/,
    );
    // The embedded database was closed (its lock released).
    await expect(stat(path.join(dataDir, "pglite.lock"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  describe.skipIf(!hasOpenssl)("with mutual TLS", () => {
    let service: RunningService;
    let ca: Buffer;
    let client: CertificateFiles;
    let address: string;
    const logLines: string[] = [];

    beforeAll(async () => {
      const pki = await generateCertificates(dir);
      ca = await readFile(pki.caFile);
      const server = await pki.leaf("server", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
      client = await pki.leaf("client", { cn: "ingest-worker" });
      const identities = path.join(dir, "identities.json");
      await writeFile(identities, JSON.stringify({ identities: [{ cn: "ingest-worker", tenant: "acme", role: "writer" }] }));
      const config = loadConfig({
        LTST_GRPC_ADDRESS: "127.0.0.1:0",
        LTST_DATA_DIR: path.join(dir, "data"),
        LTST_MODEL_DIR: path.join(dir, "no-model"),
        LTST_TLS_CERT_FILE: server.cert,
        LTST_TLS_KEY_FILE: server.key,
        LTST_TLS_CLIENT_CA_FILE: pki.caFile,
        LTST_TLS_CLIENT_IDENTITIES: identities,
        LTST_REFLECTION: "false",
        LTST_GRPC_MAX_CONCURRENT_STREAMS: "7",
        LTST_GRPC_MAX_CONNECTION_IDLE_MS: "1000",
      });
      const sink = { write: (line: string) => void logLines.push(line) };
      service = await startService(config, pino({ level: "info" }, sink));
      address = `127.0.0.1:${service.port}`;
    }, 120_000);

    afterAll(async () => {
      await service?.stop(1_000);
    });

    it("answers a client with a certificate, refuses plaintext and clients without one", async () => {
      expect(await health(address, grpc.credentials.createSsl(ca, await readFile(client.key), await readFile(client.cert)))).toBe("SERVING");
      await expect(health(address, grpc.credentials.createInsecure())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      await expect(health(address, grpc.credentials.createSsl(ca))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      const lines = logLines.map((line) => JSON.parse(line) as { msg: string; mutualTls?: boolean });
      expect(lines.find((line) => line.msg === "serving TLS")).toMatchObject({ mutualTls: true });
      // Authentication is configured (certificates map to identities): no "runs open" line.
      expect(lines.some((line) => line.msg.includes("without authentication"))).toBe(false);
    });

    it("serves the memory API to the TypeScript client over mutual TLS", async () => {
      const memory = createMemoryClient({
        address,
        credentials: grpc.credentials.createSsl(ca, await readFile(client.key), await readFile(client.cert)),
        channelOptions: { "grpc.ssl_target_name_override": "localhost" },
      });
      try {
        const { session } = await memory.sessions.createSession({ userId: "alice", name: "over TLS" });
        expect((await memory.sessions.getSession({ userId: "alice", sessionId: session!.id })).session).toMatchObject({ name: "over TLS" });
      } finally {
        memory.close();
      }
    });

    it("announces the HTTP/2 limits and closes idle connections", async () => {
      const session = http2.connect(`https://localhost:${service.port}`, {
        ca,
        cert: await readFile(client.cert),
        key: await readFile(client.key),
      });
      try {
        const settings = await new Promise<http2.Settings>((resolve, reject) => {
          session.once("remoteSettings", resolve);
          session.once("error", reject);
        });
        expect(settings.maxConcurrentStreams).toBe(7);
        // LTST_GRPC_MAX_CONNECTION_IDLE_MS=1000: a GOAWAY comes without any call.
        const goaway = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no GOAWAY within 10 s")), 10_000);
          session.once("goaway", (code) => {
            clearTimeout(timer);
            resolve(code);
          });
        });
        expect(goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
      } finally {
        session.destroy();
      }
    });

    it("has no reflection when LTST_REFLECTION=false", async () => {
      const credentials = grpc.credentials.createSsl(ca, await readFile(client.key), await readFile(client.cert));
      const generic = new grpc.Client(address, credentials, { "grpc.ssl_target_name_override": "localhost" });
      try {
        const error = await new Promise<grpc.ServiceError>((resolve) => {
          const call = generic.makeBidiStreamRequest(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            (value: Buffer) => value,
            (value: Buffer) => value,
          );
          call.on("error", resolve);
          call.on("data", () => {});
          call.write(Buffer.alloc(0));
          call.end();
        });
        expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
      } finally {
        generic.close();
      }
    });
  });
});
