import { decodeExportCursor, type ExportPosition } from "../../domain/userData/exportCursor.js";
import { Validator } from "../../validation/Validator.js";
import type { ExportUserDataRequest } from "../../../gen/ts/ltst/memory/v1/user_data.js";

/**
 * ExportUserData's request: a required user_id, and a cursor that must come
 * from an export of the same user in the caller's tenant. Throws
 * InvalidArgumentError naming each bad field.
 */
export function parseExportUserDataRequest(request: ExportUserDataRequest, tenantId: string): { userId: string; after: ExportPosition | null } {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  v.done();
  return { userId, after: decodeExportCursor("cursor", request.cursor, tenantId, userId) };
}
