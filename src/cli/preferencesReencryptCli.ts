import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { createKeyring } from "../crypto/createKeyring.js";
import { openDatabase } from "../db/openDatabase.js";
import { reencryptPreferences } from "../domain/preferences/reencryptPreferences.js";

export const preferencesReencryptUsage = "usage: ltst preferences reencrypt [--batch-size N]   (N: 1 to 10000, default 500)";

/**
 * `ltst preferences reencrypt`: rewrites every preference not sealed with
 * LTST_ENCRYPTION_KEY (older keys from LTST_ENCRYPTION_OLD_KEYS, and values
 * stored unencrypted) with it, in batches, so that old keys can be removed
 * afterwards. Returns the exit code: 0 when every preference is under the
 * current key, 1 when some could not be opened (each is printed), 2 for bad
 * usage, 78 without LTST_ENCRYPTION_KEY.
 */
export async function runPreferencesReencryptCli(
  args: readonly string[],
  config: Config,
  logger: Logger,
  out: { log: (line: string) => void; error: (line: string) => void } = console,
): Promise<number> {
  let batchSize = 500;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = arg.startsWith("--batch-size=") ? arg.slice("--batch-size=".length) : undefined;
    if (arg !== "--batch-size" && inline === undefined) {
      out.error(`unknown argument ${JSON.stringify(arg)}\n${preferencesReencryptUsage}`);
      return 2;
    }
    const text = inline ?? args[++i];
    const value = Number(text);
    if (text === undefined || !/^\d+$/.test(text) || value < 1 || value > 10_000) {
      out.error(`--batch-size must be a whole number from 1 to 10000\n${preferencesReencryptUsage}`);
      return 2;
    }
    batchSize = value;
  }
  if (!config.LTST_ENCRYPTION_KEY) {
    out.error("ltst: LTST_ENCRYPTION_KEY is not set: there is no key to re-encrypt preferences with");
    return 78;
  }
  const keyring = createKeyring({ current: config.LTST_ENCRYPTION_KEY, old: config.LTST_ENCRYPTION_OLD_KEYS });
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LTST_DATA_DIR,
    poolSize: 2,
    log: (message) => logger.info({ component: "migrations" }, message),
  });
  try {
    const result = await reencryptPreferences({ db, keyring }, {
      batchSize,
      onBatch: (progress) => logger.info({ rewritten: progress.rewritten, failed: progress.failed.length }, "re-encrypting preferences"),
    });
    for (const failure of result.failed) {
      out.error(`not re-encrypted: tenant ${JSON.stringify(failure.tenantId)}, user ${JSON.stringify(failure.userId)}: ${failure.message}`);
    }
    out.log(
      `re-encrypted ${result.rewritten} preference${result.rewritten === 1 ? "" : "s"} with key id ${keyring.currentKeyId}` +
        (result.failed.length > 0 ? `; ${result.failed.length} could not be opened and were left as they are` : ""),
    );
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
