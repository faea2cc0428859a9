import type { SessionChanges } from "../../domain/sessions/Session.js";
import type { updateSession } from "../../domain/sessions/updateSession.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { SessionStatus, type UpdateSessionRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { sessionStatuses } from "./sessionStatuses.js";

export type UpdateSessionParsed = Omit<Parameters<typeof updateSession>[1], "tenantId">;

const updatablePaths = ["name", "type", "status", "metadata", "relevance_score"] as const;

/**
 * UpdateSession's input: the fields update_mask names, each checked like
 * CreateSession checks it (a status must be a known one, UNSPECIFIED
 * included). Throws InvalidArgumentError naming every bad field.
 */
export function parseUpdateSessionRequest(request: UpdateSessionRequest): UpdateSessionParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const session = request.session;
  if (!session) v.fail("session", "is required");
  const sessionId = v.id("session.id", session?.id ?? "", { required: true });
  // FieldMask paths are snake_case on the wire; JSON clients may send camelCase.
  const paths = (request.updateMask ?? []).map((path) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  if (paths.length === 0) v.fail("update_mask", `must name at least one of: ${updatablePaths.join(", ")}`);
  const changes: SessionChanges = {};
  for (const path of new Set(paths)) {
    switch (path) {
      case "name":
        changes.name = v.text("session.name", session?.name ?? "", limits.nameMaxLength);
        break;
      case "type":
        changes.type = v.text("session.type", session?.type ?? "", limits.typeMaxLength);
        break;
      case "status": {
        const status = sessionStatuses.fromProto(session?.status ?? SessionStatus.SESSION_STATUS_UNSPECIFIED);
        if (status === null) v.fail("session.status", "must be a known SessionStatus other than UNSPECIFIED");
        else changes.status = status;
        break;
      }
      case "metadata":
        changes.metadata = v.metadata("session.metadata", session?.metadata);
        break;
      case "relevance_score":
        changes.relevanceScore = v.unitInterval("session.relevance_score", session?.relevanceScore ?? 0);
        break;
      default:
        v.fail("update_mask", `unknown path ${JSON.stringify(path)}; allowed: ${updatablePaths.join(", ")}`);
    }
  }
  v.done();
  return { userId, sessionId, changes };
}
