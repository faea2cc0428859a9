import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { defaultMigrationsDir, runMigrations } from "../../src/db/runMigrations.js";
import { connectClient } from "../support/connectClient.js";
import { NotFoundError } from "../../src/domain/errors.js";
import { appendMessages } from "../../src/domain/messages/appendMessages.js";
import { listMessages } from "../../src/domain/messages/listMessages.js";
import { getPreference } from "../../src/domain/preferences/getPreference.js";
import { createSession } from "../../src/domain/sessions/createSession.js";
import { getSession } from "../../src/domain/sessions/getSession.js";
import { getSummary } from "../../src/domain/summaries/getSummary.js";
import { backends } from "../support/describeEachBackend.js";

const migrationNames = readdirSync(defaultMigrationsDir())
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.replace(/\.sql$/, ""))
  .sort();

/**
 * Replicas that start together all run the migrations at once. Only the
 * server backends can show this: an embedded database belongs to one
 * process, which migrates it once.
 */
for (const backend of backends.filter((b) => b.name !== "embedded")) {
  describe.skipIf(backend.skipReason !== null)(`migrations [${backend.name}]`, () => {
    it("applies each migration exactly once when four replicas migrate together", async () => {
      const database = await backend.create();
      try {
        const url = database.databaseUrl!;
        const results = await Promise.all(Array.from({ length: 4 }, () => runMigrations({ databaseUrl: url })));
        // One replica applied everything; the others waited for its lock and found nothing left.
        expect(results.filter((applied) => applied.length > 0)).toEqual([migrationNames]);
        const client = await connectClient(url);
        try {
          const { rows } = await client.query<{ name: string }>("SELECT name FROM pgmigrations ORDER BY id");
          expect(rows.map((row) => row.name)).toEqual(migrationNames);
        } finally {
          await client.end();
        }
        expect(await runMigrations({ databaseUrl: url })).toEqual([]);
      } finally {
        await database.cleanup();
      }
    });

    it("0004 moves the data of 0001-0003 to the tenant 'default', readable through the domain", async () => {
      const database = await backend.create();
      const before = mkdtempSync(path.join(os.tmpdir(), "ltst-migrations-"));
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "ltst-migrations-data-"));
      try {
        const url = database.databaseUrl!;
        for (const name of migrationNames.filter((n) => n < "0004")) copyFileSync(path.join(defaultMigrationsDir(), `${name}.sql`), path.join(before, `${name}.sql`));
        expect(await runMigrations({ databaseUrl: url, dir: before })).toEqual(["0001_sessions_and_messages", "0002_search", "0003_memory"]);

        // Data as the service wrote it before tenants, for two users sharing nothing.
        const keyring = createKeyring({ current: { id: "k1", bytes: Buffer.alloc(32, 7) } });
        const sealed = keyring.seal("english", Buffer.from(JSON.stringify(["ltst.user_preferences.v1", "u1", "language"]), "utf8"));
        const hash = Buffer.alloc(32, 1);
        const client = await connectClient(url);
        try {
          await client.query(`INSERT INTO sessions (user_id, id, message_count, user_message_count, last_context_hash) VALUES ('u1', 's1', 2, 2, $1), ('u2', 's2', 0, 0, NULL)`, [hash]);
          await client.query(
            `INSERT INTO messages (user_id, session_id, message_index, id, role, content, content_hash, context_hash, token_count) VALUES
               ('u1', 's1', 0, gen_random_uuid(), 'user', 'héllo', $1, $1, 2), ('u1', 's1', 1, gen_random_uuid(), 'user', 'wörld €', $1, $1, 3)`,
            [hash],
          );
          await client.query(`INSERT INTO message_append_requests (user_id, session_id, idempotency_key, request_hash, first_index, message_count) VALUES ('u1', 's1', 'k', $1, 0, 2)`, [hash]);
          await client.query(`INSERT INTO message_embedding_queue (user_id, session_id, message_index) VALUES ('u1', 's1', 1)`);
          await client.query(`INSERT INTO context_entries (user_id, session_id, type, key, value) VALUES ('u1', 's1', 'project', 'name', 'ltst')`);
          await client.query(`INSERT INTO user_preferences (user_id, key, value, key_id) VALUES ('u1', 'language', $1, $2)`, [sealed.value, sealed.keyId]);
          await client.query(`INSERT INTO sessions (user_id, id) VALUES ('u1', 's1b')`);
          await client.query(`INSERT INTO session_relationships (user_id, source_session_id, target_session_id, relation) VALUES ('u1', 's1', 's1b', 'reference')`);
          await client.query(`INSERT INTO session_summaries (user_id, session_id, content, covers_through_index, token_count) VALUES ('u1', 's1', 'so far', 1, 2)`);

          expect(await runMigrations({ databaseUrl: url })).toEqual(migrationNames.filter((n) => n >= "0004"));

          // Every row is in the default tenant, and the column has no default left.
          for (const table of ["sessions", "messages", "message_append_requests", "message_embedding_queue", "context_entries", "user_preferences", "session_relationships", "session_summaries"]) {
            const { rows } = await client.query<{ tenant_id: string; n: string }>(`SELECT tenant_id, count(*) AS n FROM ${table} GROUP BY tenant_id`);
            expect(rows.map((r) => r.tenant_id), table).toEqual(["default"]);
            const column = await client.query<{ is_nullable: string; column_default: string | null }>(
              "SELECT is_nullable, column_default FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'tenant_id'",
              [table],
            );
            expect(column.rows, table).toEqual([{ is_nullable: "NO", column_default: null }]);
          }
          // An insert that forgets the tenant fails instead of landing in 'default'.
          await expect(client.query(`INSERT INTO sessions (user_id, id) VALUES ('u3', 's3')`)).rejects.toThrow(/tenant_id/);
          // content_bytes is backfilled with the UTF-8 bytes of the messages.
          const { rows: bytes } = await client.query<{ id: string; content_bytes: string }>("SELECT id, content_bytes FROM sessions ORDER BY id");
          expect(bytes).toEqual([
            { id: "s1", content_bytes: String(Buffer.byteLength("héllo") + Buffer.byteLength("wörld €")) },
            { id: "s1b", content_bytes: "0" },
            { id: "s2", content_bytes: "0" },
          ]);
          // Every key, unique index and foreign key of the user-keyed tables leads with
          // (tenant_id, user_id); no global unique id remains. api_keys is the one table
          // keyed otherwise: credentials, not user data (a reference table under Citus,
          // whose copy on the coordinator is a shard, api_keys_NNNN).
          const { rows: keys } = await client.query<{ name: string; definition: string }>(
            `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
             WHERE contype IN ('p', 'u', 'f') AND conrelid::regclass::text !~ '^(pgmigrations|api_keys)(_[0-9]+)?$' AND connamespace = current_schema()::regnamespace`,
          );
          expect(keys.length).toBeGreaterThanOrEqual(15);
          for (const key of keys) expect(key.definition, key.name).toMatch(/^(PRIMARY KEY|UNIQUE|FOREIGN KEY) \(tenant_id, user_id[,)]/);
          const { rows: indexes } = await client.query<{ name: string; definition: string }>(
            `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition FROM pg_index
             WHERE indrelid::regclass::text !~ '^(pgmigrations|api_keys)(_[0-9]+)?$' AND indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)`,
          );
          for (const index of indexes.filter((i) => i.definition.includes("UNIQUE"))) expect(index.definition, index.name).toMatch(/\(tenant_id, user_id/);
          expect(indexes.map((i) => i.name)).not.toContain("sessions_id_key");
        } finally {
          await client.end();
        }

        // The service reads the old data as the default tenant's, and carries on.
        const db = await openDatabase({ databaseUrl: url, dataDir, poolSize: 2, migrate: false });
        try {
          expect(await getSession({ db }, "default", "u1", "s1")).toMatchObject({ messageCount: 2 });
          await expect(getSession({ db }, "acme", "u1", "s1")).rejects.toThrow(NotFoundError);
          expect((await getPreference({ db, keyring }, "default", "u1", "language")).value).toBe("english");
          expect((await getSummary({ db }, "default", "u1", "s1")).content).toBe("so far");
          await appendMessages(
            { db, summaryEvery: 1000, enqueueEmbeddings: false },
            { tenantId: "default", userId: "u1", sessionId: "s1", idempotencyKey: null, messages: [{ role: "user", type: "", content: "again", metadata: {}, parentMessageId: null }] },
          );
          const { messages } = await listMessages(
            { db },
            { tenantId: "default", userId: "u1", sessionId: "s1", backward: false, pageSize: 10, pageToken: "", lastN: 0 },
          );
          expect(messages.map((m) => [m.messageIndex, m.content])).toEqual([[0, "héllo"], [1, "wörld €"], [2, "again"]]);
          // u2's session id is free for u1 now (ids are unique per tenant and user).
          expect(await createSession({ db }, { tenantId: "default", userId: "u1", id: "s2", name: "", type: "", status: "active", metadata: {}, relevanceScore: 0 })).toMatchObject({ created: true });
        } finally {
          await db.close();
        }
      } finally {
        rmSync(before, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
        await database.cleanup();
      }
    });
  });
}
