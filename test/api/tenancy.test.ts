/**
 * Tenancy at the domain level, on a real database: two tenants using the very
 * same user ids and session ids never see, change or delete each other's
 * data, through every domain function that reads or writes. The domain
 * functions are called directly (the tenant comes from the credential, which
 * the transport resolves; here it is passed as the handlers pass it).
 */
import { randomBytes } from "node:crypto";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { countPendingEmbeddings } from "../../src/db/queries/countPendingEmbeddings.js";
import { deleteContextEntry } from "../../src/domain/context/deleteContextEntry.js";
import { getContextEntry } from "../../src/domain/context/getContextEntry.js";
import { listContextEntries } from "../../src/domain/context/listContextEntries.js";
import { upsertContextEntry } from "../../src/domain/context/upsertContextEntry.js";
import { DomainError, InvalidArgumentError, NotFoundError } from "../../src/domain/errors.js";
import { appendMessages } from "../../src/domain/messages/appendMessages.js";
import { getMessage } from "../../src/domain/messages/getMessage.js";
import { listMessages } from "../../src/domain/messages/listMessages.js";
import { deletePreference } from "../../src/domain/preferences/deletePreference.js";
import { getPreference } from "../../src/domain/preferences/getPreference.js";
import { listPreferences } from "../../src/domain/preferences/listPreferences.js";
import { preferenceAad } from "../../src/domain/preferences/openPreference.js";
import { setPreference } from "../../src/domain/preferences/setPreference.js";
import { rehydrateSession, type RehydrationChunk } from "../../src/domain/rehydrate/rehydrateSession.js";
import { linkSessions } from "../../src/domain/relationships/linkSessions.js";
import { listRelatedSessions } from "../../src/domain/relationships/listRelatedSessions.js";
import { unlinkSessions } from "../../src/domain/relationships/unlinkSessions.js";
import { searchMessages, type SearchModeName } from "../../src/domain/search/searchMessages.js";
import { createSession } from "../../src/domain/sessions/createSession.js";
import { deleteSession } from "../../src/domain/sessions/deleteSession.js";
import { getSession } from "../../src/domain/sessions/getSession.js";
import { listSessions } from "../../src/domain/sessions/listSessions.js";
import { updateSession } from "../../src/domain/sessions/updateSession.js";
import { getSessionStatistics } from "../../src/domain/summaries/getSessionStatistics.js";
import { getSummary } from "../../src/domain/summaries/getSummary.js";
import { updateSummary } from "../../src/domain/summaries/updateSummary.js";
import type { Embeddings } from "../../src/indexing/startEmbeddings.js";
import { startEmbeddingWorker } from "../../src/indexing/startEmbeddingWorker.js";
import { testBackends } from "../support/backends.js";
import { fakeEmbedder, openBackend, workerOptions, type OpenedBackend } from "../indexing/workerSupport.js";

const backends = await testBackends();

const TENANTS = ["acme", "globex"] as const;
type Tenant = (typeof TENANTS)[number];
const other = (tenant: Tenant): Tenant => (tenant === "acme" ? "globex" : "acme");

/** The same user and session ids in both tenants. */
const USER = "alice";
const S1 = "s1";
const S2 = "s2";

/** Each tenant's messages: a shared word ("pricing") so a lexical search matches both; a different count and size. */
const MESSAGES: Record<Tenant, string[]> = {
  acme: ["acme apples pricing for the north region", "acme answer: apples cost more in winter", "acme follow-up on pricing in café ünits"],
  globex: ["globex gears pricing for the south region", "globex answer: gears cost less in bulk"],
};

/** Every chunk, hit and row a tenant can read carries only its own marker. */
const foreignTo = (tenant: Tenant) => new RegExp(other(tenant), "i");

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`tenancy [${backend.name}]`, () => {
    let opened: OpenedBackend;
    const db = () => opened.db;
    const keyring = createKeyring({ current: { id: "k1", bytes: randomBytes(32) } });
    const embedder = fakeEmbedder();
    let embeddings: Embeddings;
    const messageIds: Record<Tenant, string[]> = { acme: [], globex: [] };

    beforeAll(async () => {
      opened = await openBackend(backend, 4);
      embeddings = {
        storage: opened.vectors,
        embedder: opened.vectors ? embedder : null,
        unavailableReason: opened.vectors ? null : "no pgvector in this database",
        pending: () => countPendingEmbeddings(db().pool),
        nudge: () => {},
      };
      for (const tenantId of TENANTS) {
        for (const id of [S1, S2]) {
          const { created } = await createSession(
            { db: db() },
            { tenantId, userId: USER, id, name: `${tenantId} ${id}`, type: "", status: "active", metadata: {}, relevanceScore: 0 },
          );
          expect(created).toBe(true);
        }
        const appended = await appendMessages(
          { db: db(), summaryEvery: 1_000, enqueueEmbeddings: opened.vectors },
          {
            tenantId,
            userId: USER,
            sessionId: S1,
            // The same idempotency key in both tenants: two independent appends.
            idempotencyKey: "same-key",
            messages: MESSAGES[tenantId].map((content) => ({ role: "user", type: "", content, metadata: {}, parentMessageId: null })),
          },
        );
        expect(appended.replayed).toBe(false);
        messageIds[tenantId] = appended.messages.map((m) => m.id);
        await upsertContextEntry(
          { db: db() },
          {
            tenantId,
            userId: USER,
            sessionId: S1,
            type: "project",
            key: "name",
            value: `${tenantId} project`,
            relevanceScore: 0.5,
            metadata: {},
            expiry: { kind: "never" },
          },
        );
        await setPreference({ db: db(), keyring }, { tenantId, userId: USER, key: "language", value: `${tenantId} language`, metadata: {} });
        await linkSessions(
          { db: db() },
          { tenantId, userId: USER, sourceSessionId: S1, targetSessionId: S2, relation: "reference", score: tenantId === "acme" ? 0.25 : 0.75, metadata: {} },
        );
        await updateSummary(
          { db: db() },
          { tenantId, userId: USER, sessionId: S1, content: `${tenantId} summary`, coversThroughIndex: 1, metadata: {} },
        );
      }
      if (opened.vectors) {
        // One worker embeds the queue of every tenant.
        const worker = startEmbeddingWorker(workerOptions(db(), embedder, { batchSize: 100 }));
        expect(await worker.runOnce()).toMatchObject({ claimed: 5, stored: 5, failed: 0 });
        await worker.stop();
      }
    }, 120_000);

    afterAll(async () => {
      await opened?.cleanup();
    });

    for (const tenantId of TENANTS) {
      describe(`as ${tenantId}`, () => {
        const foreign = foreignTo(tenantId);

        it("sessions: get, list and update see only the tenant's own", async () => {
          expect((await getSession({ db: db() }, tenantId, USER, S1)).name).toBe(`${tenantId} s1`);
          const { sessions } = await listSessions({ db: db() }, { tenantId, userId: USER, status: null, pageSize: 10, pageToken: "" });
          expect(sessions.map((s) => s.name).sort()).toEqual([`${tenantId} s1`, `${tenantId} s2`]);
          const updated = await updateSession({ db: db() }, { tenantId, userId: USER, sessionId: S2, changes: { name: `${tenantId} s2` } });
          expect(updated.name).toBe(`${tenantId} s2`);
          // Retrying the create returns the tenant's own session.
          const retry = await createSession(
            { db: db() },
            { tenantId, userId: USER, id: S1, name: "ignored", type: "", status: "active", metadata: {}, relevanceScore: 0 },
          );
          expect(retry).toMatchObject({ created: false, session: { name: `${tenantId} s1`, messageCount: MESSAGES[tenantId].length } });
        });

        it("page tokens are bound to the tenant", async () => {
          const page = await listSessions({ db: db() }, { tenantId, userId: USER, status: null, pageSize: 1, pageToken: "" });
          expect(page.nextPageToken).not.toBe("");
          await expect(
            listSessions({ db: db() }, { tenantId: other(tenantId), userId: USER, status: null, pageSize: 1, pageToken: page.nextPageToken }),
          ).rejects.toThrow(InvalidArgumentError);
        });

        it("messages: list and get see only the tenant's own; the other tenant's message ids are NOT_FOUND", async () => {
          const { messages } = await listMessages(
            { db: db() },
            { tenantId, userId: USER, sessionId: S1, backward: false, pageSize: 100, pageToken: "", lastN: 0 },
          );
          expect(messages.map((m) => m.content)).toEqual(MESSAGES[tenantId]);
          const last = await listMessages(
            { db: db() },
            { tenantId, userId: USER, sessionId: S1, backward: false, pageSize: 100, pageToken: "", lastN: 10 },
          );
          expect(last.messages.map((m) => m.content)).toEqual(MESSAGES[tenantId]);
          const own = await getMessage({ db: db() }, { tenantId, userId: USER, sessionId: S1, messageId: messageIds[tenantId][0]! });
          expect(own.content).toBe(MESSAGES[tenantId][0]);
          await expect(
            getMessage({ db: db() }, { tenantId, userId: USER, sessionId: S1, messageId: messageIds[other(tenantId)][0]! }),
          ).rejects.toMatchObject({ resource: "message" });
        });

        it("search (lexical) finds only the tenant's messages", async () => {
          const outcome = await searchMessages(
            { db: db(), embeddings },
            { scope: scope(tenantId), query: "pricing region", mode: "lexical", topK: 10, minScore: 0, waitForEmbeddings: false },
          );
          expect(outcome.hits.length).toBeGreaterThan(0);
          for (const hit of outcome.hits) expect(hit.content).not.toMatch(foreign);
          // The other tenant's exact text finds nothing of theirs.
          const theirs = await searchMessages(
            { db: db(), embeddings },
            { scope: scope(tenantId), query: MESSAGES[other(tenantId)][1]!, mode: "lexical", topK: 10, minScore: 0, waitForEmbeddings: false },
          );
          for (const hit of theirs.hits) expect(hit.content).not.toMatch(foreign);
        });

        it("search (semantic and hybrid) finds only the tenant's messages", async (context) => {
          if (!opened.vectors) {
            const reason = `${backend.name} backend: semantic search needs stored embeddings, and this database has no pgvector`;
            console.warn(`[skip] ${reason}`);
            context.skip(reason);
          }
          for (const mode of ["semantic", "hybrid"] as SearchModeName[]) {
            // The other tenant's exact text: its own message would be a perfect match.
            const outcome = await searchMessages(
              { db: db(), embeddings },
              { scope: scope(tenantId), query: MESSAGES[other(tenantId)][0]!, mode, topK: 10, minScore: 0, waitForEmbeddings: true },
            );
            expect(outcome.effectiveMode).toBe(mode);
            expect(outcome.hits.length).toBeGreaterThan(0);
            for (const hit of outcome.hits) expect(hit.content).not.toMatch(foreign);
            const own = await searchMessages(
              { db: db(), embeddings },
              { scope: scope(tenantId), query: MESSAGES[tenantId][0]!, mode, topK: 1, minScore: 0, waitForEmbeddings: true },
            );
            expect(own.hits.map((h) => h.content)).toEqual([MESSAGES[tenantId][0]]);
          }
        });

        it("rehydrate sends only the tenant's session, summary, preferences, context and messages", async () => {
          const chunks: RehydrationChunk[] = [];
          await rehydrateSession(
            { db: db(), embeddings, keyring },
            {
              tenantId,
              userId: USER,
              sessionId: S1,
              // Its own first message: the best match under lexical and semantic search alike.
              query: MESSAGES[tenantId][0]!,
              tokenBudget: 100_000,
              encoding: "cl100k_base",
              maxRecent: 1,
              maxRelevant: 10,
              currentSessionOnly: false,
              minRelevance: 0,
            },
            { chunk: async (chunk) => void chunks.push(chunk), report: async () => undefined },
          );
          const kinds = new Set(chunks.map((c) => c.kind));
          expect(kinds).toEqual(new Set(["header", "summary", "preference", "context_entry", "relevant_message", "recent_message"]));
          for (const chunk of chunks) expect(chunk.text).not.toMatch(foreign);
          expect(chunks.find((c) => c.kind === "summary")?.text).toContain(`${tenantId} summary`);
        });

        it("context entries: get and list see only the tenant's value", async () => {
          const entry = await getContextEntry({ db: db() }, { tenantId, userId: USER, sessionId: S1, type: "project", key: "name" });
          expect(entry.value).toBe(`${tenantId} project`);
          const { entries } = await listContextEntries(
            { db: db() },
            { tenantId, userId: USER, sessionId: S1, type: null, pageSize: 10, pageToken: "" },
          );
          expect(entries.map((e) => e.value)).toEqual([`${tenantId} project`]);
        });

        it("preferences: get and list see only the tenant's value", async () => {
          expect((await getPreference({ db: db(), keyring }, tenantId, USER, "language")).value).toBe(`${tenantId} language`);
          const { preferences } = await listPreferences({ db: db(), keyring }, { tenantId, userId: USER, pageSize: 10, pageToken: "" });
          expect(preferences.map((p) => p.value)).toEqual([`${tenantId} language`]);
        });

        it("relationships: list sees only the tenant's link", async () => {
          const { relationships } = await listRelatedSessions(
            { db: db() },
            { tenantId, userId: USER, sessionId: S1, direction: "both", relation: null, pageSize: 10, pageToken: "" },
          );
          expect(relationships.map((r) => r.score)).toEqual([tenantId === "acme" ? 0.25 : 0.75]);
        });

        it("summary and statistics are the tenant's own", async () => {
          expect((await getSummary({ db: db() }, tenantId, USER, S1)).content).toBe(`${tenantId} summary`);
          const statistics = await getSessionStatistics({ db: db(), summaryEvery: 1_000 }, tenantId, USER, S1);
          expect(statistics).toMatchObject({
            messageCount: MESSAGES[tenantId].length,
            userMessageCount: MESSAGES[tenantId].length,
            contextEntryCount: 1,
            messagesSinceSummary: MESSAGES[tenantId].length - 2,
          });
        });

        it("sessions.content_bytes counts the UTF-8 bytes of the tenant's messages", async () => {
          const bytes = await db().pool.oneFirst(sql.type(z.object({ content_bytes: z.number() }))`
            SELECT content_bytes FROM sessions WHERE tenant_id = ${tenantId} AND user_id = ${USER} AND id = ${S1}`);
          expect(bytes).toBe(MESSAGES[tenantId].reduce((sum, text) => sum + Buffer.byteLength(text, "utf8"), 0));
        });
      });
    }

    it("a tenant with no data sees nothing: every read is NOT_FOUND or empty", async () => {
      const tenantId = "initech";
      await expect(getSession({ db: db() }, tenantId, USER, S1)).rejects.toThrow(NotFoundError);
      expect((await listSessions({ db: db() }, { tenantId, userId: USER, status: null, pageSize: 10, pageToken: "" })).sessions).toEqual([]);
      await expect(
        listMessages({ db: db() }, { tenantId, userId: USER, sessionId: S1, backward: false, pageSize: 10, pageToken: "", lastN: 0 }),
      ).rejects.toThrow(NotFoundError);
      await expect(
        appendMessages(
          { db: db(), summaryEvery: 1_000, enqueueEmbeddings: opened.vectors },
          { tenantId, userId: USER, sessionId: S1, idempotencyKey: "same-key", messages: [{ role: "user", type: "", content: "x", metadata: {}, parentMessageId: null }] },
        ),
      ).rejects.toThrow(NotFoundError);
      const lexical = await searchMessages(
        { db: db(), embeddings },
        { scope: scope(tenantId), query: "pricing", mode: "lexical", topK: 10, minScore: 0, waitForEmbeddings: false },
      );
      expect(lexical.hits).toEqual([]);
      await expect(
        rehydrateSession(
          { db: db(), embeddings, keyring },
          { tenantId, userId: USER, sessionId: S1, query: "", tokenBudget: 1000, encoding: "cl100k_base", maxRecent: 5, maxRelevant: 0, currentSessionOnly: false, minRelevance: 0 },
          { chunk: async () => undefined, report: async () => undefined },
        ),
      ).rejects.toThrow(NotFoundError);
      await expect(getContextEntry({ db: db() }, { tenantId, userId: USER, sessionId: S1, type: "project", key: "name" })).rejects.toThrow(NotFoundError);
      await expect(getPreference({ db: db(), keyring }, tenantId, USER, "language")).rejects.toThrow(NotFoundError);
      expect((await listPreferences({ db: db(), keyring }, { tenantId, userId: USER, pageSize: 10, pageToken: "" })).preferences).toEqual([]);
      await expect(
        listRelatedSessions({ db: db() }, { tenantId, userId: USER, sessionId: S1, direction: "both", relation: null, pageSize: 10, pageToken: "" }),
      ).rejects.toThrow(NotFoundError);
      await expect(
        linkSessions({ db: db() }, { tenantId, userId: USER, sourceSessionId: S1, targetSessionId: S2, relation: "reference", score: 1, metadata: {} }),
      ).rejects.toThrow(NotFoundError);
      await expect(getSummary({ db: db() }, tenantId, USER, S1)).rejects.toThrow(NotFoundError);
      await expect(getSessionStatistics({ db: db(), summaryEvery: 1_000 }, tenantId, USER, S1)).rejects.toThrow(NotFoundError);
      await expect(deleteSession({ db: db() }, tenantId, USER, S1)).rejects.toThrow(NotFoundError);
      await expect(deletePreference({ db: db() }, tenantId, USER, "language")).rejects.toThrow(NotFoundError);
    });

    it("a preference value copied into another tenant's row fails authentication instead of being read", async () => {
      const value = z.object({ value: z.instanceof(Buffer), key_id: z.string().nullable() });
      const acme = await db().pool.one(sql.type(value)`
        SELECT value, key_id FROM user_preferences WHERE tenant_id = 'acme' AND user_id = ${USER} AND key = 'language'`);
      await setPreference({ db: db(), keyring }, { tenantId: "copycat", userId: USER, key: "language", value: "placeholder", metadata: {} });
      await db().pool.query(sql.unsafe`
        UPDATE user_preferences SET value = ${sql.binary(acme.value)}, key_id = ${acme.key_id}
        WHERE tenant_id = 'copycat' AND user_id = ${USER} AND key = 'language'`);
      await expect(getPreference({ db: db(), keyring }, "copycat", USER, "language")).rejects.toThrow(DomainError);
      await expect(getPreference({ db: db(), keyring }, "copycat", USER, "language")).rejects.not.toThrow(NotFoundError);
      // The default tenant keeps the associated data of before tenants (v1), so its stored values stay readable.
      expect(preferenceAad("default", "u", "k").toString("utf8")).toBe('["ltst.user_preferences.v1","u","k"]');
      expect(preferenceAad("acme", "u", "k").toString("utf8")).toBe('["ltst.user_preferences.v2","acme","u","k"]');
    });

    it("writes and deletes in one tenant leave the other untouched", async () => {
      await deleteContextEntry({ db: db() }, { tenantId: "acme", userId: USER, sessionId: S1, type: "project", key: "name" });
      await deletePreference({ db: db() }, "acme", USER, "language");
      await unlinkSessions({ db: db() }, { tenantId: "acme", userId: USER, sourceSessionId: S1, targetSessionId: S2, relation: "reference" });
      expect(await deleteSession({ db: db() }, "acme", USER, S1)).toBe(MESSAGES.acme.length);
      await expect(getSession({ db: db() }, "acme", USER, S1)).rejects.toThrow(NotFoundError);

      // globex still has all of it.
      expect((await getSession({ db: db() }, "globex", USER, S1)).messageCount).toBe(MESSAGES.globex.length);
      const { messages } = await listMessages(
        { db: db() },
        { tenantId: "globex", userId: USER, sessionId: S1, backward: false, pageSize: 100, pageToken: "", lastN: 0 },
      );
      expect(messages.map((m) => m.content)).toEqual(MESSAGES.globex);
      expect((await getContextEntry({ db: db() }, { tenantId: "globex", userId: USER, sessionId: S1, type: "project", key: "name" })).value).toBe(
        "globex project",
      );
      expect((await getPreference({ db: db(), keyring }, "globex", USER, "language")).value).toBe("globex language");
      expect(
        (await listRelatedSessions({ db: db() }, { tenantId: "globex", userId: USER, sessionId: S1, direction: "both", relation: null, pageSize: 10, pageToken: "" }))
          .relationships,
      ).toHaveLength(1);
      expect((await getSummary({ db: db() }, "globex", USER, S1)).content).toBe("globex summary");
      if (opened.vectors) {
        const counts = await db().pool.any(sql.type(z.object({ tenant_id: z.string(), n: z.number() }))`
          SELECT tenant_id, count(*)::int8 AS n FROM message_embeddings GROUP BY tenant_id ORDER BY tenant_id`);
        expect(counts).toEqual([{ tenant_id: "globex", n: MESSAGES.globex.length }]);
      }

      // acme's id is free again in acme, and a new session there starts empty.
      const recreated = await createSession(
        { db: db() },
        { tenantId: "acme", userId: USER, id: S1, name: "acme again", type: "", status: "active", metadata: {}, relevanceScore: 0 },
      );
      expect(recreated).toMatchObject({ created: true, session: { messageCount: 0 } });
    });
  });
}

/** A search over all of the user's sessions in `tenantId`. */
function scope(tenantId: string) {
  return { tenantId, userId: USER, sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null };
}
