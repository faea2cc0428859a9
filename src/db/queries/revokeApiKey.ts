import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Marks a key revoked; false when there is no such key or it was revoked already. */
export async function revokeApiKey(db: CommonQueryMethods, keyId: string): Promise<boolean> {
  const revoked = await db.maybeOneFirst(sql.type(z.object({ key_id: z.string() }))`
    UPDATE api_keys SET revoked_at = now() WHERE key_id = ${keyId} AND revoked_at IS NULL
    RETURNING key_id
  `);
  return revoked !== null;
}
