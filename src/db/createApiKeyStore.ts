import type { ApiKeyStore } from "../auth/ApiKeyStore.js";
import type { Database } from "./Database.js";
import { countActiveApiKeys } from "./queries/countActiveApiKeys.js";
import { insertApiKey } from "./queries/insertApiKey.js";
import { revokeApiKey } from "./queries/revokeApiKey.js";
import { selectApiKey } from "./queries/selectApiKey.js";
import { selectApiKeys } from "./queries/selectApiKeys.js";

/** The API key store on the service's database. */
export function createApiKeyStore(db: Database): ApiKeyStore {
  return {
    find: (keyId) => db.withConnection(undefined, (connection) => selectApiKey(connection, keyId)),
    countActive: () => db.withConnection(undefined, (connection) => countActiveApiKeys(connection)),
    insert: (record) => db.withConnection(undefined, (connection) => insertApiKey(connection, record)),
    list: async (tenantId) => [...(await db.withConnection(undefined, (connection) => selectApiKeys(connection, tenantId)))],
    revoke: (keyId) => db.withConnection(undefined, (connection) => revokeApiKey(connection, keyId)),
  };
}
