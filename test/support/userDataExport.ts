import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { MemoryClient } from "../../src/client/createMemoryClient.js";
import { erasedTables } from "../../src/domain/userData/userDataTables.js";
import type { ExportUserDataResponse } from "../../gen/ts/ltst/memory/v1/user_data.js";

/** Every record of a user's export (from `cursor` when given). */
export async function exportAll(client: MemoryClient, userId: string, cursor = ""): Promise<ExportUserDataResponse[]> {
  const records: ExportUserDataResponse[] = [];
  for await (const record of client.userData.exportUserData({ userId, cursor })) records.push(record);
  return records;
}

/** The kind of a record (its oneof field). */
export function kindOf(record: ExportUserDataResponse): string {
  const kinds = ["session", "statistics", "summary", "contextEntry", "message", "relationship", "preference"] as const;
  return kinds.find((kind) => record[kind] !== undefined) ?? "unknown";
}

/**
 * An export without what a replay cannot reproduce (ids, times, cursors):
 * parent message ids become the parent's index.
 */
export function comparable(records: readonly ExportUserDataResponse[]): unknown[] {
  const indexOfId = new Map<string, number>();
  for (const r of records) if (r.message) indexOfId.set(r.message.id, r.message.messageIndex);
  return records.map((r) => {
    if (r.session) {
      const { createTime: _c, lastActivityTime: _l, ...rest } = r.session;
      return { session: rest };
    }
    if (r.statistics) {
      const { duration: _d, firstMessageTime: _f, lastMessageTime: _l, lastSummaryUpdateTime: _s, ...rest } = r.statistics;
      return { statistics: rest };
    }
    if (r.summary) {
      const { updateTime: _u, ...rest } = r.summary;
      return { summary: rest };
    }
    if (r.contextEntry) {
      const { createTime: _c, updateTime: _u, ...rest } = r.contextEntry;
      return { contextEntry: rest };
    }
    if (r.message) {
      const { id: _i, createTime: _c, parentMessageId, ...rest } = r.message;
      return { message: { ...rest, parentIndex: parentMessageId === "" ? null : indexOfId.get(parentMessageId) } };
    }
    if (r.relationship) {
      const { createTime: _c, ...rest } = r.relationship;
      return { relationship: rest };
    }
    if (r.preference) {
      const { createTime: _c, updateTime: _u, ...rest } = r.preference;
      return { preference: rest };
    }
    return { unknown: r };
  });
}

/**
 * Replays an export through the public API (what an import does): sessions,
 * context entries, messages in order (parent ids mapped to the new ids),
 * summaries, links once both sessions exist, preferences.
 */
export async function replayExport(client: MemoryClient, userId: string, records: readonly ExportUserDataResponse[]): Promise<void> {
  const newIds = new Map<string, string>();
  const links: NonNullable<ExportUserDataResponse["relationship"]>[] = [];
  for (const r of records) {
    if (r.session) {
      const s = r.session;
      await client.sessions.createSession({ userId, sessionId: s.id, name: s.name, type: s.type, status: s.status, metadata: s.metadata, relevanceScore: s.relevanceScore });
    } else if (r.contextEntry) {
      const e = r.contextEntry;
      await client.context.upsertContextEntry({
        userId, sessionId: e.sessionId, type: e.type, key: e.key, value: e.value, relevanceScore: e.relevanceScore, metadata: e.metadata,
        ...(e.expireTime ? { expireTime: e.expireTime } : {}),
      });
    } else if (r.message) {
      const m = r.message;
      const { messages } = await client.messages.appendMessages({
        userId,
        sessionId: m.sessionId,
        messages: [{ role: m.role, type: m.type, content: m.content, metadata: m.metadata, parentMessageId: m.parentMessageId === "" ? "" : newIds.get(m.parentMessageId)! }],
      });
      newIds.set(m.id, messages[0]!.id);
    } else if (r.summary) {
      const s = r.summary;
      await client.summaries.updateSummary({ userId, sessionId: s.sessionId, content: s.content, coversThroughIndex: s.coversThroughIndex, metadata: s.metadata });
    } else if (r.relationship) {
      links.push(r.relationship);
    } else if (r.preference) {
      const p = r.preference;
      await client.preferences.setPreference({ userId, key: p.key, value: p.value, metadata: p.metadata });
    }
  }
  for (const l of links) {
    await client.relationships.linkSessions({ userId, sourceSessionId: l.sourceSessionId, targetSessionId: l.targetSessionId, relation: l.relation, score: l.score, metadata: l.metadata });
  }
}

/** The tables of the database that have a user_id column (in the schema the service uses). */
export async function userKeyedTables(db: CommonQueryMethods): Promise<string[]> {
  const rows = await db.any(sql.type(z.object({ table_name: z.string() }))`
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.column_name = 'user_id' AND c.table_schema = current_schema()
    ORDER BY c.table_name
  `);
  return rows.map((row) => row.table_name);
}

/** Rows of the user in every erased table that exists. */
export async function userRowCounts(db: CommonQueryMethods, tenantId: string, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await userKeyedTables(db)) {
    if (!(erasedTables as readonly string[]).includes(table)) continue;
    counts[table] = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int8 AS n FROM ${sql.identifier([table])} WHERE tenant_id = ${tenantId} AND user_id = ${userId}
    `);
  }
  return counts;
}
