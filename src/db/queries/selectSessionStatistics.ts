import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** The statistics columns of a session row, kept exact by every write. */
export const sessionStatisticsRow = z.object({
  message_count: z.number(),
  user_message_count: z.number(),
  assistant_message_count: z.number(),
  system_message_count: z.number(),
  tool_message_count: z.number(),
  total_tokens: z.number(),
  total_characters: z.number(),
  first_message_at: z.date().nullable(),
  last_message_at: z.date().nullable(),
  /** last_message_at - first_message_at in microseconds (the Dates above keep only milliseconds). */
  duration_micros: z.number(),
  summary_message_count: z.number(),
  summary_updated_at: z.date().nullable(),
});

export type SessionStatisticsRow = z.infer<typeof sessionStatisticsRow>;

/** The statistics of the user's session, read from its row in one statement; null when absent. */
export async function selectSessionStatistics(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
): Promise<SessionStatisticsRow | null> {
  return db.maybeOne(sql.type(sessionStatisticsRow)`
    SELECT s.message_count, s.user_message_count, s.assistant_message_count, s.system_message_count,
           s.tool_message_count, s.total_tokens, s.total_characters, s.first_message_at, s.last_message_at,
           CASE WHEN s.message_count >= 2
                THEN greatest(0, round(extract(epoch FROM s.last_message_at - s.first_message_at) * 1000000))::int8
                ELSE 0::int8 END AS duration_micros,
           s.summary_message_count, s.summary_updated_at
    FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
  `);
}
