import { sql, type CommonQueryMethods } from "slonik";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";

export type NewPreferenceRow = {
  tenantId: string;
  userId: string;
  key: string;
  /** The sealed value (see Keyring.seal). */
  value: Buffer;
  keyId: string | null;
  metadata: Record<string, unknown>;
};

/** Creates the user's preference, or replaces its value, key id and metadata. Returns the stored row. */
export async function upsertPreference(db: CommonQueryMethods, preference: NewPreferenceRow): Promise<PreferenceRow> {
  return db.one(sql.type(preferenceRow)`
    INSERT INTO user_preferences AS p (tenant_id, user_id, key, value, key_id, metadata)
    VALUES (${preference.tenantId}, ${preference.userId}, ${preference.key}, ${sql.binary(preference.value)}, ${preference.keyId},
            ${sql.jsonb(preference.metadata as never)})
    ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET
      value = excluded.value,
      key_id = excluded.key_id,
      metadata = excluded.metadata,
      updated_at = now()
    RETURNING ${preferenceColumns}
  `);
}
