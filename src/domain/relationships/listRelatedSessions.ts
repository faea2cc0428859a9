import type { Database } from "../ports/Database.js";
import type { RelationName } from "./Relationship.js";
import type { Relationship } from "./Relationship.js";
import { relationName } from "../../db/queries/relationshipRow.js";
import { selectOwnedSessionIds } from "../../db/queries/selectOwnedSessionIds.js";
import { selectRelatedSessionsPage, type RelationshipCursor } from "../../db/queries/selectRelatedSessionsPage.js";
import { isId } from "../../validation/limits.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { takePage, type PageBytes } from "../pagination/takePage.js";

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
  const scope = ["relationships", input.tenantId, input.userId, input.sessionId, input.direction, input.relation];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  const after = cursor === null ? null : parseCursor(cursor);
  const rows = await deps.db.withConnection(signal, async (connection) => {
    const page = await selectRelatedSessionsPage(connection, {
      tenantId: input.tenantId,
      userId: input.userId,
      sessionId: input.sessionId,
      outgoing: input.direction !== "incoming",
      incoming: input.direction !== "outgoing",
      relation: input.relation,
      after,
      limit: input.pageSize + 1,
    });
    // A link implies both its sessions exist for the user: check only when empty.
    if (page.length === 0 && (await selectOwnedSessionIds(connection, input.tenantId, input.userId, [input.sessionId])).length === 0) {
      throw new NotFoundError("session", input.sessionId);
    }
    return page;
  });
  const { page, more } = takePage(rows, input.pageSize, input.pageBytes);
  const last = page.at(-1);
  const nextPageToken =
    more && last
      ? encodePageToken(scope, { s: last.score, a: last.sourceSessionId, b: last.targetSessionId, r: last.relation })
      : "";
  return { relationships: page, nextPageToken };
}

/** The cursor of a decoded token; tokens are not secret, so a tampered one fails here, not in SQL. */
function parseCursor(cursor: Record<string, unknown>): RelationshipCursor {
  const { s, a, b, r } = cursor;
  const relation = relationName.safeParse(r);
  if (
    typeof s !== "number" ||
    !Number.isFinite(s) ||
    s < 0 ||
    s > 1 ||
    typeof a !== "string" ||
    !isId(a) ||
    typeof b !== "string" ||
    !isId(b) ||
    !relation.success
  ) {
    throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
  }
  return { score: s, sourceSessionId: a, targetSessionId: b, relation: relation.data };
}
