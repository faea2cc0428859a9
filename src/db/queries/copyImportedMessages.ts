import type pg from "pg";
import { copyIn } from "../copyIn.js";
import type { ImportedMessage } from "./insertImportedMessages.js";

/** A value in COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
function field(value: string | number | null): string {
  if (value === null) return "\\N";
  if (typeof value === "number") return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/**
 * The same rows insertImportedMessages writes, with COPY (PostgreSQL only,
 * on a plain node-postgres client inside the caller's transaction): about
 * half the server's work of a multi-row INSERT from unnest arrays for large
 * batches. Outside slonik, since slonik has no COPY FROM; the statements are
 * constant text, the data travels as COPY rows, never as SQL.
 */
export async function copyImportedMessages(
  client: pg.Client,
  tenantId: string,
  messages: readonly ImportedMessage[],
  options: { enqueueEmbeddings: boolean },
): Promise<void> {
  if (messages.length === 0) return;
  const tenant = field(tenantId);
  const rows: string[] = [];
  for (const m of messages) {
    rows.push(
      `${tenant}\t${field(m.userId)}\t${field(m.sessionId)}\t${m.id}\t${m.messageIndex}\t${m.role}\t${field(m.type)}\t${field(m.content)}\t` +
        `${field(m.metadata)}\t${m.parentMessageId ?? "\\N"}\t\\\\x${m.contentHash}\t\\\\x${m.contextHash}\t${m.tokenCount}\t${m.createdAt}\n`,
    );
  }
  await copyIn(
    client,
    `COPY messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata, parent_message_id,
                    content_hash, context_hash, token_count, created_at) FROM STDIN`,
    chunks(rows),
  );
  if (!options.enqueueEmbeddings) return;
  await copyIn(
    client,
    "COPY message_embedding_queue (tenant_id, user_id, session_id, message_index) FROM STDIN",
    chunks(messages.map((m) => `${tenant}\t${field(m.userId)}\t${field(m.sessionId)}\t${m.messageIndex}\n`)),
  );
}

/** Rows joined into chunks of about 1 MiB (a CopyData message each). */
function* chunks(rows: readonly string[]): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    parts.push(row);
    size += row.length;
    if (size >= 1 << 20) {
      yield Buffer.from(parts.join(""), "utf8");
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(""), "utf8");
}
