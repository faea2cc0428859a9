import { once } from "node:events";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { createMemoryClient } from "../client/createMemoryClient.js";
import { exportUserDataResumably } from "../client/exportUserDataResumably.js";
import type { Config } from "../config/loadConfig.js";
import { createKeyring } from "../crypto/createKeyring.js";
import { openDatabase } from "../db/openDatabase.js";
import { createChainVerifier, type ChainMismatch } from "../domain/messages/createChainVerifier.js";
import { decodeExportCursor } from "../domain/userData/exportCursor.js";
import { exportUserData } from "../domain/userData/exportUserData.js";
import { roleFromProto } from "../grpc/encode.js";
import { encodeExportRecord } from "../grpc/encodeExportRecord.js";
import { isId } from "../validation/limits.js";
import { ExportUserDataResponse } from "../../gen/ts/ltst/memory/v1/user_data.js";

export const exportUsage = `usage:
  ltst export --user USER_ID [--address HOST:PORT] [--api-key KEY] [--tls] [--cursor CURSOR] > user.jsonl
                   through the running server (default address: LTST_GRPC_ADDRESS); the key (or
                   LTST_API_KEY) must have the admin role, and its tenant is the one exported
  ltst export --user USER_ID --database [--tenant TENANT] [--cursor CURSOR] > user.jsonl
                   straight from the database of DATABASE_URL, or the embedded one in LTST_DATA_DIR
                   (stop the server first); tenant "default" unless given

Writes JSON Lines: one record per line, {"type": ..., "cursor": ..., "record": {...}}, with type
session, statistics, context_entry, message, summary, relationship or preference (in that order per
session, sessions by id, then preferences; records are the API's messages in proto JSON), then one
{"type": "end", ...} line with the counts and the hash chain check. Every message's content hash
and its link to the message before it are recomputed; a mismatch is reported and exits 1. When
the export stops early, the last cursor is printed: --cursor CURSOR >> user.jsonl continues it.`;

type Io = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

/** The oneof field of a response, and the `type` the line gets. */
const recordTypes = {
  session: "session",
  statistics: "statistics",
  summary: "summary",
  contextEntry: "context_entry",
  message: "message",
  relationship: "relationship",
  preference: "preference",
} as const;

/**
 * `ltst export`: a user's whole data as JSON Lines on stdout, verified as
 * it is written (hash chains), with a progress line on stderr when it is a
 * terminal. Returns the exit code: 0 exported and verified, 1 a hash chain
 * does not verify, 2 bad usage, 3 the export failed part way (the last
 * cursor is printed to resume from).
 */
export async function runExportCli(args: readonly string[], config: Config, logger: Logger, io: Io = process): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let values;
  try {
    ({ values } = parseArgs({
      args: args as string[],
      options: {
        user: { type: "string" },
        tenant: { type: "string" },
        address: { type: "string" },
        "api-key": { type: "string" },
        tls: { type: "boolean" },
        database: { type: "boolean" },
        cursor: { type: "string" },
      },
    }));
  } catch (error) {
    say(`${(error as Error).message}\n${exportUsage}`);
    return 2;
  }
  const userId = values.user;
  if (!userId || !isId(userId)) {
    say(`--user USER_ID is required (letters, digits and . _ : @ + -)\n${exportUsage}`);
    return 2;
  }
  if (!values.database && values.tenant !== undefined) {
    say(`--tenant goes with --database: through the server, the tenant is the API key's\n${exportUsage}`);
    return 2;
  }
  if (values.database && (values.address !== undefined || values["api-key"] !== undefined || values.tls)) {
    say(`--database reads the database itself: --address, --api-key and --tls are for the server\n${exportUsage}`);
    return 2;
  }

  const output = createExportOutput(io, userId);
  let lastCursor = values.cursor ?? "";
  try {
    if (values.database) {
      const tenantId = values.tenant ?? "default";
      let after;
      try {
        after = decodeExportCursor("--cursor", lastCursor, tenantId, userId);
      } catch (error) {
        say(`ltst export: ${(error as Error).message}`);
        return 2;
      }
      const keyring = createKeyring({ current: config.LTST_ENCRYPTION_KEY ?? null, old: config.LTST_ENCRYPTION_OLD_KEYS });
      const db = await openDatabase({
        databaseUrl: config.DATABASE_URL,
        dataDir: config.LTST_DATA_DIR,
        poolSize: 1,
        log: (message) => logger.info({ component: "migrations" }, message),
      });
      try {
        for await (const record of exportUserData({ db, keyring, summaryEvery: config.LTST_SUMMARY_EVERY }, { tenantId, userId, after })) {
          const response = encodeExportRecord(record);
          await output.write(response);
          lastCursor = response.cursor;
        }
      } finally {
        await db.close();
      }
    } else {
      const address = values.address ?? config.LTST_GRPC_ADDRESS.replace(/^(0\.0\.0\.0|\[::\]):/, "127.0.0.1:");
      const apiKey = values["api-key"] ?? io.env.LTST_API_KEY;
      const client = createMemoryClient({
        address,
        credentials: values.tls ? "tls" : "insecure",
        defaultDeadlineMs: Infinity,
        ...(apiKey ? { apiKey } : {}),
      });
      try {
        const records = exportUserDataResumably(client, userId, {
          cursor: lastCursor,
          onResume: (cursor, error) => {
            output.stopProgress();
            say(`ltst export: the call ended (${error.details}); continuing after ${output.records} records`);
            lastCursor = cursor;
          },
        });
        for await (const response of records) {
          await output.write(response);
          lastCursor = response.cursor;
        }
      } finally {
        client.close();
      }
    }
  } catch (error) {
    output.stopProgress();
    say(`ltst export: stopped after ${output.records} records: ${(error as Error).message}`);
    if (lastCursor !== "") say(`to continue: ltst export --user ${userId} ${values.database ? "--database " : ""}--cursor ${lastCursor} >> FILE`);
    return 3;
  }
  return output.finish();
}

/** The JSON Lines writer: waits for stdout to drain, verifies hash chains, shows progress. */
function createExportOutput(io: Io, userId: string) {
  const verifier = createChainVerifier();
  const mismatches: ChainMismatch[] = [];
  const counts: Record<string, number> = {};
  const tty = io.stderr.isTTY === true;
  const started = performance.now();
  let records = 0;
  let lastDraw = 0;
  let drawn = false;

  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(records / seconds) : 0;
    io.stderr.write(`\rexporting ${userId}: ${records.toLocaleString("en")} records (${(counts.message ?? 0).toLocaleString("en")} messages), ${rate.toLocaleString("en")}/s\x1b[K`);
    drawn = true;
  };
  const stopProgress = () => {
    if (drawn) io.stderr.write("\n");
    drawn = false;
  };

  return {
    get records() {
      return records;
    },
    stopProgress,
    async write(response: ExportUserDataResponse) {
      const json = ExportUserDataResponse.toJSON(response) as Record<string, unknown>;
      const field = (Object.keys(recordTypes) as (keyof typeof recordTypes)[]).find((key) => json[key] !== undefined);
      if (!field) return; // a record kind newer than this CLI: nothing to write it as
      const type = recordTypes[field];
      if (response.message) {
        const message = response.message;
        const mismatch = verifier.add({
          sessionId: message.sessionId,
          messageIndex: message.messageIndex,
          role: roleFromProto(message.role) ?? "user",
          content: message.content,
          contentHash: message.contentHash,
          contextHash: message.contextHash,
        });
        if (mismatch) mismatches.push(mismatch);
      }
      records += 1;
      counts[type] = (counts[type] ?? 0) + 1;
      if (!io.stdout.write(`${JSON.stringify({ type, cursor: response.cursor, record: json[field] })}\n`)) await once(io.stdout, "drain");
      if (tty && performance.now() - lastDraw > 200) {
        lastDraw = performance.now();
        draw();
      }
    },
    async finish(): Promise<number> {
      const seconds = (performance.now() - started) / 1000;
      const hashChains = { checked: verifier.checked, linked: verifier.linked, mismatches: mismatches.length };
      if (!io.stdout.write(`${JSON.stringify({ type: "end", userId, records, counts, hashChains })}\n`)) await once(io.stdout, "drain");
      if (tty) draw();
      stopProgress();
      io.stderr.write(
        `exported ${records} records of ${userId} in ${seconds.toFixed(1)} s: ` +
          Object.entries(counts).map(([type, count]) => `${count} ${type}`).join(", ") +
          `; hash chains: ${verifier.checked} messages checked, ${verifier.linked} linked to the one before` +
          (mismatches.length === 0 ? ", all verified\n" : `, ${mismatches.length} DO NOT VERIFY\n`),
      );
      for (const m of mismatches.slice(0, 20)) io.stderr.write(`  session ${m.sessionId} message ${m.messageIndex}: ${m.problem} does not verify\n`);
      if (mismatches.length > 20) io.stderr.write(`  ... and ${mismatches.length - 20} more\n`);
      return mismatches.length === 0 ? 0 : 1;
    },
  };
}
