import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Bytes of message content the tenant stores (the sessions' exact content_bytes statistic). */
export async function selectTenantStorageBytes(db: CommonQueryMethods, tenantId: string): Promise<number> {
  return db.oneFirst(sql.type(z.object({ bytes: z.number() }))`
    SELECT coalesce(sum(content_bytes), 0)::int8 AS bytes FROM sessions WHERE tenant_id = ${tenantId}
  `);
}
