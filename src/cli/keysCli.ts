import { parseArgs } from "node:util";
import type { Logger } from "pino";
import type { ApiKeyRecord } from "../auth/ApiKeyStore.js";
import { issueApiKey } from "../auth/issueApiKey.js";
import { roles, type Role } from "../auth/Principal.js";
import type { Config } from "../config/loadConfig.js";
import { createApiKeyStore } from "../db/createApiKeyStore.js";
import { openDatabase } from "../db/openDatabase.js";

export const keysUsage = `usage:
  ltst keys create --tenant TENANT --role reader|writer|admin [--user USER_ID] [--name NAME]
                   prints the new key once (only its hash is stored)
  ltst keys list [--tenant TENANT]
  ltst keys revoke KEY_ID
                   every replica refuses the key within LTST_AUTH_CACHE_TTL_MS

Works on the database of DATABASE_URL, or the embedded one in LTST_DATA_DIR (stop the server first).`;

type Output = { log: (line: string) => void; error: (line: string) => void };

/**
 * `ltst keys create|list|revoke`: API key management on the service's
 * database. Returns the exit code (0 done, 1 not found, 2 bad usage).
 */
export async function runKeysCli(args: readonly string[], config: Config, logger: Logger, out: Output = console): Promise<number> {
  const [command, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest as string[],
      allowPositionals: true,
      options: { tenant: { type: "string" }, role: { type: "string" }, user: { type: "string" }, name: { type: "string" } },
    });
  } catch (error) {
    out.error(`${(error as Error).message}\n${keysUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (command === "create") {
    if (!values.tenant || !values.role || positionals.length > 0) {
      out.error(`create needs --tenant and --role\n${keysUsage}`);
      return 2;
    }
    if (!roles.includes(values.role as Role)) {
      out.error(`--role must be reader, writer or admin\n${keysUsage}`);
      return 2;
    }
  } else if (command === "list") {
    if (positionals.length > 0 || values.role || values.user || values.name) {
      out.error(keysUsage);
      return 2;
    }
  } else if (command === "revoke") {
    if (positionals.length !== 1) {
      out.error(`revoke needs exactly one KEY_ID\n${keysUsage}`);
      return 2;
    }
  } else {
    out.error(keysUsage);
    return 2;
  }

  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LTST_DATA_DIR,
    poolSize: 1,
    log: (message) => logger.info({ component: "migrations" }, message),
  });
  try {
    const store = createApiKeyStore(db);
    if (command === "create") {
      let issued;
      try {
        issued = await issueApiKey(store, {
          tenantId: values.tenant!,
          role: values.role as Role,
          userId: values.user ?? null,
          name: values.name ?? "",
        });
      } catch (error) {
        out.error(`ltst keys create: ${(error as Error).message}`);
        return 2;
      }
      out.error(`created key ${issued.record.keyId} for tenant ${issued.record.tenantId}, role ${issued.record.role}` +
        (issued.record.userId ? `, user ${issued.record.userId}` : "") + ". The key is shown once; store it now:");
      out.log(issued.key);
      return 0;
    }
    if (command === "list") {
      const keys = await store.list(values.tenant ?? null);
      out.log(["KEY ID", "TENANT", "ROLE", "USER", "CREATED", "REVOKED", "NAME"].join("\t"));
      for (const key of keys) out.log(formatKey(key));
      return 0;
    }
    const revoked = await store.revoke(positionals[0]!);
    if (!revoked) {
      out.error(`no active key ${JSON.stringify(positionals[0])}`);
      return 1;
    }
    out.log(`revoked ${positionals[0]}`);
    return 0;
  } finally {
    await db.close();
  }
}

function formatKey(key: ApiKeyRecord): string {
  return [key.keyId, key.tenantId, key.role, key.userId ?? "-", key.createdAt.toISOString(), key.revokedAt?.toISOString() ?? "-", key.name || "-"].join("\t");
}
