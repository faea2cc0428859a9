import * as grpc from "@grpc/grpc-js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createMemoryClient,
  errorDetails,
  isServiceError,
  Role,
  SearchMode,
  type MemoryClient,
  type MemoryClientOptions,
} from "../../src/client/index.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { generateCertificates, opensslAvailable } from "../support/generateCertificates.js";
import { issueTestKeys } from "../support/issueTestKeys.js";

/**
 * The shipped TypeScript client (ltst-memory/client) against the real
 * service serving TLS with a certificate of a private CA made here, and
 * requiring API keys: `credentials: credentials.createSsl(ca)` and `apiKey`.
 * The key must ride on every call: unary and server-streaming, also when the
 * call brings its own metadata or interceptors, and the client's own
 * interceptors. A call that carries its own authorization is sent with that
 * one only. The service answering in the key's tenant is the proof that the
 * key arrived (a call without one is UNAUTHENTICATED).
 */

const hasOpenssl = await opensslAvailable();
if (!hasOpenssl) console.warn("memoryClientTls.test: skipped, the openssl CLI is not on PATH (it generates the test certificates)");

const pkiDir = await mkdtemp(path.join(os.tmpdir(), "ltst-client-tls-"));
afterAll(async () => {
  await rm(pkiDir, { recursive: true, force: true });
});
let pki: { ca: Buffer; env: Record<string, string> } | null = null;
if (hasOpenssl) {
  const generated = await generateCertificates(pkiDir);
  const server = await generated.leaf("server", { cn: "localhost", altNames: ["DNS:localhost", "IP:127.0.0.1"] });
  pki = { ca: await readFile(generated.caFile), env: { LTST_TLS_CERT_FILE: server.cert, LTST_TLS_KEY_FILE: server.key } };
}

/** A client interceptor that records the metadata each call starts with, and adds a header of its own. */
function metadataRecorder(header: string) {
  const seen: grpc.Metadata[] = [];
  const interceptor: grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        seen.push(metadata.clone());
        metadata.set(header, "1");
        next(metadata, listener);
      },
    });
  return { seen, interceptor, authorizations: () => seen.map((m) => m.get("authorization")) };
}

async function failure(promise: Promise<unknown>): Promise<{ code: grpc.status; reason: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (!isServiceError(error)) throw error;
    return { code: error.code, reason: errorDetails(error).errorInfo?.reason };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

async function drain<T>(stream: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe.skipIf(!hasOpenssl)("the TypeScript client over TLS with an API key", () => {
  describeEachBackend(
    "memory client, TLS and apiKey",
    (service) => {
      let keys: Record<"writer" | "reader", string>;
      let otherTenantKey: string;
      const clients: MemoryClient[] = [];
      const connect = (options: Partial<MemoryClientOptions> = {}) => {
        const client = createMemoryClient({
          address: `127.0.0.1:${service().service.port}`,
          credentials: grpc.credentials.createSsl(pki!.ca),
          defaultDeadlineMs: 10_000,
          ...options,
        });
        clients.push(client);
        return client;
      };
      const userId = "tls-alice";
      const sessionId = "tls-session";

      beforeAll(async () => {
        keys = await issueTestKeys(service(), "tls-tenant", ["writer", "reader"], grpc.credentials.createSsl(pki!.ca));
        otherTenantKey = (await issueTestKeys(service(), "tls-other-tenant", ["writer"], grpc.credentials.createSsl(pki!.ca))).writer;
        const memory = connect({ apiKey: keys.writer });
        await memory.sessions.createSession({ userId, sessionId });
        await memory.messages.appendMessages({ userId, sessionId, messages: [{ role: Role.ROLE_USER, content: "The kite is stuck in the tulip tree." }] });
      });
      afterEach(() => {
        for (const client of clients.splice(0)) client.close();
      });

      it("connects with TLS against the private CA, and the key sets the tenant: unary and streaming calls", async () => {
        const memory = connect({ apiKey: keys.writer });
        await memory.waitForReady();
        expect((await memory.sessions.getSession({ userId, sessionId })).session).toMatchObject({ id: sessionId, messageCount: 1 });
        const search = await drain(memory.search.search({ userId, query: "kite", mode: SearchMode.SEARCH_MODE_LEXICAL }));
        expect(search.filter((r) => r.hit).map((r) => r.hit!.message!.content)).toEqual(["The kite is stuck in the tulip tree."]);
        const rehydrated = await drain(memory.rehydrate.rehydrate({ userId, sessionId, tokenBudget: 500 }));
        expect(rehydrated.at(-1)?.report?.tokenBudget).toBe(500);
        // Another tenant's key sees nothing of it: the tenant came from the key.
        const other = connect({ apiKey: otherTenantKey });
        expect(await failure(other.sessions.getSession({ userId, sessionId }))).toMatchObject({ code: grpc.status.NOT_FOUND });
      });

      it("without a key: UNAUTHENTICATED (MISSING_CREDENTIALS), unary and streaming", async () => {
        const memory = connect();
        const refused = { code: grpc.status.UNAUTHENTICATED, reason: "MISSING_CREDENTIALS" };
        expect(await failure(memory.sessions.getSession({ userId, sessionId }))).toEqual(refused);
        expect(await failure(drain(memory.search.search({ userId, query: "kite", mode: SearchMode.SEARCH_MODE_LEXICAL })))).toEqual(refused);
        expect(await failure(drain(memory.rehydrate.rehydrate({ userId, sessionId, tokenBudget: 500 })))).toEqual(refused);
      });

      it("refuses to connect without the private CA (system roots) and over plaintext", async () => {
        for (const credentials of ["tls", "insecure"] as const) {
          const memory = connect({ apiKey: keys.writer, credentials });
          expect(await failure(memory.sessions.getSession({ userId, sessionId }))).toMatchObject({ code: grpc.status.UNAVAILABLE });
        }
      });

      it("sends the key when a call passes its own metadata, which it leaves unchanged", async () => {
        const memory = connect({ apiKey: keys.writer });
        const metadata = new grpc.Metadata();
        metadata.set("x-request-id", "tls-own-metadata");
        expect((await memory.sessions.getSession({ userId, sessionId }, { metadata })).session?.id).toBe(sessionId);
        const hits = await drain(memory.search.search({ userId, query: "tulip", mode: SearchMode.SEARCH_MODE_LEXICAL }, { metadata }));
        expect(hits.filter((r) => r.hit)).toHaveLength(1);
        expect(metadata.getMap()).toEqual({ "x-request-id": "tls-own-metadata" });
      });

      it("sends the key through call-level and client-level interceptors, unary and streaming", async () => {
        const perClient = metadataRecorder("x-client-interceptor");
        const memory = connect({ apiKey: keys.writer, interceptors: [perClient.interceptor] });
        const perCall = metadataRecorder("x-call-interceptor");
        const appended = await memory.messages.appendMessages(
          { userId, sessionId, messages: [{ role: Role.ROLE_ASSISTANT, content: "Then fetch a ladder." }] },
          { interceptors: [perCall.interceptor] },
        );
        expect(appended.messages.map((m) => m.messageIndex)).toEqual([1]);
        const rehydrated = await drain(memory.rehydrate.rehydrate({ userId, sessionId, tokenBudget: 500 }, { interceptors: [perCall.interceptor] }));
        expect(rehydrated.at(-1)?.report).toBeDefined();
        const search = await drain(memory.search.search({ userId, query: "ladder", mode: SearchMode.SEARCH_MODE_LEXICAL }, { interceptor_providers: [() => perCall.interceptor] }));
        expect(search.filter((r) => r.hit)).toHaveLength(1);
        // The per-call interceptor saw the key on each of its three calls (in grpc-js, call-level
        // interceptors replace the client's, so the per-client one saw none of them)...
        expect(perCall.authorizations()).toEqual([[`Bearer ${keys.writer}`], [`Bearer ${keys.writer}`], [`Bearer ${keys.writer}`]]);
        // ...and the per-client one sees it on a call without interceptors of its own.
        await memory.sessions.getSession({ userId, sessionId });
        expect(perClient.authorizations()).toEqual([[`Bearer ${keys.writer}`]]);
        // The messages went to the key's tenant.
        expect((await connect({ apiKey: keys.reader }).sessions.getSession({ userId, sessionId })).session?.messageCount).toBe(2);
      });

      it("a call's own authorization replaces the client's key (sent once, not twice)", async () => {
        const memory = connect({ apiKey: keys.writer });
        const metadata = new grpc.Metadata();
        metadata.set("authorization", `Bearer ${keys.reader}`);
        const write = memory.messages.appendMessages({ userId, sessionId, messages: [{ role: Role.ROLE_USER, content: "not stored" }] }, { metadata });
        // A second authorization header would be MALFORMED_CREDENTIALS.
        expect(await failure(write)).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "ROLE_NOT_ALLOWED" });
        const reader = connect();
        expect((await reader.sessions.getSession({ userId, sessionId }, { metadata })).session?.messageCount).toBe(2);
      });
    },
    { only: ["embedded"], env: pki?.env ?? {} },
  );
});
