/**
 * On Citus, every hot statement that names one user is routed whole to the
 * one worker holding that user's shard group: EXPLAIN of the statement the
 * service really sends (the query functions themselves, through a pool whose
 * interceptor turns each statement into EXPLAIN of it) shows one Citus
 * Adaptive scan with "Task Count: 1" and no distributed subplan (which would
 * mean several round trips through the coordinator).
 *
 * Needs CITUS_URL (.ci/start-citus.sh); skipped with the reason otherwise.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createPool, type DatabasePool } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import os from "node:os";
import { openDatabase } from "../../src/db/openDatabase.js";
import { claimEmbeddingBatch } from "../../src/db/queries/claimEmbeddingBatch.js";
import { deleteExpiredAppendRequests } from "../../src/db/queries/deleteExpiredAppendRequests.js";
import { deleteInactiveSessions } from "../../src/db/queries/deleteInactiveSessions.js";
import { deleteOldMessages } from "../../src/db/queries/deleteOldMessages.js";
import { deleteSessionIfInactive } from "../../src/db/queries/deleteSessionIfInactive.js";
import { insertEmbeddingQueueEntries } from "../../src/db/queries/insertEmbeddingQueueEntries.js";
import { insertMessages } from "../../src/db/queries/insertMessages.js";
import { insertSession } from "../../src/db/queries/insertSession.js";
import { lockSessionForAppend } from "../../src/db/queries/lockSessionForAppend.js";
import { lockSessionsWithOldMessages } from "../../src/db/queries/lockSessionsWithOldMessages.js";
import { selectRehydrationSources } from "../../src/db/queries/selectRehydrationSources.js";
import { selectLastMessages, selectMessageById, selectMessagesPage } from "../../src/db/queries/selectMessages.js";
import { selectSession } from "../../src/db/queries/selectSession.js";
import { selectSessionStatistics } from "../../src/db/queries/selectSessionStatistics.js";
import { selectSessionSummary } from "../../src/db/queries/selectSessionSummary.js";
import { sessionIsRetained } from "../../src/db/queries/sessionIsRetained.js";
import { tryRetentionLock } from "../../src/db/queries/tryRetentionLock.js";
import { selectSessionsPage } from "../../src/db/queries/selectSessionsPage.js";
import { selectLexemeFrequencies, selectQueryLexemes } from "../../src/db/queries/selectQueryLexemes.js";
import { selectHybridHits, selectLexicalHits, selectSemanticHits, type SearchScope } from "../../src/db/queries/selectSearchHits.js";
import { updateSession } from "../../src/db/queries/updateSession.js";
import { updateSessionAfterAppend } from "../../src/db/queries/updateSessionAfterAppend.js";
import { upsertPreference } from "../../src/db/queries/upsertPreference.js";
import { upsertSessionRelationship } from "../../src/db/queries/upsertSessionRelationship.js";
import { upsertSessionSummary } from "../../src/db/queries/upsertSessionSummary.js";
import { runMigrations } from "../../src/db/runMigrations.js";
import type { RetentionCutoffs } from "../../src/domain/retention/RetentionPolicies.js";
import { connectClient } from "../support/connectClient.js";

const citusUrl = process.env.CITUS_URL;
const skipReason = citusUrl ? null : "CITUS_URL is not set (CI sets it to a local Citus coordinator with two workers, .ci/start-citus.sh)";
if (skipReason) console.warn(`[skip] Citus router plans: ${skipReason}`);

const TENANT = "default";
const USER = "router-user";
const SESSION = "router-session";

/**
 * Which statements the pool explains instead of running (see plansOf): the
 * others run, so that a function's later statements can be reached.
 */
let explainIf: (sql: string) => boolean = () => true;

/**
 * The plan of every statement sent through `pool` while `fn` runs, instead of
 * running it; with `only`, just the statements it picks are explained, and
 * the others run.
 */
async function plansOf(pool: DatabasePool, plans: string[], fn: () => Promise<unknown>, only?: (sql: string) => boolean): Promise<string[]> {
  plans.length = 0;
  explainIf = only ?? (() => true);
  let failure: unknown = null;
  // The query functions parse rows that EXPLAIN does not return: their
  // errors are expected once a plan came back; without one, the error is
  // Citus refusing the statement, and it is the test's failure.
  await fn().catch((error: unknown) => {
    failure = error;
  });
  explainIf = () => true;
  if (plans.length === 0 && failure) throw failure;
  return [...plans];
}

/** Every value of `key` anywhere in `node` (a plan in EXPLAIN's JSON). */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) => (k === key ? [v] : valuesOf(v, key)));
}

/**
 * That `plan` is one statement routed whole to one shard group: one Citus
 * Adaptive scan, one task, no subplan (a subplan is a round trip of its own
 * through the coordinator, often over every shard).
 */
function expectRouterPlan(plan: string): void {
  const json: unknown = JSON.parse(plan);
  expect(valuesOf(json, "Custom Plan Provider"), plan).toEqual(["Citus Adaptive"]);
  expect(valuesOf(json, "Task Count"), plan).toEqual([1]);
  expect(valuesOf(json, "Subplans"), plan).toEqual([]);
}

describe.skipIf(skipReason !== null)("Citus: the hot statements are single-shard router plans", () => {
  const schema = `ltst_test_${randomBytes(6).toString("hex")}`;
  let url = "";
  let pool: DatabasePool;
  const plans: string[] = [];
  let vectors = false;

  beforeAll(async () => {
    const admin = await connectClient(citusUrl!);
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await admin.end();
    }
    const withSchema = new URL(citusUrl!);
    withSchema.searchParams.set("options", `-c search_path=${schema},public`);
    url = withSchema.toString();
    await runMigrations({ databaseUrl: url });
    // Rows for the statements to find (the plans do not depend on them).
    const setup = await connectClient(url);
    try {
      const { rows } = await setup.query<{ enabled: boolean }>("SELECT ltst_enable_vector_storage() AS enabled");
      vectors = rows[0]!.enabled;
      await setup.query(`INSERT INTO sessions (tenant_id, user_id, id) VALUES ($1, $2, $3)`, [TENANT, USER, SESSION]);
      // A queued message, for the embedding claim to find.
      await setup.query(
        `INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, content, content_hash, context_hash, token_count)
         VALUES ($1, $2, $3, $4, 0, 'user', 'queued', decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'), 1)`,
        [TENANT, USER, SESSION, randomUUID()],
      );
      await setup.query(`INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index) VALUES ($1, $2, $3, 0)`, [
        TENANT, USER, SESSION,
      ]);
    } finally {
      await setup.end();
    }
    pool = await createPool(url, {
      maxPoolSize: 1,
      interceptors: [
        {
          name: "explain-instead",
          transformQuery: (_context, query) =>
            explainIf(query.sql) ? { ...query, sql: `EXPLAIN (COSTS OFF, FORMAT JSON) ${query.sql}` } : query,
          afterQueryExecution: (_context, query, result) => {
            if (!query.sql.startsWith("EXPLAIN")) return null;
            // One row (what one() and maybeOne() expect), the plan as JSON.
            plans.push(JSON.stringify(Object.values(result.rows[0]!)[0], null, 1));
            return null;
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await pool?.end();
    if (url) {
      const admin = await connectClient(citusUrl!);
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    }
  });

  it("is distributed: every user-keyed table by user_id, co-located; api_keys a reference table", async () => {
    const client = await connectClient(url);
    try {
      const { rows } = await client.query<{ table: string; method: string; colocation: number; column: string | null }>(
        `SELECT logicalrelid::regclass::text AS table, partmethod AS method, colocationid AS colocation,
                column_to_column_name(logicalrelid, partkey) AS column
         FROM pg_dist_partition WHERE logicalrelid::regclass::text IN (
           SELECT c.relname FROM pg_class c WHERE c.relnamespace = $1::regnamespace)`,
        [schema],
      );
      const userKeyed = [
        "sessions", "messages", "message_append_requests", "message_embedding_queue", "context_entries",
        "user_preferences", "session_relationships", "session_summaries", "user_erasures", ...(vectors ? ["message_embeddings"] : []),
      ];
      const distributed = rows.filter((row) => row.method === "h");
      expect(distributed.map((row) => row.table).sort()).toEqual([...userKeyed].sort());
      expect(distributed.every((row) => row.column === "user_id")).toBe(true);
      expect(new Set(distributed.map((row) => row.colocation)).size).toBe(1);
      expect(rows.filter((row) => row.method === "n").map((row) => row.table)).toEqual(["api_keys"]);
    } finally {
      await client.end();
    }
  });

  it("append: the session lock", async () => {
    const lock = await plansOf(pool, plans, () => lockSessionForAppend(pool, TENANT, USER, SESSION));
    expect(lock).toHaveLength(1);
    expectRouterPlan(lock[0]!);
  });

  // A multi-row INSERT ... VALUES naming the user in every row (an INSERT
  // ... SELECT FROM unnest() in a modifying CTE was planned with subplans),
  // and the queue rows in a statement of their own, routed the same way.
  it("append: the insert of messages, and of their queue rows", async () => {
    const message = {
      id: randomUUID(), messageIndex: 1, role: "user" as const, type: "", content: "hello router", metadata: {},
      parentMessageId: null, contentHash: "00".repeat(32), contextHash: "00".repeat(32), tokenCount: 2,
    };
    const insert = await plansOf(pool, plans, () =>
      insertMessages(pool, TENANT, USER, SESSION, [message, { ...message, id: randomUUID(), messageIndex: 2 }], { enqueueEmbeddings: false }),
    );
    expect(insert).toHaveLength(1);
    expectRouterPlan(insert[0]!);
    const queue = await plansOf(pool, plans, () => insertEmbeddingQueueEntries(pool, TENANT, USER, SESSION, [1, 2]));
    expect(queue).toHaveLength(1);
    expectRouterPlan(queue[0]!);
  });

  // The one-statement append (src/db/queries/appendToSessionHead.ts) chains
  // modifying CTEs that Citus runs as subplans through the coordinator: on
  // Citus the service appends with the router-planned statements above.
  it("append: the service knows it is on Citus, and appends with the statements above", async () => {
    const db = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir(), poolSize: 1, migrate: false });
    try {
      expect(db.distributed).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("append: the session's head and statistics after the insert", async () => {
    const totals = { count: 1, user: 1, assistant: 0, system: 0, tool: 0, tokens: 1, characters: 1, bytes: 1, lastContextHash: "00".repeat(32) };
    const update = await plansOf(pool, plans, () => updateSessionAfterAppend(pool, TENANT, USER, SESSION, totals));
    expect(update).toHaveLength(1);
    expectRouterPlan(update[0]!);
  });

  // The summary is joined on the user (sessionRow.ts's sessionSummaryJoin):
  // a correlated subquery was pushed down to all 32 shards in a SELECT, and
  // refused in INSERT ... RETURNING.
  it("sessions: create, get, list and update", async () => {
    const session = { tenantId: TENANT, userId: USER, id: "router-new", name: "", type: "", status: "active" as const, metadata: {}, relevanceScore: 0 };
    for (const fn of [
      () => insertSession(pool, session),
      () => selectSession(pool, TENANT, USER, SESSION),
      () => selectSessionsPage(pool, { tenantId: TENANT, userId: USER, status: null, after: null, limit: 10 }),
      () => updateSession(pool, TENANT, USER, SESSION, { name: "renamed" }),
    ]) {
      const plan = await plansOf(pool, plans, fn);
      expect(plan).toHaveLength(1);
      expectRouterPlan(plan[0]!);
    }
  });

  // The time of the write is a parameter: Citus refuses now() in ON CONFLICT DO UPDATE.
  it("upserts: a preference, a session link, the session's summary", async () => {
    const now = new Date();
    for (const fn of [
      () => upsertPreference(pool, { tenantId: TENANT, userId: USER, key: "k", value: Buffer.from("v"), keyId: null, metadata: {}, now }),
      () =>
        upsertSessionRelationship(pool, {
          tenantId: TENANT, userId: USER, sourceSessionId: SESSION, targetSessionId: "other", relation: "similar", score: 0.5, metadata: {}, now,
        }),
      () =>
        upsertSessionSummary(pool, { tenantId: TENANT, userId: USER, sessionId: SESSION, content: "s", coversThroughIndex: -1, tokenCount: 1, metadata: {}, now }),
    ]) {
      const plan = await plansOf(pool, plans, fn);
      expect(plan).toHaveLength(1);
      expectRouterPlan(plan[0]!);
    }
  });

  // The embedding claim: a read over every shard for the users with due rows
  // (no lock), then one claim per user, routed, where FOR UPDATE SKIP LOCKED
  // is allowed.
  it("embedding claim: the claim of one user's rows", async () => {
    const claim = await plansOf(
      pool,
      plans,
      () => claimEmbeddingBatch(pool, { token: randomUUID(), limit: 10, leaseMs: 60_000 }),
      (statement) => statement.includes("FOR UPDATE SKIP LOCKED"),
    );
    expect(claim).toHaveLength(1);
    expectRouterPlan(claim[0]!);
  });

  it("list the last N messages", async () => {
    const list = await plansOf(pool, plans, () => selectLastMessages(pool, TENANT, USER, SESSION, 20));
    expect(list).toHaveLength(1);
    expectRouterPlan(list[0]!);
  });

  it("search: lexical, and semantic and hybrid where pgvector is", async () => {
    // The lexical words come from the catalog on the coordinator (no shard
    // is read; run, not explained): without statistics there, no estimate.
    let lexemes: unknown = null;
    let frequencies: unknown = null;
    await plansOf(pool, plans, async () => (lexemes = await selectQueryLexemes(pool, "Hello, hello world")), () => false);
    await plansOf(pool, plans, async () => (frequencies = await selectLexemeFrequencies(pool)), () => false);
    expect(lexemes).toEqual({ lexemes: ["hello", "world"], statisticsVersion: expect.any(String) });
    expect(frequencies).toEqual([]);
    const scope: SearchScope = { tenantId: TENANT, userId: USER, sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null };
    const lexical = await plansOf(pool, plans, () => selectLexicalHits(pool, scope, { terms: ["hello"], maxCandidates: 200, limit: 10, minScore: 0 }));
    expect(lexical).toHaveLength(1);
    expectRouterPlan(lexical[0]!);
    if (!vectors) return;
    const vector = `[${Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
    const semantic = await plansOf(pool, plans, () => selectSemanticHits(pool, scope, { vector, model: "m", limit: 10, minScore: -1 }));
    expect(semantic).toHaveLength(1);
    expectRouterPlan(semantic[0]!);
    const hybrid = await plansOf(pool, plans, () =>
      selectHybridHits(pool, scope, { vector, model: "m", terms: ["hello"], maxCandidates: 200, candidates: 50, limit: 10, minScore: 0 }),
    );
    expect(hybrid).toHaveLength(1);
    expectRouterPlan(hybrid[0]!);
  });

  // The session's summary is a join on the user (sessionRow.ts's
  // sessionSummaryJoin); a correlated subquery there made the session's CTE
  // a subplan run on all 32 shards.
  it("rehydrate's read: session, summary, recent messages, preferences and context in one statement", async () => {
    const read = await plansOf(pool, plans, () =>
      selectRehydrationSources(pool, { tenantId: TENANT, userId: USER, sessionId: SESSION, recent: 10, now: new Date(), maxPreferences: 50, maxContext: 50 }),
    );
    expect(read).toHaveLength(1);
    expectRouterPlan(read[0]!);
    // With the lexemes of the latest user message, as lexical relevance asks
    // on Citus (without the statistics' version: see statisticsVersion).
    const withLexemes = () =>
      selectRehydrationSources(pool, {
        tenantId: TENANT,
        userId: USER,
        sessionId: SESSION,
        recent: 10,
        now: new Date(),
        maxPreferences: 50,
        maxContext: 50,
        latestUserLexemes: { statisticsVersion: false },
      });
    const plan = await plansOf(pool, plans, withLexemes);
    expect(plan).toHaveLength(1);
    expectRouterPlan(plan[0]!);
    // Run, not explained: the workers compute the lexemes (of "queued", the
    // session's one user message).
    let sources: Awaited<ReturnType<typeof withLexemes>> = null;
    await plansOf(pool, plans, async () => (sources = await withLexemes()), () => false);
    expect(sources!.latestUserLexemes).toEqual({ messageIndex: expect.any(Number), lexemes: ["queu"], statisticsVersion: null });
  });

  // Under a retention policy every read gets conditions with subqueries
  // (retentionFilters.ts); they name the user, so the reads stay routed.
  it("reads under a retention policy: sessions, messages, summary, statistics, rehydrate, search", async () => {
    const day = 86_400_000;
    const retention: RetentionCutoffs = {
      sessionsActiveSince: new Date(Date.now() - 30 * day),
      messagesSince: new Date(Date.now() - 7 * day),
      keepSummaries: false,
    };
    const scope: SearchScope = {
      tenantId: TENANT, userId: USER, sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null, retention,
    };
    for (const fn of [
      () => selectSession(pool, TENANT, USER, SESSION, retention),
      () => selectSessionsPage(pool, { tenantId: TENANT, userId: USER, status: null, after: null, limit: 10, retention }),
      () => updateSession(pool, TENANT, USER, SESSION, { name: "renamed" }, retention),
      () => sessionIsRetained(pool, TENANT, USER, SESSION, retention),
      () => lockSessionForAppend(pool, TENANT, USER, SESSION, retention),
      () => selectLastMessages(pool, TENANT, USER, SESSION, 20, retention),
      () => selectMessagesPage(pool, { tenantId: TENANT, userId: USER, sessionId: SESSION, backward: false, afterIndex: null, limit: 10, retention }),
      () => selectMessageById(pool, TENANT, USER, SESSION, randomUUID(), retention),
      () => selectSessionSummary(pool, TENANT, USER, SESSION, retention),
      () => selectSessionStatistics(pool, TENANT, USER, SESSION, retention),
      () =>
        selectRehydrationSources(pool, {
          tenantId: TENANT, userId: USER, sessionId: SESSION, recent: 10, now: new Date(), maxPreferences: 50, maxContext: 50, retention,
        }),
      () => selectLexicalHits(pool, scope, { terms: ["hello"], maxCandidates: 200, limit: 10, minScore: 0 }),
      () => deleteSessionIfInactive(pool, TENANT, USER, "router-gone", new Date()),
    ]) {
      const plan = await plansOf(pool, plans, fn);
      expect(plan.length, fn.toString()).toBeGreaterThan(0);
      for (const p of plan) expectRouterPlan(p);
    }
  });

  // The retention sweep: a read over every shard for the candidates (no
  // lock), then per user a lock (FOR UPDATE SKIP LOCKED) and a delete that
  // name the user, routed to the user's worker, where row locks are allowed.
  it("retention sweep: the per-user locks and deletes", async () => {
    const future = new Date(Date.now() + 86_400_000);
    const setup = await connectClient(url);
    try {
      await setup.query(
        `INSERT INTO message_append_requests (tenant_id, user_id, session_id, idempotency_key, request_hash, first_index, message_count)
         VALUES ($1, $2, $3, 'router-key', decode(repeat('00', 32), 'hex'), 0, 1) ON CONFLICT DO NOTHING`,
        [TENANT, USER, SESSION],
      );
    } finally {
      await setup.end();
    }
    const locked = (statement: string) => statement.includes("SKIP LOCKED");
    for (const fn of [
      () => lockSessionsWithOldMessages(pool, TENANT, USER, [SESSION], future),
      () => deleteOldMessages(pool, TENANT, USER, [SESSION], future, { keepSummaries: false, limit: 10 }),
    ]) {
      const plan = await plansOf(pool, plans, fn);
      expect(plan).toHaveLength(1);
      expectRouterPlan(plan[0]!);
    }
    // The candidates' read runs (it finds the session and the record); only the per-user statements are explained.
    for (const fn of [
      () => deleteInactiveSessions(pool, { except: [] }, future, 10),
      () => deleteExpiredAppendRequests(pool, future, 10),
    ]) {
      const plan = await plansOf(pool, plans, fn, locked);
      expect(plan).toHaveLength(1);
      expectRouterPlan(plan[0]!);
    }
  });

  // The sweeper's advisory lock (tryRetentionLock) is taken on the
  // coordinator, where a statement without tables runs: one holder in the
  // whole cluster, as on one node.
  it("retention lock: one holder at a time, through the coordinator", async () => {
    const replicas = [await createPool(url, { maxPoolSize: 1 }), await createPool(url, { maxPoolSize: 1 })] as const;
    try {
      const [a, b] = replicas;
      await a.transaction(async (first) => {
        expect(await tryRetentionLock(first)).toBe(true);
        expect(await b.transaction((second) => tryRetentionLock(second))).toBe(false);
      });
      expect(await b.transaction((second) => tryRetentionLock(second))).toBe(true);
    } finally {
      for (const replica of replicas) await replica.end();
    }
  });

  it("enableVectorStorage is idempotent on Citus", async () => {
    const client = await connectClient(url);
    try {
      const { rows } = await client.query<{ enabled: boolean }>("SELECT ltst_enable_vector_storage() AS enabled");
      expect(rows[0]!.enabled).toBe(vectors);
    } finally {
      await client.end();
    }
  });
});
