import { isId } from "../validation/limits.js";
import type { ApiKeyRecord, ApiKeyStore } from "./ApiKeyStore.js";
import { generateApiKey, hashApiKey } from "./apiKeyFormat.js";
import { roles, type Role } from "./Principal.js";

/** Tenant ids follow the id rule of user and session ids. */
export const isTenantId = isId;

/**
 * Creates an API key for a tenant and role, optionally restricted to one
 * user_id. Returns the stored record and the key itself, which exists
 * nowhere else: it is shown once and only its hash is kept.
 */
export async function issueApiKey(
  store: ApiKeyStore,
  input: { tenantId: string; role: Role; userId: string | null; name: string },
): Promise<{ record: ApiKeyRecord; key: string }> {
  if (!isTenantId(input.tenantId)) throw new Error(`tenant ${JSON.stringify(input.tenantId)} is not a valid id`);
  if (!roles.includes(input.role)) throw new Error(`role must be reader, writer or admin`);
  if (input.userId !== null && !isId(input.userId)) throw new Error(`user ${JSON.stringify(input.userId)} is not a valid id`);
  if (input.name.length > 200) throw new Error("name must be at most 200 characters");
  const { keyId, key } = generateApiKey();
  const record = await store.insert({
    keyId,
    tenantId: input.tenantId,
    role: input.role,
    userId: input.userId,
    name: input.name,
    keyHash: hashApiKey(key),
  });
  return { record, key };
}
