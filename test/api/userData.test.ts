import { randomBytes, randomUUID } from "node:crypto";
import { status, type ServiceError } from "@grpc/grpc-js";
import { sql } from "slonik";
import { z } from "zod";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RelationType } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { SessionStatus } from "../../gen/ts/ltst/memory/v1/session.js";
import type { ExportUserDataResponse } from "../../gen/ts/ltst/memory/v1/user_data.js";
import { issueApiKey } from "../../src/auth/issueApiKey.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/createMemoryClient.js";
import { createApiKeyStore } from "../../src/db/createApiKeyStore.js";
import { claimEmbeddingBatch } from "../../src/db/queries/claimEmbeddingBatch.js";
import { storeEmbeddings } from "../../src/db/queries/storeEmbeddings.js";
import { createChainVerifier } from "../../src/domain/messages/createChainVerifier.js";
import { erasedTables, keptTables } from "../../src/domain/userData/userDataTables.js";
import { decodeRichStatus } from "../../src/client/richStatus.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { startTestService, type TestService } from "../support/startTestService.js";
import { comparable, exportAll, kindOf, replayExport, userKeyedTables, userRowCounts } from "../support/userDataExport.js";

const encryptionKey = `k1:${randomBytes(32).toString("base64")}`;
const env = { LTST_ENCRYPTION_KEY: encryptionKey };

/** A failed call's code and the fields its BadRequest names. */
async function failure(call: () => Promise<unknown>): Promise<{ code: number; fields: string[]; reason?: string }> {
  try {
    await call();
  } catch (error) {
    const e = error as ServiceError;
    const bin = e.metadata?.get("grpc-status-details-bin")[0];
    const decoded = bin ? decodeRichStatus(bin as Buffer) : undefined;
    return { code: e.code, fields: decoded?.badRequest?.map((v) => v.field) ?? [], ...(decoded?.errorInfo ? { reason: decoded.errorInfo.reason } : {}) };
  }
  throw new Error("expected the call to fail");
}

const roleName = { [Role.ROLE_USER]: "user", [Role.ROLE_ASSISTANT]: "assistant", [Role.ROLE_SYSTEM]: "system", [Role.ROLE_TOOL]: "tool" } as const;

/** Checks every exported message's hashes, in export order. */
function verifyChains(records: readonly ExportUserDataResponse[]): { checked: number; linked: number; mismatches: unknown[] } {
  const verifier = createChainVerifier();
  const mismatches: unknown[] = [];
  for (const { message: m } of records) {
    if (!m) continue;
    const mismatch = verifier.add({
      sessionId: m.sessionId,
      messageIndex: m.messageIndex,
      role: roleName[m.role as keyof typeof roleName],
      content: m.content,
      contentHash: m.contentHash,
      contextHash: m.contextHash,
    });
    if (mismatch) mismatches.push(mismatch);
  }
  return { checked: verifier.checked, linked: verifier.linked, mismatches };
}

/** Stores a user's memory of every kind: two sessions, messages (one with a parent), context, a summary, a link, preferences. */
async function seedUser(client: MemoryClient, userId: string, words = "Lisbon") {
  await client.sessions.createSession({ userId, sessionId: "s-a", name: "Trip", type: "chat", metadata: { topic: "travel" }, relevanceScore: 0.7 });
  await client.sessions.createSession({ userId, sessionId: "s-b", name: "Later", status: SessionStatus.SESSION_STATUS_PAUSED });
  const { messages } = await client.messages.appendMessages({
    userId,
    sessionId: "s-a",
    messages: [
      { role: Role.ROLE_SYSTEM, content: "You plan trips." },
      { role: Role.ROLE_USER, content: `Plan a trip to ${words} 🇵🇹`, metadata: { lang: "en", nested: { n: 1 } } },
      { role: Role.ROLE_ASSISTANT, content: `When do you want to go to ${words}?` },
    ],
  });
  await client.messages.appendMessages({
    userId,
    sessionId: "s-a",
    idempotencyKey: "batch-2",
    messages: [
      { role: Role.ROLE_TOOL, type: "tool_result", content: '{"flights": 3}', parentMessageId: messages[2]!.id },
      { role: Role.ROLE_USER, content: "In May." },
    ],
  });
  await client.messages.appendMessages({ userId, sessionId: "s-b", messages: [{ role: Role.ROLE_USER, content: `Back from ${words}.` }, { role: Role.ROLE_ASSISTANT, content: "Welcome back!" }] });
  await client.context.upsertContextEntry({ userId, sessionId: "s-a", type: "project", key: "destination", value: words, relevanceScore: 0.9, metadata: { source: "chat" } });
  await client.context.upsertContextEntry({ userId, sessionId: "s-a", type: "fact", key: "month", value: "May" });
  await client.summaries.updateSummary({ userId, sessionId: "s-a", content: `A trip to ${words} in May.`, coversThroughIndex: 3, metadata: { model: "m" } });
  await client.relationships.linkSessions({ userId, sourceSessionId: "s-a", targetSessionId: "s-b", relation: RelationType.RELATION_TYPE_CONTINUATION, score: 0.5 });
  await client.relationships.linkSessions({ userId, sourceSessionId: "s-b", targetSessionId: "s-a", relation: RelationType.RELATION_TYPE_REFERENCE });
  await client.preferences.setPreference({ userId, key: "diet", value: "vegetarian", metadata: { set_by: "user" } });
  await client.preferences.setPreference({ userId, key: "language", value: "português" });
}

describeEachBackend(
  "UserDataService",
  (service, backend) => {
    let client: MemoryClient;
    const db = () => service().service.db.pool;
    const address = () => `127.0.0.1:${service().service.port}`;

    beforeAll(async () => {
      client = createMemoryClient({ address: address() });
      await seedUser(client, "ann");
      await seedUser(client, "ben", "Porto");
    });
    afterAll(() => client?.close());

    it("exports every record of the user in the documented order, preferences decrypted, hash chains verified", async () => {
      const records = await exportAll(client, "ann");
      expect(records.map((r) => `${kindOf(r)}${r.session ? `:${r.session.id}` : ""}`)).toEqual([
        "session:s-a", "statistics", "contextEntry", "contextEntry", "message", "message", "message", "message", "message", "summary", "relationship",
        "session:s-b", "statistics", "message", "message", "relationship",
        "preference", "preference",
      ]);
      expect(records.filter((r) => r.contextEntry).map((r) => r.contextEntry!.type)).toEqual(["fact", "project"]);
      expect(records.filter((r) => r.preference).map((r) => [r.preference!.key, r.preference!.value])).toEqual([["diet", "vegetarian"], ["language", "português"]]);
      expect(records.find((r) => r.statistics)!.statistics).toMatchObject({ sessionId: "s-a", messageCount: 5, toolMessageCount: 1, contextEntryCount: 2, messagesSinceSummary: 1 });
      expect(records.every((r) => r.cursor !== "")).toBe(true);
      expect(new Set(records.map((r) => r.cursor)).size).toBe(records.length);
      const messages = records.filter((r) => r.message).map((r) => r.message!);
      expect(messages.every((m) => m.userId === "ann" && /^[0-9a-f]{64}$/.test(m.contextHash))).toBe(true);
      expect(messages[3]!.parentMessageId).toBe(messages[2]!.id);
      expect(verifyChains(records)).toEqual({ checked: 7, linked: 7, mismatches: [] });
      // Nothing of ben's.
      expect(JSON.stringify(records)).not.toContain("Porto");
    });

    it("resumes right after any record's cursor, and a stream broken mid-way and continued gives the full export once", async () => {
      const full = await exportAll(client, "ann");
      for (let k = 0; k < full.length; k++) {
        const rest = await exportAll(client, "ann", full[k]!.cursor);
        expect(rest.map((r) => r.cursor), `after record ${k} (${kindOf(full[k]!)})`).toEqual(full.slice(k + 1).map((r) => r.cursor));
      }
      // A real break: the client leaves the loop (cancelling the call) after 7 records.
      const seen: ExportUserDataResponse[] = [];
      for await (const record of client.userData.exportUserData({ userId: "ann" })) {
        seen.push(record);
        if (seen.length === 7) break;
      }
      const union = [...seen, ...(await exportAll(client, "ann", seen.at(-1)!.cursor))];
      expect(union).toEqual(full);
    });

    it("export, erase, replay into a fresh database: same sessions, messages and hashes, context, summaries, links, preferences", async () => {
      const exported = await exportAll(client, "ann");
      const benBefore = await exportAll(client, "ben");
      const countsBefore = await userRowCounts(db(), "default", "ann");

      const erased = await client.userData.eraseUserData({ userId: "ann", confirmUserId: "ann" });
      expect(erased).toMatchObject({
        deletedSessionCount: 2,
        deletedMessageCount: 7,
        deletedPreferenceCount: 2,
        deletedContextEntryCount: 2,
        deletedRelationshipCount: 2,
        deletedSummaryCount: 1,
        deletedAppendRequestCount: 1,
      });
      expect(erased.deletedCounts).toMatchObject(countsBefore);
      expect(erased.record).toMatchObject({ userId: "ann", requestedBy: "open", deletedCounts: erased.deletedCounts });
      expect(Object.values(await userRowCounts(db(), "default", "ann")).every((n) => n === 0)).toBe(true);
      expect(await exportAll(client, "ann")).toEqual([]);
      expect(await exportAll(client, "ben")).toEqual(benBefore);

      const fresh: TestService = await startTestService(backend, env);
      const replica = createMemoryClient({ address: `127.0.0.1:${fresh.service.port}` });
      try {
        await replayExport(replica, "ann", exported);
        const replayed = await exportAll(replica, "ann");
        expect(comparable(replayed)).toEqual(comparable(exported));
        // The hashes are the same: they cover role and content, not ids or times.
        expect(replayed.filter((r) => r.message).map((r) => r.message!.contextHash)).toEqual(exported.filter((r) => r.message).map((r) => r.message!.contextHash));
        // And into the same database, under the same session ids, at once.
        await replayExport(client, "ann", exported);
        expect(comparable(await exportAll(client, "ann"))).toEqual(comparable(exported));
      } finally {
        replica.close();
        await fresh.cleanup();
      }
    });

    it("leaves no trace in lists, search, rehydrate or statistics; erasing again deletes nothing; the audit trail lists every erasure", async () => {
      await seedUser(client, "cid", "Faro");
      const first = await client.userData.eraseUserData({ userId: "cid", confirmUserId: "cid" });
      expect(first.deletedMessageCount).toBe(7);
      expect((await client.sessions.listSessions({ userId: "cid" })).sessions).toEqual([]);
      expect((await client.preferences.listPreferences({ userId: "cid" })).preferences).toEqual([]);
      const hits = [];
      for await (const event of client.search.search({ userId: "cid", query: "Faro trip May", mode: SearchMode.SEARCH_MODE_LEXICAL })) if (event.hit) hits.push(event);
      expect(hits).toEqual([]);
      expect((await failure(() => client.summaries.getSessionStatistics({ userId: "cid", sessionId: "s-a" }))).code).toBe(status.NOT_FOUND);
      expect((await failure(async () => {
        for await (const _ of client.rehydrate.rehydrate({ userId: "cid", sessionId: "s-a", tokenBudget: 1000 })) {
          // drain
        }
      })).code).toBe(status.NOT_FOUND);

      const again = await client.userData.eraseUserData({ userId: "cid", confirmUserId: "cid" });
      expect(Object.values(again.deletedCounts).every((n) => n === 0)).toBe(true);
      expect(again.deletedSessionCount + again.deletedMessageCount + again.deletedPreferenceCount).toBe(0);

      const listed = await client.userData.listErasureRecords({ userId: "cid" });
      expect(listed.records.map((r) => r.id)).toEqual([again.record!.id, first.record!.id]);
      expect(listed.records[1]).toEqual(first.record);
      const everyone = await client.userData.listErasureRecords({ pageSize: 1 });
      expect(everyone.records).toHaveLength(1);
      expect(everyone.nextPageToken).not.toBe("");
      const next = await client.userData.listErasureRecords({ pageSize: 1000, pageToken: everyone.nextPageToken });
      expect(next.records.map((r) => r.userId)).toContain("ann");
      // The audit rows hold ids and counts only.
      const stored = await db().any(sql.type(z.object({ row: z.string() }))`SELECT row_to_json(e)::text AS row FROM user_erasures e WHERE user_id = 'cid'`);
      for (const { row } of stored) expect(row).not.toMatch(/Faro|vegetarian|trip/i);
    });

    it("covers every table that has a user_id column: erased, or kept on purpose", async () => {
      const tables = await userKeyedTables(db());
      expect(tables).toContain("messages");
      const uncovered = tables.filter((table) => !(erasedTables as readonly string[]).includes(table) && !(table in keptTables));
      expect(uncovered, "tables with a user_id column that EraseUserData does not cover (add them to src/domain/userData/userDataTables.ts)").toEqual([]);
      if (backend.pgvector) expect(tables).toContain("message_embeddings");
    });

    it.skipIf(!backend.pgvector)("a batch the embedding worker claimed before the erasure writes nothing after it", async () => {
      await seedUser(client, "dee", "Braga");
      const token = randomUUID();
      const claimed = (await claimEmbeddingBatch(db(), { token, limit: 1000, leaseMs: 60_000 })).filter((m) => m.user_id === "dee");
      expect(claimed.length).toBe(7);
      await client.userData.eraseUserData({ userId: "dee", confirmUserId: "dee" });
      const stored = await storeEmbeddings(
        db(),
        token,
        "test-model",
        claimed.map((m) => ({ tenantId: m.tenant_id, userId: m.user_id, sessionId: m.session_id, messageIndex: m.message_index, embedding: new Float32Array(384).fill(0.1) })),
      );
      expect(stored).toBe(0);
      expect(await userRowCounts(db(), "default", "dee")).toMatchObject({ message_embeddings: 0, message_embedding_queue: 0, messages: 0 });
    });

    it("erases one user while others append and search: nothing of theirs remains, nothing of the others changes", async () => {
      const others = ["load-1", "load-2", "load-3"];
      for (const userId of others) await seedUser(client, userId, `Town${userId}`);
      await seedUser(client, "eve", "Evora");
      for (let i = 0; i < 5; i++) {
        await client.messages.appendMessages({ userId: "eve", sessionId: "s-a", messages: Array.from({ length: 40 }, (_, j) => ({ role: Role.ROLE_USER, content: `eve ${i}-${j}` })) });
      }
      const rowsOf = async (userId: string) =>
        db().any(sql.type(z.object({ session_id: z.string(), message_index: z.number(), context_hash: z.string() }))`
          SELECT session_id, message_index, encode(context_hash, 'hex') AS context_hash FROM messages WHERE tenant_id = 'default' AND user_id = ${userId} ORDER BY 1, 2`);
      const before = new Map(await Promise.all(others.map(async (u) => [u, { rows: await rowsOf(u), prefs: (await client.preferences.listPreferences({ userId: u })).preferences }] as const)));

      let stop = false;
      let appended = 0;
      const load = others.map(async (userId, n) => {
        while (!stop) {
          await client.messages.appendMessages({ userId, sessionId: n % 2 === 0 ? "s-a" : "s-b", messages: [{ role: Role.ROLE_USER, content: `more from ${userId} ${appended}` }] });
          appended += 1;
          for await (const _ of client.search.search({ userId, query: "trip", mode: SearchMode.SEARCH_MODE_LEXICAL })) {
            // drain
          }
        }
      });
      // Erase once the load is under way.
      const deadline = Date.now() + 30_000;
      while (appended < 6 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      const erased = await client.userData.eraseUserData({ userId: "eve", confirmUserId: "eve" });
      const appendedAtErase = appended;
      while (appended < appendedAtErase + 6 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      stop = true;
      await Promise.all(load);

      expect(erased.deletedMessageCount).toBe(207);
      expect(Object.values(await userRowCounts(db(), "default", "eve")).every((n) => n === 0)).toBe(true);
      for (const userId of others) {
        const after = await rowsOf(userId);
        const { rows, prefs } = before.get(userId)!;
        expect(after).toEqual(expect.arrayContaining([...rows]));
        expect(after.length).toBeGreaterThan(rows.length);
        expect((await client.preferences.listPreferences({ userId })).preferences).toEqual(prefs);
        expect(verifyChains(await exportAll(client, userId)).mismatches).toEqual([]);
      }
    });

    it("refuses bad input with INVALID_ARGUMENT naming the field, and every caller but an admin", async () => {
      expect(await failure(() => exportAll(client, ""))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["user_id"] });
      expect(await failure(() => exportAll(client, "ben", "not-a-cursor"))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["cursor"] });
      const bens = await exportAll(client, "ben");
      expect(await failure(() => exportAll(client, "ann", bens[3]!.cursor))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["cursor"] });
      expect(await failure(() => client.userData.eraseUserData({ userId: "ben" }))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["confirm_user_id"] });
      expect(await failure(() => client.userData.eraseUserData({ userId: "ben", confirmUserId: "ann" }))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["confirm_user_id"] });
      expect(await failure(() => client.userData.eraseUserData({ userId: "", confirmUserId: "" }))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["user_id", "confirm_user_id"] });
      expect(await failure(() => client.userData.listErasureRecords({ pageToken: "garbage" }))).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["page_token"] });
      expect(await exportAll(client, "ben")).toEqual(bens);

      // With keys issued the server needs credentials (this test runs last for that reason).
      const store = createApiKeyStore(service().service.db);
      const keyOf = async (role: "reader" | "writer" | "admin") => (await issueApiKey(store, { tenantId: "default", role, userId: null, name: role })).key;
      for (const role of ["reader", "writer"] as const) {
        const limited = createMemoryClient({ address: address(), apiKey: await keyOf(role) });
        try {
          for (const call of [
            () => exportAll(limited, "ben"),
            () => limited.userData.eraseUserData({ userId: "ben", confirmUserId: "ben" }),
            () => limited.userData.listErasureRecords({}),
          ]) {
            expect(await failure(call)).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ROLE_NOT_ALLOWED" });
          }
        } finally {
          limited.close();
        }
      }
      const admin = createMemoryClient({ address: address(), apiKey: await keyOf("admin") });
      const forBen = createMemoryClient({
        address: address(),
        apiKey: (await issueApiKey(store, { tenantId: "default", role: "admin", userId: "ben", name: "ben's admin" })).key,
      });
      try {
        expect(await exportAll(admin, "ben")).toEqual(bens);
        expect((await admin.userData.listErasureRecords({})).records.length).toBeGreaterThan(0);
        // An admin credential restricted to one user sees that user's erasure records only, and may not name another.
        expect((await forBen.userData.listErasureRecords({})).records).toEqual([]);
        expect(await failure(() => forBen.userData.listErasureRecords({ userId: "ann" }))).toMatchObject({ code: status.PERMISSION_DENIED, reason: "USER_NOT_ALLOWED" });
        expect(await failure(() => exportAll(forBen, "ann"))).toMatchObject({ code: status.PERMISSION_DENIED, reason: "USER_NOT_ALLOWED" });
      } finally {
        admin.close();
        forBen.close();
      }
    });
  },
  { env },
);
