import { X509Certificate } from "node:crypto";
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/loadConfig.js";
import { generateCertificates, opensslAvailable, type CertificateFiles } from "../../test/support/generateCertificates.js";
import { createServerCredentials, type ServerCredentialsLog, type TlsFiles } from "./createServerCredentials.js";
import type { ClientIdentity } from "../config/loadClientIdentities.js";
import { principalFromPeerCertificate } from "./principalFromPeerCertificate.js";

const hasOpenssl = await opensslAvailable();
if (!hasOpenssl) console.warn("createServerCredentials.test: skipped, the openssl CLI is not on PATH (it generates the test certificates)");

type Peer = { transportSecurityType: string | null; commonName: string | null; principal: unknown };

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (buffer: Buffer): unknown => JSON.parse(buffer.toString("utf8")),
};

/** One unary method that reports what the server knows of the caller's certificate. */
const peerService: grpc.ServiceDefinition = {
  whoAmI: {
    path: "/ltst.test.Peer/WhoAmI",
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};
const PeerClient = grpc.makeGenericClientConstructor(peerService, "Peer");

const identities: ClientIdentity[] = [
  { cn: "ingest-worker", san: null, tenantId: "acme", role: "writer", userId: null },
  { cn: null, san: "URI:spiffe://acme/gateway", tenantId: "acme", role: "reader", userId: "u-42" },
];

async function startServer(credentials: grpc.ServerCredentials): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(peerService, {
    whoAmI: (call: grpc.ServerUnaryCall<unknown, Peer>, callback: grpc.sendUnaryData<Peer>) => {
      // What the lead's authentication step does: grpc-js server calls expose the verified peer certificate.
      const context = call.getAuthContext();
      const certificate = context?.sslPeerCertificate;
      callback(null, {
        transportSecurityType: context?.transportSecurityType ?? null,
        commonName: typeof certificate?.subject?.CN === "string" ? certificate.subject.CN : null,
        principal: principalFromPeerCertificate(certificate, identities),
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

async function whoAmI(port: number, credentials: grpc.ChannelCredentials): Promise<Peer> {
  // The test certificates name localhost; connecting to the IP keeps the test off the resolver.
  const client = new PeerClient(`127.0.0.1:${port}`, credentials, { "grpc.ssl_target_name_override": "localhost" });
  try {
    return await new Promise<Peer>((resolve, reject) =>
      client.makeUnaryRequest(
        "/ltst.test.Peer/WhoAmI",
        json.serialize,
        (buffer: Buffer) => json.deserialize(buffer) as Peer,
        {},
        new grpc.Metadata(),
        { deadline: Date.now() + 5_000 },
        (error, response) => (error ? reject(error) : resolve(response!)),
      ),
    );
  } finally {
    client.close();
  }
}

/** The certificate the server presents in a fresh TLS handshake. */
function presentedCertificate(port: number, ca: Buffer): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, ALPNProtocols: ["h2"], servername: "localhost" }, () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      resolve(certificate);
    });
    socket.once("error", reject);
  });
}

const fingerprint = async (file: string) => new X509Certificate(await readFile(file)).fingerprint256;

describe.skipIf(!hasOpenssl)("createServerCredentials (TLS and mutual TLS handshakes)", () => {
  let dir: string;
  let ca: Buffer;
  let pki: Awaited<ReturnType<typeof generateCertificates>>;
  let serverFiles: CertificateFiles;
  let client: CertificateFiles;
  let sanClient: CertificateFiles;
  let stranger: CertificateFiles;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-tls-"));
    pki = await generateCertificates(dir);
    ca = await readFile(pki.caFile);
    serverFiles = await pki.leaf("server", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
    client = await pki.leaf("client", { cn: "ingest-worker" });
    sanClient = await pki.leaf("san-client", { cn: "some-host", altNames: ["DNS:gw.acme.test", "URI:spiffe://acme/gateway"] });
    // Signed by the same CA but mapped to nothing.
    stranger = await pki.leaf("stranger", { cn: "stranger" });
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const start = async (tls: Omit<TlsFiles, "reloadIntervalMs"> & { reloadIntervalMs?: number }, log?: ServerCredentialsLog) => {
    const server = await startServer(createServerCredentials({ reloadIntervalMs: 60_000, ...tls }, log));
    stops.push(server.stop);
    return server.port;
  };
  const clientCredentials = async (files?: CertificateFiles) =>
    files
      ? grpc.credentials.createSsl(ca, await readFile(files.key), await readFile(files.cert))
      : grpc.credentials.createSsl(ca);

  it("TLS: a client trusting the CA gets through; a plaintext client is refused", async () => {
    const port = await start({ certFile: serverFiles.cert, keyFile: serverFiles.key });
    const peer = await whoAmI(port, await clientCredentials());
    // grpc-js fills the auth context only for a verified client certificate
    // (socket.authorized); without mTLS it is empty.
    expect(peer).toEqual({ transportSecurityType: null, commonName: null, principal: null });
    await expect(whoAmI(port, grpc.credentials.createInsecure())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    // A client that does not trust the CA (system roots only) refuses the server.
    await expect(whoAmI(port, grpc.credentials.createSsl())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it("mutual TLS: no client certificate is refused; a certificate is verified and maps to its principal", async () => {
    const port = await start({ certFile: serverFiles.cert, keyFile: serverFiles.key, clientCaFile: pki.caFile });
    await expect(whoAmI(port, await clientCredentials())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(whoAmI(port, grpc.credentials.createInsecure())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });

    expect(await whoAmI(port, await clientCredentials(client))).toEqual({
      transportSecurityType: "ssl",
      commonName: "ingest-worker",
      principal: { tenantId: "acme", role: "writer", userId: null, subject: "cn=ingest-worker" },
    });
    expect(await whoAmI(port, await clientCredentials(sanClient))).toMatchObject({
      commonName: "some-host",
      principal: { tenantId: "acme", role: "reader", userId: "u-42", subject: "san=URI:spiffe://acme/gateway" },
    });
    expect(await whoAmI(port, await clientCredentials(stranger))).toMatchObject({ commonName: "stranger", principal: null });
  });

  it("mutual TLS: a client certificate from another CA is refused", async () => {
    const port = await start({ certFile: serverFiles.cert, keyFile: serverFiles.key, clientCaFile: pki.caFile });
    const otherDir = await mkdtemp(path.join(dir, "other-"));
    const other = await generateCertificates(otherDir);
    const forged = await other.leaf("forged", { cn: "ingest-worker" });
    await expect(whoAmI(port, await clientCredentials(forged))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it("reloads a replaced certificate without a restart, and keeps the old one while the files do not match", async () => {
    const live = { cert: path.join(dir, "live.pem"), key: path.join(dir, "live.key") };
    await copyFile(serverFiles.cert, live.cert);
    await copyFile(serverFiles.key, live.key);
    const logged: string[] = [];
    const port = await start({ certFile: live.cert, keyFile: live.key, clientCaFile: pki.caFile, reloadIntervalMs: 100 }, (level, message) =>
      logged.push(`${level}: ${message}`),
    );
    expect((await presentedCertificate(port, ca)).fingerprint256).toBe(await fingerprint(serverFiles.cert));

    const renewed = await pki.leaf("renewed", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
    // First only the certificate: it does not match the key in place, so the
    // old pair stays served (connections keep working).
    await writeFile(`${live.cert}.tmp`, await readFile(renewed.cert));
    await rename(`${live.cert}.tmp`, live.cert);
    const mismatchDeadline = Date.now() + 10_000;
    while (!logged.some((line) => line.startsWith("error: TLS files do not make a valid set-up")) && Date.now() < mismatchDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(logged).toContain("error: TLS files do not make a valid set-up: still serving the previous certificate");
    expect((await presentedCertificate(port, ca)).fingerprint256).toBe(await fingerprint(serverFiles.cert));
    expect(await whoAmI(port, await clientCredentials(client))).toMatchObject({ principal: { role: "writer" } });
    // Then the key: the next read serves the new pair.
    await writeFile(`${live.key}.tmp`, await readFile(renewed.key));
    await rename(`${live.key}.tmp`, live.key);
    const expected = await fingerprint(renewed.cert);
    const deadline = Date.now() + 10_000;
    let presented = "";
    while (Date.now() < deadline) {
      presented = (await presentedCertificate(port, ca)).fingerprint256;
      if (presented === expected) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(presented).toBe(expected);
    expect(logged).toContain("info: TLS files reloaded");
    expect(await whoAmI(port, await clientCredentials(client))).toMatchObject({ principal: { role: "writer" } });
  });

  it("refuses at start-up files that are missing or do not belong together, naming the variable", async () => {
    expect(() => createServerCredentials({ certFile: path.join(dir, "nope.pem"), keyFile: serverFiles.key, reloadIntervalMs: 1000 })).toThrow(
      /LTST_TLS_CERT_FILE: cannot read/,
    );
    expect(() => createServerCredentials({ certFile: serverFiles.cert, keyFile: client.key, reloadIntervalMs: 1000 })).toThrow(ConfigError);
    expect(() => createServerCredentials({ certFile: serverFiles.cert, keyFile: client.key, reloadIntervalMs: 1000 })).toThrow(
      /LTST_TLS_CERT_FILE: with LTST_TLS_KEY_FILE, not a usable TLS set-up/,
    );
    expect(() =>
      createServerCredentials({ certFile: serverFiles.cert, keyFile: serverFiles.key, clientCaFile: serverFiles.key, reloadIntervalMs: 1000 }),
    ).toThrow(/LTST_TLS_CERT_FILE: with LTST_TLS_KEY_FILE and LTST_TLS_CLIENT_CA_FILE/);
  });
});
