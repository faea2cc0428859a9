import { createWriteStream, type WriteStream } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Logger } from "pino";
import { isTenantId } from "../auth/issueApiKey.js";
import type { Config } from "../config/loadConfig.js";
import { createKeyring } from "../crypto/createKeyring.js";
import { createDatabasePool } from "../db/createDatabasePool.js";
import { openDatabase } from "../db/openDatabase.js";
import { importFromSource, type ImportReport, type RejectedRow } from "../import/importFromSource.js";
import { SourceSchemaError, type SourceKind } from "../import/SourcePlan.js";
import { createTokenCounter } from "../tokens/createTokenCounter.js";
import { isId } from "../validation/limits.js";
import { importProgress } from "./importProgress.js";

export const importUsage = `usage: ltst import --from POSTGRES_URL [--tenant TENANT] [--dry-run] [--rejects FILE]
                   [--default-user USER_ID] [--source minimal|ltst|conversation_memory]
                   [--map FIELD=COLUMN ...] [--page-size N]

Copies a database of the minimal design (conversations, messages, conversation_summaries),
the LTST design (conversation_sessions, conversation_messages, conversation_context,
user_preferences, session_relationships) or the legacy conversation_memory table into
LTST Memory, for TENANT (default "default"). Safe to run again, and to resume after it
was stopped. Rows it cannot import are listed with the reason (--rejects: JSON Lines).

Writes to the database of DATABASE_URL, or the embedded one in LTST_DATA_DIR (stop the
server first: one process at a time may open the embedded database).`;

type Output = { log: (line: string) => void; error: (line: string) => void };

/**
 * \`ltst import\`: reads the source database of --from and writes into the
 * service's database. Returns the exit code: 0 imported (rejected rows, if
 * any, are listed), 2 bad usage, 65 the source holds neither design.
 */
export async function runImportCli(
  args: readonly string[],
  config: Config,
  logger: Logger,
  out: Output = console,
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: args as string[],
      options: {
        from: { type: "string" },
        tenant: { type: "string", default: "default" },
        "dry-run": { type: "boolean", default: false },
        rejects: { type: "string" },
        "default-user": { type: "string" },
        source: { type: "string" },
        map: { type: "string", multiple: true },
        "page-size": { type: "string" },
      },
    }));
  } catch (error) {
    out.error(`${(error as Error).message}\n${importUsage}`);
    return 2;
  }
  const usage = (message: string) => {
    out.error(`${message}\n${importUsage}`);
    return 2;
  };
  if (!values.from || !/^postgres(ql)?:\/\//.test(values.from)) return usage("--from must be a postgres:// or postgresql:// URL");
  if (!isTenantId(values.tenant)) return usage(`--tenant ${JSON.stringify(values.tenant)} is not a valid id`);
  const defaultUser = values["default-user"] ?? null;
  if (defaultUser !== null && !isId(defaultUser)) return usage(`--default-user ${JSON.stringify(defaultUser)} is not a valid id`);
  const kinds: readonly SourceKind[] = ["minimal", "ltst", "conversation_memory"];
  if (values.source !== undefined && !kinds.includes(values.source as SourceKind)) return usage("--source must be minimal, ltst or conversation_memory");
  const mapping = new Map<string, string>();
  for (const entry of values.map ?? []) {
    const [field, column, ...rest] = entry.split("=");
    if (!field || !column || rest.length > 0) return usage(`--map ${JSON.stringify(entry)} must be FIELD=COLUMN`);
    mapping.set(field, column);
  }
  const pageSize = values["page-size"] === undefined ? 5000 : Number(values["page-size"]);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100_000) return usage("--page-size must be a whole number from 1 to 100000");

  // Test-only: stop inside the transaction of message batch N, before its commit, and wait to be killed.
  const hangIn = Number(process.env.LTST_IMPORT_TEST_HANG_IN_BATCH ?? 0);

  const keyring = createKeyring({ current: config.LTST_ENCRYPTION_KEY ?? null, old: config.LTST_ENCRYPTION_OLD_KEYS });
  const source = await createDatabasePool(values.from, { maxPoolSize: 1, statementTimeoutMs: 3_600_000 });
  let target;
  try {
    target = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.LTST_DATA_DIR,
      poolSize: 2,
      log: (message) => logger.info({ component: "migrations" }, message),
    });
  } catch (error) {
    await source.end();
    throw error;
  }
  // On PostgreSQL, messages are written with COPY on a client of their own (see copyImportedMessages).
  let copyClient: pg.Client | undefined;
  if (config.DATABASE_URL) {
    copyClient = new pg.Client({ connectionString: config.DATABASE_URL });
    copyClient.on("error", () => undefined); // a lost connection fails the statement in flight, which is enough
    try {
      await copyClient.connect();
    } catch (error) {
      await source.end();
      await target.close();
      throw error;
    }
  }
  // Not niced: counting is on the import's critical path, not background work as in the service.
  const tokenCounter = createTokenCounter({ niceIncrement: 0 });
  let rejectsFile: WriteStream | undefined;
  const listed: RejectedRow[] = [];
  const progress = importProgress(stderr);
  try {
    if (values.rejects) {
      rejectsFile = createWriteStream(values.rejects, { flags: "w" });
      await new Promise<void>((resolve, reject) => rejectsFile!.once("open", () => resolve()).once("error", reject));
    }
    const report = await importFromSource(
      { source, target, keyring, tokenCounter, copyClient },
      {
        tenantId: values.tenant,
        dryRun: values["dry-run"],
        defaultUser,
        choice: values.source as SourceKind | undefined,
        mapping,
        pageSize,
        onProgress: (p) => progress.update(p),
        onReject: (row) => {
          if (listed.length < 20) listed.push(row);
          rejectsFile?.write(`${JSON.stringify(row)}\n`);
        },
        ...(hangIn > 0
          ? {
              beforeCommit: async (batch: number) => {
                if (batch !== hangIn) return;
                stderr.write(`ltst import: test hook: holding batch ${batch} uncommitted\n`);
                await new Promise(() => undefined);
              },
            }
          : {}),
      },
    );
    progress.done();
    for (const line of formatReport(report, listed, values.rejects)) out.log(line);
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof SourceSchemaError) {
      out.error(`ltst import: ${error.message}`);
      return 65; // EX_DATAERR
    }
    throw error;
  } finally {
    if (rejectsFile) await new Promise<void>((resolve) => rejectsFile!.end(resolve));
    await tokenCounter.close();
    await copyClient?.end().catch(() => undefined);
    await source.end();
    await target.close();
  }
}

function formatReport(report: ImportReport, listed: readonly RejectedRow[], rejectsPath: string | undefined): string[] {
  const line = (name: string, c: { read: number; imported: number; existing: number; rejected: number }) =>
    `  ${name.padEnd(16)} read ${c.read}, ${report.dryRun ? "would import" : "imported"} ${c.imported}, already there ${c.existing}, rejected ${c.rejected}`;
  const seconds = report.elapsedMs / 1000;
  const rejected = Object.values(report.rejectsByReason).reduce((a, b) => a + b, 0);
  return [
    `ltst import${report.dryRun ? " (dry run: nothing written)" : ""}: source holds the ${report.kind} design (tables ${report.tables.join(", ")})`,
    ...report.notes.map((note) => `  note: ${note}`),
    line("sessions", report.sessions),
    line("messages", report.messages),
    line("preferences", report.preferences),
    line("context entries", report.contextEntries),
    line("relationships", report.relationships),
    line("summaries", report.summaries),
    `  ${seconds.toFixed(1)} s, ${Math.round(report.messages.read / Math.max(seconds, 1e-3))} messages/s; ` +
      (report.embeddingsQueued ? "imported messages are queued for embedding" : "no embeddings queued (no pgvector in the target, or dry run)"),
    ...(rejected === 0
      ? ["  no row rejected"]
      : [
          `  ${rejected} row${rejected === 1 ? "" : "s"} rejected, by reason:`,
          ...Object.entries(report.rejectsByReason).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `    ${String(n).padStart(8)}  ${reason}`),
          rejectsPath ? `  every rejected row is in ${rejectsPath} (JSON Lines)` : `  the first ${listed.length} (all with --rejects FILE):`,
          ...(rejectsPath ? [] : listed.map((row) => `    ${row.table} ${row.id}: ${row.reason}`)),
        ]),
  ];
}
