import { z } from "zod";
import type { Database } from "../ports/Database.js";
import { relationName } from "../../db/queries/relationshipRow.js";
import type { RelationName, Relationship } from "./Relationship.js";
import { selectOwnedSessionIds } from "../../db/queries/selectOwnedSessionIds.js";
import { selectRelatedSessionsPage } from "../../db/queries/selectRelatedSessionsPage.js";
import { NotFoundError } from "../errors.js";
import { idField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";
import type { PageBytes } from "../pagination/takePage.js";

/** After the last link's score (a relevance in [0, 1]), its two sessions and its relation. */
const relationshipsCursor = definePageCursor(
  "relationships",
  z.object({ s: z.number().min(0).max(1), a: idField, b: idField, r: relationName }),
);

export type RelatedDirection = "outgoing" | "incoming" | "both";

export type ListRelatedSessionsInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  direction: RelatedDirection;
  relation: RelationName | null;
  pageSize: number;
  pageToken: string;
  /** Bounds the page by its encoded size as well as by pageSize. */
  pageBytes?: PageBytes<Relationship> | undefined;
};

/**
 * One page of the links of the user's session, highest score first. An
 * unknown session (or another user's) is NOT_FOUND rather than an empty list.
 * Page tokens carry the last link's position and are bound to the filters.
 */
export async function listRelatedSessions(
  deps: { db: Database },
  input: ListRelatedSessionsInput,
  signal?: AbortSignal,
): Promise<{ relationships: readonly Relationship[]; nextPageToken: string }> {
  const { page, nextPageToken } = await keysetPage(
    {
      cursor: relationshipsCursor,
      filters: [input.tenantId, input.userId, input.sessionId, input.direction, input.relation],
      pageToken: input.pageToken,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
    },
    (after, limit) =>
      deps.db.withConnection(signal, async (connection) => {
        const page = await selectRelatedSessionsPage(connection, {
          tenantId: input.tenantId,
          userId: input.userId,
          sessionId: input.sessionId,
          outgoing: input.direction !== "incoming",
          incoming: input.direction !== "outgoing",
          relation: input.relation,
          after: after && { score: after.s, sourceSessionId: after.a, targetSessionId: after.b, relation: after.r },
          limit,
        });
        // A link implies both its sessions exist for the user: check only when empty.
        if (page.length === 0 && (await selectOwnedSessionIds(connection, input.tenantId, input.userId, [input.sessionId])).length === 0) {
          throw new NotFoundError("session", input.sessionId);
        }
        return page;
      }),
    (last) => ({ s: last.score, a: last.sourceSessionId, b: last.targetSessionId, r: last.relation }),
  );
  return { relationships: page, nextPageToken };
}
