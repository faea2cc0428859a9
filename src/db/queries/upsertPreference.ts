import { sql, type CommonQueryMethods } from "slonik";
import { timestamptz } from "./contextEntryRow.js";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";

export type NewPreferenceRow = {
  tenantId: string;
  userId: string;
  key: string;
  /** The sealed value (see Keyring.seal). */
  value: Buffer;
  keyId: string | null;
  metadata: Record<string, unknown>;
  /** The time of the write: created_at of a new row, updated_at in any case. */
  now: Date;
};

/**
 * Creates the user's preference, or replaces its value, key id and metadata.
 * Returns the stored row. The time is a parameter, not now(): Citus refuses
 * functions that are not immutable in ON CONFLICT DO UPDATE.
 */
export async function upsertPreference(db: CommonQueryMethods, preference: NewPreferenceRow): Promise<PreferenceRow> {
  return db.one(sql.type(preferenceRow)`
    INSERT INTO user_preferences AS p (tenant_id, user_id, key, value, key_id, metadata, created_at, updated_at)
    VALUES (${preference.tenantId}, ${preference.userId}, ${preference.key}, ${sql.binary(preference.value)}, ${preference.keyId},
            ${sql.jsonb(preference.metadata as never)}, ${timestamptz(preference.now)}, ${timestamptz(preference.now)})
    ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET
      value = excluded.value,
      key_id = excluded.key_id,
      metadata = excluded.metadata,
      updated_at = excluded.updated_at
    RETURNING ${preferenceColumns}
  `);
}
