import type { Database } from "../ports/Database.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { countTokens } from "../../tokens/countTokens.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import { NotFoundError } from "../errors.js";

/** Batches up to this many characters are counted at once, on the calling thread (microseconds to a few ms). */
const INLINE_CHARACTERS = 16_384;

/**
 * cl100k_base token counts of texts to store in a session. A small batch is
 * counted at once. A large one is counted only after checking that the
 * session exists and is the caller's (so a request for another user's
 * session, or none, costs no counting), and then on the token counter's
 * worker threads, so that counting never holds up other calls.
 */
export async function countSessionTexts(
  deps: { db: Database; tokenCounter?: TokenCounter | undefined },
  scope: { tenantId: string; userId: string; sessionId: string },
  texts: readonly string[],
  signal?: AbortSignal,
): Promise<number[]> {
  const characters = texts.reduce((sum, text) => sum + text.length, 0);
  if (characters <= INLINE_CHARACTERS || !deps.tokenCounter) return texts.map((text) => countTokens(text));
  const session = await deps.db.withConnection(signal, (connection) =>
    selectSession(connection, scope.tenantId, scope.userId, scope.sessionId),
  );
  if (!session) throw new NotFoundError("session", scope.sessionId);
  return deps.tokenCounter.count(texts, "cl100k_base", signal);
}
