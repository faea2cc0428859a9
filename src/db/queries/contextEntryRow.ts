import { sql } from "slonik";
import { z } from "zod";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";

/** A row as the statements return it. */
export const contextEntryRowShape = z.object({
  user_id: z.string(),
  session_id: z.string(),
  type: z.string(),
  key: z.string(),
  value: z.string(),
  relevance_score: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  expires_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

/** The domain's ContextEntry from a row. */
export const toContextEntry = (row: z.infer<typeof contextEntryRowShape>): ContextEntry => ({
  userId: row.user_id,
  sessionId: row.session_id,
  type: row.type,
  key: row.key,
  value: row.value,
  relevanceScore: row.relevance_score,
  metadata: row.metadata,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A row, validated and mapped to the domain's ContextEntry. */
export const contextEntryRow = contextEntryRowShape.transform(toContextEntry);

/** The select list matching contextEntryRow, for a `context_entries` table aliased `c`. */
export const contextEntryColumns = sql.fragment`
  c.user_id, c.session_id, c.type, c.key, c.value, c.relevance_score, c.metadata,
  c.expires_at, c.created_at, c.updated_at
`;

/** The fields an upsert writes. `now` is the caller's clock: it stamps the row and decides liveness. */
export type ContextEntryWrite = {
  tenantId: string;
  userId: string;
  sessionId: string;
  type: string;
  key: string;
  value: string;
  relevanceScore: number;
  metadata: Record<string, unknown>;
  expiresAt: Date | null;
  now: Date;
};

/** A timestamptz parameter with the exact millisecond of `date` (sql.timestamp goes through a float). */
export const timestamptz = (date: Date) => sql.fragment`${date.toISOString()}::timestamptz`;

/** Whether the entry `c` is live at `now`: no expiry, or an expiry after `now`. */
export const isLive = (now: Date) => sql.fragment`(c.expires_at IS NULL OR c.expires_at > ${timestamptz(now)})`;
