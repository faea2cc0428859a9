import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const pending = z.object({ pending: z.number(), failing: z.number() });

export type PendingEmbeddings = z.infer<typeof pending>;

/**
 * Messages waiting for their embedding, across all tenants and users, and how many of
 * them have failed at least once (their last error is recorded in the queue).
 */
export async function countPendingEmbeddings(db: CommonQueryMethods): Promise<PendingEmbeddings> {
  return db.one(sql.type(pending)`
    SELECT count(*)::int8 AS pending, count(*) FILTER (WHERE last_error IS NOT NULL)::int8 AS failing
    FROM message_embedding_queue
  `);
}
