import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

export type ImportedPreference = {
  userId: string;
  key: string;
  /** Sealed as setPreference seals it (Keyring.seal with preferenceAad). */
  value: Buffer;
  keyId: string | null;
  metadata: Record<string, unknown>;
  updatedAt: string;
};

const inserted = z.object({ n: z.number() });

/** Inserts preferences; one the user already has is left as it is. Returns how many were inserted. */
export async function insertImportedPreferences(db: CommonQueryMethods, tenantId: string, preferences: readonly ImportedPreference[]): Promise<number> {
  if (preferences.length === 0) return 0;
  const tuples = preferences.map((p) => [p.userId, p.key, p.value.toString("base64"), p.keyId, JSON.stringify(p.metadata), p.updatedAt]);
  return db.oneFirst(sql.type(inserted)`
    WITH written AS (
      INSERT INTO user_preferences (tenant_id, user_id, key, value, key_id, metadata, created_at, updated_at)
      SELECT ${tenantId}, t.user_id, t.key, decode(t.value, 'base64'), t.key_id, t.metadata::jsonb, t.updated_at, t.updated_at
      FROM ${sql.unnest(tuples, ["text", "text", "text", "text", "text", "timestamptz"])} AS t(user_id, key, value, key_id, metadata, updated_at)
      ON CONFLICT (tenant_id, user_id, key) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int8 AS n FROM written`);
}
