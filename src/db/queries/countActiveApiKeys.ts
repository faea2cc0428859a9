import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Keys not revoked, across tenants. */
export async function countActiveApiKeys(db: CommonQueryMethods): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::int AS count FROM api_keys WHERE revoked_at IS NULL
  `);
}
