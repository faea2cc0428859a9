/**
 * Several replicas of the service on one PostgreSQL, and clients that spread
 * their calls over them with grpc-js round_robin over a multi-address target:
 *
 * - the client really spreads (every replica's call counter moves, in turn);
 * - concurrent appends to one session through different replicas, with
 *   idempotent retries through another replica, stay gapless, exactly once,
 *   with a hash chain that recomputes and exact statistics;
 * - the embedding workers of all replicas share the queue: every message is
 *   embedded exactly once, by more than one replica;
 * - a replica running in its own process, SIGKILLed while appends it handles
 *   wait in the database, loses nothing acknowledged; its calls fail with a
 *   retriable code, and retrying them with their idempotency key through the
 *   survivors stores each exactly once;
 * - with a retry policy for UNAVAILABLE in the channel's service config, the
 *   same kill is invisible to the client: the channel retries the victim's
 *   calls on a survivor (possible because the server sends response headers
 *   only with the response), every append succeeds, exactly once.
 *
 * On the native PostgreSQL (DATABASE_URL) and on Citus (CITUS_URL): the
 * embedded database belongs to one process, so replicas cannot share it.
 */
import * as grpc from "@grpc/grpc-js";
import { rm } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppendMessagesRequest,
  MessageServiceClient,
  NewMessage,
  Role,
  type AppendMessagesResponse,
  type Message,
} from "../../gen/ts/ltst/memory/v1/message.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { testBackends, type Backend } from "../support/backends.js";
import { startReplicas, type Replicas } from "../support/startReplicas.js";
import { startServiceProcess, type ServiceProcess } from "../support/startServiceProcess.js";
import { waitFor } from "../support/waitFor.js";

const servers = (await testBackends()).filter((backend) => backend.name === "postgres" || backend.name === "citus");
for (const server of servers) {
  if (server.skipReason !== null) {
    console.warn(
      `[skip] service replicas [${server.name}]: ${server.skipReason}; replicas need a real PostgreSQL they can share (the embedded database belongs to one process)`,
    );
  }
}

/**
 * Sessions of this database waiting for a lock. On Citus the waits are on
 * the workers, in the statements on the shards of this test's schema (the
 * coordinator's sessions wait for the workers' answers).
 */
const lockWaiters = (backend: Backend) =>
  backend.name === "citus"
    ? "SELECT count(*) AS n FROM citus_stat_activity WHERE wait_event_type = 'Lock' AND position(current_schema() || '.sessions_' IN query) > 0"
    : "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";

const REPLICAS = 3;
/** Concurrent writers in the replica-kill tests. */
const KILL_WRITERS = 6;
/** A channel option that spreads calls over every address of the target. */
const roundRobin = { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };
/** Codes a call may end with when its replica dies under it: the client retries them. */
const RETRIABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.CANCELLED]);

const WORDS = ["orange", "green", "blue", "kite", "boat", "tree", "lake", "wind", "river", "stone"];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sentence = (seed: number) => range(4).map((i) => WORDS[(seed * 7 + i * 3) % WORDS.length]).join(" ");

/** One message appended with an idempotency key whose content names the key, so duplicates show. */
function appendRequest(userId: string, sessionId: string, key: string, n: number): AppendMessagesRequest {
  return AppendMessagesRequest.fromPartial({
    userId,
    sessionId,
    idempotencyKey: key,
    messages: [NewMessage.fromPartial({ role: n % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT, content: `${key}: ${sentence(n)}` })],
  });
}

type Sent = {
  key: string;
  request: AppendMessagesRequest;
  peerPort: number;
  /** Attempts before the one that answered (grpc-js's retry policy; from grpc-previous-rpc-attempts). */
  previousAttempts: number;
} & (
  | { ok: true; response: AppendMessagesResponse }
  | { ok: false; error: grpc.ServiceError }
);

/** Appends, and tells which replica (port) answered, from the call's peer, and after how many earlier attempts. */
function append(client: MessageServiceClient, request: AppendMessagesRequest, deadlineMs = 60_000): Promise<Sent> {
  return new Promise((resolve) => {
    let previousAttempts = 0;
    const call: grpc.ClientUnaryCall = client.appendMessages(request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      const peer = call.getPeer();
      const sent = { key: request.idempotencyKey, request, peerPort: Number(peer.slice(peer.lastIndexOf(":") + 1)), previousAttempts };
      resolve(error ? { ...sent, ok: false, error } : { ...sent, ok: true, response });
    });
    call.on("metadata", (headers: grpc.Metadata) => {
      previousAttempts = Number(headers.get("grpc-previous-rpc-attempts")[0] ?? 0);
    });
  });
}

/**
 * A generated MessageService client on the channel of `client` (the promise
 * client does not expose the peer). Closing it would close that channel.
 */
function messagesOn(client: MemoryClient): MessageServiceClient {
  return new MessageServiceClient("unused", grpc.credentials.createInsecure(), { channelOverride: client.grpcClient.getChannel() });
}

async function listAll(client: MemoryClient, userId: string, sessionId: string): Promise<Message[]> {
  const listed: Message[] = [];
  let pageToken = "";
  do {
    const page = await client.messages.listMessages({ userId, sessionId, pageSize: 1000, pageToken });
    listed.push(...page.messages);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return listed;
}

/**
 * The session's log is exactly the given keys' messages, once each, at
 * indexes 0..N-1, with every acknowledged message as acknowledged, a hash
 * chain that recomputes and exact statistics.
 */
async function expectExactLog(client: MemoryClient, userId: string, sessionId: string, keys: readonly string[], acknowledged: readonly Message[]) {
  const listed = await listAll(client, userId, sessionId);
  expect(listed.map((m) => m.messageIndex)).toEqual(range(keys.length));
  expect(new Set(listed.map((m) => m.id)).size).toBe(keys.length);
  expect(listed.map((m) => m.content.slice(0, m.content.indexOf(":"))).sort()).toEqual([...keys].sort());
  const byId = new Map(listed.map((m) => [m.id, m]));
  for (const message of acknowledged) {
    expect(byId.get(message.id), `acknowledged message ${message.id} (index ${message.messageIndex})`).toEqual(message);
  }
  const chain = listed.map((m) => ({
    role: m.role === Role.ROLE_USER ? ("user" as const) : ("assistant" as const),
    content: m.content,
    contentHash: m.contentHash,
    contextHash: m.contextHash,
  }));
  expect(verifyHashChain(chain)).toBe(-1);
  const { statistics } = await client.summaries.getSessionStatistics({ userId, sessionId });
  expect(statistics).toMatchObject({
    messageCount: keys.length,
    userMessageCount: listed.filter((m) => m.role === Role.ROLE_USER).length,
    assistantMessageCount: listed.filter((m) => m.role === Role.ROLE_ASSISTANT).length,
  });
  const { session } = await client.sessions.getSession({ userId, sessionId });
  expect(session?.messageCount).toBe(keys.length);
}

for (const server of servers) describe.skipIf(server.skipReason !== null)(`${REPLICAS} service replicas on one database [${server.name}]`, () => {
  let modelDir: string;
  let deployment: Replicas;
  /** A client whose channel spreads calls over every replica. */
  let client: MemoryClient;
  /** One client per replica, for calls that must go through a given one. */
  let direct: MessageServiceClient[];
  let database: pg.Client;
  const replicas = () => deployment.replicas;
  const port = (i: number) => replicas()[i]!.service.port;
  const counterTotal = async (counter: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
  const callCounts = () => Promise.all(replicas().map((r) => counterTotal(r.service.metrics.grpcCalls)));
  const count = async (query: string) => Number((await database.query<{ n: string }>(query)).rows[0]!.n);

  beforeAll(async () => {
    modelDir = await prepareSearchModelDir(WORDS);
    deployment = await startReplicas(server, REPLICAS, {
      LTST_MODEL_DIR: modelDir,
      // Small batches and short polls, so that the workers share the queue rather than one taking it all.
      LTST_EMBEDDING_BATCH_SIZE: "4",
      LTST_EMBEDDING_POLL_MS: "50",
    });
    client = createMemoryClient({ address: deployment.target, channelOptions: roundRobin });
    // Generated clients: these tests read each call's peer and response headers, which the shipped client does not expose.
    direct = replicas().map((r) => new MessageServiceClient(`127.0.0.1:${r.service.port}`, grpc.credentials.createInsecure()));
    database = new pg.Client({ connectionString: deployment.databaseUrl });
    // The scratch database's cleanup terminates this connection; that must not become an uncaught error.
    database.on("error", () => {});
    await database.connect();
  }, 120_000);

  afterAll(async () => {
    client?.close();
    for (const d of direct ?? []) d.close();
    await database?.end().catch(() => {});
    await deployment?.cleanup();
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
  }, 60_000);

  it("a round_robin client over a multi-address target spreads its calls over every replica, in turn", async () => {
    await client.sessions.createSession({ userId: "spread", sessionId: "s" });
    // The channel connects to the replicas one by one: call until each has answered.
    await waitFor(async () => {
      await client.sessions.getSession({ userId: "spread", sessionId: "s" });
      return (await callCounts()).every((n) => n > 0);
    }, { timeoutMs: 30_000, message: "every replica to answer a call" });
    const before = await callCounts();
    const CALLS = 30;
    for (let i = 0; i < CALLS; i++) await client.sessions.getSession({ userId: "spread", sessionId: "s" });
    // A call is counted as it ends on the server, which may be just after the client has the answer.
    let delta: number[] = [];
    await waitFor(async () => {
      delta = (await callCounts()).map((n, i) => n - before[i]!);
      return delta.reduce((a, b) => a + b, 0) >= CALLS;
    }, { timeoutMs: 30_000, message: `${CALLS} calls counted` });
    console.log(`[replicas] ${CALLS} sequential calls through round_robin, per replica: ${delta.join(", ")}`);
    expect(delta).toEqual(range(REPLICAS).map(() => CALLS / REPLICAS));
  }, 60_000);

  it("8 writers x 25 concurrent appends to one session through different replicas, with retries through another: gapless, exactly once", async () => {
    const WRITERS = 8;
    const APPENDS = 25;
    const userId = "racer";
    const sessionId = "race";
    await client.sessions.createSession({ userId, sessionId });
    const spread = messagesOn(client);
    const acknowledged: Message[] = [];
    const peers = new Map<number, number>();
    let retries = 0;
    const started = Date.now();
    await Promise.all(
      range(WRITERS).map(async (w) => {
        for (let i = 0; i < APPENDS; i++) {
          const request = appendRequest(userId, sessionId, `w${w}-${i}`, w * APPENDS + i);
          if (i % 5 === 2) {
            // The same request through two replicas at once: one stores it, the other answers with what was stored.
            const a = (w + i) % REPLICAS;
            const b = (a + 1) % REPLICAS;
            const [first, second] = await Promise.all([append(direct[a]!, request), append(direct[b]!, request)]);
            if (!first.ok) throw first.error;
            if (!second.ok) throw second.error;
            expect(second.response.messages).toEqual(first.response.messages);
            expect([first.response.replayed, second.response.replayed].sort()).toEqual([false, true]);
            acknowledged.push(...first.response.messages);
            retries += 1;
            continue;
          }
          const sent = await append(spread, request);
          if (!sent.ok) throw sent.error;
          expect(sent.response.replayed).toBe(false);
          acknowledged.push(...sent.response.messages);
          peers.set(sent.peerPort, (peers.get(sent.peerPort) ?? 0) + 1);
          if (i % 5 === 0) {
            // A retry of an acknowledged append, through another replica: the same messages, nothing stored.
            const other = (replicas().findIndex((r) => r.service.port === sent.peerPort) + 1) % REPLICAS;
            const retried = await append(direct[other]!, request);
            if (!retried.ok) throw retried.error;
            expect(retried.response.replayed).toBe(true);
            expect(retried.response.messages).toEqual(sent.response.messages);
            retries += 1;
          }
        }
      }),
    );
    console.log(
      `[replicas] ${WRITERS * APPENDS} appends (${retries} retried through another replica) in ${Date.now() - started} ms; ` +
        `round_robin appends per replica: ${range(REPLICAS).map((i) => peers.get(port(i)) ?? 0).join(", ")}`,
    );
    // The round_robin appends reached every replica.
    for (const i of range(REPLICAS)) expect(peers.get(port(i)) ?? 0, `appends through replica ${i}`).toBeGreaterThan(0);
    const keys = range(WRITERS).flatMap((w) => range(APPENDS).map((i) => `w${w}-${i}`));
    await expectExactLog(client, userId, sessionId, keys, acknowledged);
  }, 180_000);

  it("the replicas' embedding workers share the queue: every message embedded exactly once, by more than one replica", async (context) => {
    if (!replicas().every((r) => r.service.embeddings.storage)) {
      console.warn(
        "[skip] embedding work shared by replicas: pgvector is not available to the test database's role " +
          "(CREATE EXTENSION vector needs a superuser, unless the extension is in template1)",
      );
      context.skip();
    }
    for (const r of replicas()) expect(r.service.embeddings.worker, "every replica runs a worker").not.toBeNull();
    const userId = "embedder";
    const sessionId = "e";
    await client.sessions.createSession({ userId, sessionId });
    const spread = messagesOn(client);
    const started = Date.now();
    await Promise.all(
      range(3).map(async (w) => {
        for (let i = 0; i < 40; i++) {
          const sent = await append(spread, appendRequest(userId, sessionId, `e${w}-${i}`, w * 40 + i));
          if (!sent.ok) throw sent.error;
        }
      }),
    );
    // Every message of this file's sessions, this one's and the earlier tests'.
    const messages = await count("SELECT count(*) AS n FROM messages");
    await waitFor(
      async () => (await count("SELECT count(*) AS n FROM message_embedding_queue")) === 0 && (await count("SELECT count(*) AS n FROM message_embeddings")) === messages,
      { timeoutMs: 120_000, message: "every message embedded" },
    );
    const embeddedMs = Date.now() - started;
    // A batch is counted just after it is stored.
    const stored = () => Promise.all(replicas().map((r) => counterTotal(r.service.metrics.embeddingsStored)));
    let perReplica: number[] = [];
    await waitFor(async () => {
      perReplica = await stored();
      return perReplica.reduce((a, b) => a + b, 0) >= messages;
    }, { timeoutMs: 30_000, message: "the stored embeddings counted" });
    console.log(`[replicas] ${messages} messages embedded in ${embeddedMs} ms after the first append; per replica: ${perReplica.join(", ")}`);
    // No message embedded twice (a second store of one message would count again).
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(messages);
    expect(await count("SELECT count(DISTINCT (tenant_id, user_id, session_id, message_index)) AS n FROM message_embeddings")).toBe(messages);
    expect(await count(`SELECT count(*) AS n FROM message_embeddings WHERE model <> '${replicas()[0]!.service.embeddings.embedder!.modelName}'`)).toBe(0);
    expect(perReplica.filter((n) => n > 0).length, "replicas whose worker stored embeddings").toBeGreaterThan(1);
  }, 180_000);

  /**
   * Appends to one session through a round_robin client over two of the
   * in-process replicas and a third in its own process (the victim, which can
   * really be killed): writers append until the victim has acknowledged some;
   * then, with the session's row lock held by the test, one append per
   * writer goes out (a third of them to the victim, round_robin taking turns)
   * and waits inside its transaction while the victim is SIGKILLed; writers
   * go on appending while it is gone; then the lock is released.
   */
  async function killReplicaMidCall(userId: string, sessionId: string, channelOptions: grpc.ChannelOptions) {
    const victim: ServiceProcess = await startServiceProcess({ DATABASE_URL: deployment.databaseUrl });
    const ports = [port(0), port(1), victim.port];
    const killable = createMemoryClient({ address: `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(",")}`, channelOptions });
    const spread = messagesOn(killable);
    const locker = new pg.Client({ connectionString: deployment.databaseUrl });
    locker.on("error", () => {});
    const sent: Sent[] = [];
    const send = async (key: string, n: number) => {
      const outcome = await append(spread, appendRequest(userId, sessionId, key, n));
      sent.push(outcome);
      return outcome;
    };
    const writers = async (prefix: string) =>
      Promise.all(
        range(KILL_WRITERS).map(async (w) => {
          for (let i = 0; i < 10; i++) await send(`${prefix}${w}-${i}`, i);
        }),
      );
    try {
      await killable.sessions.createSession({ userId, sessionId });
      // Before: every replica, the victim included, acknowledges appends.
      await waitFor(async () => {
        const outcome = await send(`warm-${sent.length}`, sent.length);
        return outcome.ok && outcome.peerPort === victim.port;
      }, { timeoutMs: 30_000, message: "the victim to answer a call" });
      await writers("a");
      expect(sent.filter((s) => s.ok && s.peerPort === victim.port).length, "appends acknowledged by the victim").toBeGreaterThan(0);

      // During: the victim dies with appends in its transactions.
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM sessions WHERE user_id = $1 AND id = $2 FOR UPDATE", [userId, sessionId]);
      const during = range(KILL_WRITERS).map((w) => send(`b${w}`, w));
      await waitFor(async () => (await count(lockWaiters(server))) >= KILL_WRITERS, {
        timeoutMs: 30_000,
        message: `${KILL_WRITERS} appends waiting for the session lock`,
      });
      const killedAt = Date.now();
      await victim.kill();
      const after = writers("c");
      await locker.query("COMMIT");
      await Promise.all(during);
      await after;
      const failed = sent.filter((s): s is Extract<Sent, { ok: false }> => !s.ok);
      const codes = [...new Set(failed.map((s) => grpc.status[s.error.code]))];
      console.log(
        `[replicas] victim pid ${victim.pid} SIGKILLed with ${KILL_WRITERS} appends waiting in the database; ` +
          `${sent.length} appends sent, ${failed.length} failed (${codes.join(", ") || "none"}${failed.map((s) => ` ${s.key} "${s.error.details}"`).join(";")}), ` +
          `every call settled ${Date.now() - killedAt} ms after the kill`,
      );
      // After the kill, every acknowledged append came from a survivor.
      for (const s of sent) if (s.ok && s.key.startsWith("c")) expect(s.peerPort).not.toBe(victim.port);
      return { sent, failed, client: killable, victimPort: victim.port };
    } catch (error) {
      killable.close();
      throw error;
    } finally {
      await locker.end().catch(() => {});
      await victim.cleanup();
    }
  }

  /** What a dead replica queued for embedding (it runs no worker) is embedded by the survivors. */
  async function expectEverythingEmbedded() {
    if (!replicas().every((r) => r.service.embeddings.storage)) return;
    await waitFor(
      async () =>
        (await count("SELECT count(*) AS n FROM message_embedding_queue")) === 0 &&
        (await count("SELECT count(*) AS n FROM message_embeddings")) === (await count("SELECT count(*) AS n FROM messages")),
      { timeoutMs: 120_000, message: "the survivors to embed every message" },
    );
  }

  it("a replica process SIGKILLed while its appends wait in the database loses nothing acknowledged; its calls retry exactly once on the survivors", async () => {
    const { sent, failed, client: killable } = await killReplicaMidCall("killer", "k", roundRobin);
    try {
      // The victim's calls were mid-call: they failed, with a code a client retries.
      expect(failed.length).toBeGreaterThan(0);
      for (const s of failed) expect(RETRIABLE.has(s.error.code), `${s.key}: ${grpc.status[s.error.code]} ${s.error.details}`).toBe(true);
      // Retried with their idempotency key through each survivor in turn: stored once, the second answer a replay.
      const acknowledged = sent.flatMap((s) => (s.ok ? s.response.messages : []));
      for (const s of failed) {
        const first = await append(direct[0]!, s.request);
        const second = await append(direct[1]!, s.request);
        if (!first.ok) throw first.error;
        if (!second.ok) throw second.error;
        expect(second.response.replayed).toBe(true);
        expect(second.response.messages).toEqual(first.response.messages);
        acknowledged.push(...first.response.messages);
      }
      await expectExactLog(killable, "killer", "k", [...new Set(sent.map((s) => s.key))], acknowledged);
      await expectEverythingEmbedded();
    } finally {
      killable.close();
    }
  }, 180_000);

  it("with a retry policy for UNAVAILABLE in the service config, a replica killed mid-call is invisible: every append succeeds, exactly once", async () => {
    // Safe for AppendMessages only because every request carries an idempotency key.
    const retrying = {
      "grpc.service_config": JSON.stringify({
        loadBalancingConfig: [{ round_robin: {} }],
        methodConfig: [
          {
            name: [{ service: "ltst.memory.v1.MessageService", method: "AppendMessages" }],
            retryPolicy: { maxAttempts: 3, initialBackoff: "0.05s", maxBackoff: "0.5s", backoffMultiplier: 2, retryableStatusCodes: ["UNAVAILABLE"] },
          },
        ],
      }),
    };
    const { sent, failed, client: killable, victimPort } = await killReplicaMidCall("survivor", "r", retrying);
    try {
      expect(failed.map((s) => `${s.key}: ${grpc.status[s.error.code]} ${s.error.details}`)).toEqual([]);
      // The victim's calls were mid-call: the channel retried them on a survivor.
      const retried = sent.filter((s) => s.previousAttempts > 0);
      console.log(`[replicas] retried by the channel's retry policy: ${retried.map((s) => `${s.key} (${s.previousAttempts} earlier attempt)`).join(", ")}`);
      expect(retried.length).toBeGreaterThan(0);
      for (const s of retried) expect(s.peerPort).not.toBe(victimPort);
      const acknowledged = sent.flatMap((s) => (s.ok ? s.response.messages : []));
      await expectExactLog(killable, "survivor", "r", [...new Set(sent.map((s) => s.key))], acknowledged);
      await expectEverythingEmbedded();
    } finally {
      killable.close();
    }
  }, 180_000);
});
