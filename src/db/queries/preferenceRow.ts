import { sql } from "slonik";
import { z } from "zod";

/** A row of `user_preferences` as the data layer returns it: the value still sealed. */
export const preferenceRow = z.object({
  tenant_id: z.string(),
  user_id: z.string(),
  key: z.string(),
  /** Plaintext UTF-8 when key_id is null, else nonce || ciphertext || tag. */
  value: z.instanceof(Buffer),
  key_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(),
  updated_at: z.date(),
});

export type PreferenceRow = z.infer<typeof preferenceRow>;

/** The select list matching preferenceRow, for a `user_preferences` table aliased `p`. */
export const preferenceColumns = sql.fragment`
  p.tenant_id, p.user_id, p.key, p.value, p.key_id, p.metadata, p.created_at, p.updated_at
`;
