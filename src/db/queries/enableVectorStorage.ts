import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const enabled = z.object({ enabled: z.boolean() });

/**
 * Creates pgvector storage for embeddings if the database has pgvector and
 * it does not exist yet (migration 0002's ltst_enable_vector_storage, which
 * also queues every message stored before). Returns whether embeddings can be
 * stored: false on a PostgreSQL without pgvector.
 */
export async function enableVectorStorage(db: CommonQueryMethods): Promise<boolean> {
  const row = await db.one(sql.type(enabled)`SELECT ltst_enable_vector_storage() AS enabled`);
  return row.enabled;
}
