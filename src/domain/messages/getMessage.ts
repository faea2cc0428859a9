import type { Database } from "../../db/Database.js";
import type { MessageRow } from "../../db/queries/messageRow.js";
import { selectMessageById } from "../../db/queries/selectMessages.js";
import { NotFoundError } from "../errors.js";

/** One message of the user's session; NOT_FOUND otherwise. */
export async function getMessage(
  deps: { db: Database },
  input: { tenantId: string; userId: string; sessionId: string; messageId: string },
  signal?: AbortSignal,
): Promise<MessageRow> {
  const message = await deps.db.withConnection(signal, (connection) =>
    selectMessageById(connection, input.tenantId, input.userId, input.sessionId, input.messageId),
  );
  if (!message) throw new NotFoundError("message", input.messageId);
  return message;
}
