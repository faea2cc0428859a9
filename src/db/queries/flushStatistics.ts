import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const flushed = z.object({ flushed: z.string() });

/** Makes this backend's pending table statistics visible in pg_stat_* (they are flushed lazily). */
export async function flushStatistics(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.type(flushed)`SELECT pg_stat_force_next_flush()::text AS flushed`);
}
