import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Takes the retention sweeper's advisory lock for the rest of the current
 * transaction, without waiting; false when another replica's sweeper holds
 * it. One lock key for the whole service (and database): only one replica
 * deletes at a time. PGlite has advisory locks too (and one session, so
 * there the lock is always free).
 */
export async function tryRetentionLock(db: CommonQueryMethods): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ locked: z.boolean() }))`
    SELECT pg_try_advisory_xact_lock(hashtext('ltst_retention_sweep')) AS locked
  `);
}
