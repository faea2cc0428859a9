import type { Database } from "../ports/Database.js";
import type { Message } from "./Message.js";
import { selectMessageById } from "../../db/queries/selectMessages.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

/** One message of the user's session; NOT_FOUND otherwise (also when retention hides the message or its session). */
export async function getMessage(
  deps: { db: Database; retention?: RetentionOf | undefined },
  input: { tenantId: string; userId: string; sessionId: string; messageId: string },
  signal?: AbortSignal,
): Promise<Message> {
  const cutoffs = cutoffsFor(deps, input.tenantId);
  const message = await deps.db.withConnection(signal, (connection) =>
    selectMessageById(connection, input.tenantId, input.userId, input.sessionId, input.messageId, cutoffs),
  );
  if (!message) throw new NotFoundError("message", input.messageId);
  return message;
}
