import type { Session as DomainSession } from "../../domain/sessions/Session.js";
import { SessionStatus } from "../../../gen/ts/ltst/memory/v1/session.js";
import { enumMap } from "./enumMap.js";

/** SessionStatus ↔ the stored status names. */
export const sessionStatuses = enumMap<DomainSession["status"], SessionStatus>({
  active: SessionStatus.SESSION_STATUS_ACTIVE,
  paused: SessionStatus.SESSION_STATUS_PAUSED,
  closed: SessionStatus.SESSION_STATUS_CLOSED,
  archived: SessionStatus.SESSION_STATUS_ARCHIVED,
});
