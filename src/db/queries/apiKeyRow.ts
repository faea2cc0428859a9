import { sql } from "slonik";
import { z } from "zod";
import type { ApiKeyRecord } from "../../auth/ApiKeyStore.js";

/** A row of `api_keys`, mapped to the auth layer's record. */
export const apiKeyRow = z
  .object({
    key_id: z.string(),
    tenant_id: z.string(),
    role: z.enum(["reader", "writer", "admin"]),
    user_id: z.string().nullable(),
    name: z.string(),
    key_hash: z.instanceof(Buffer),
    created_at: z.date(),
    revoked_at: z.date().nullable(),
  })
  .transform(
    (row): ApiKeyRecord => ({
      keyId: row.key_id,
      tenantId: row.tenant_id,
      role: row.role,
      userId: row.user_id,
      name: row.name,
      keyHash: row.key_hash,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }),
  );

/** The select list matching apiKeyRow. */
export const apiKeyColumns = sql.fragment`key_id, tenant_id, role, user_id, name, key_hash, created_at, revoked_at`;
