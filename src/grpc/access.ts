import type { ContextServiceService } from "../../gen/ts/ltst/memory/v1/context.js";
import type { MessageServiceService } from "../../gen/ts/ltst/memory/v1/message.js";
import type { PreferenceServiceService } from "../../gen/ts/ltst/memory/v1/preference.js";
import type { RehydrateServiceService } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import type { RelationshipServiceService } from "../../gen/ts/ltst/memory/v1/relationship.js";
import type { SearchServiceService } from "../../gen/ts/ltst/memory/v1/search.js";
import type { SessionServiceService } from "../../gen/ts/ltst/memory/v1/session.js";
import type { SummaryServiceService } from "../../gen/ts/ltst/memory/v1/summary.js";
import type { UserDataServiceService } from "../../gen/ts/ltst/memory/v1/user_data.js";
import type { AccessTable } from "./registerService.js";

/**
 * The role each RPC needs: reader for "read", writer for "write" and
 * "delete", admin for "admin". Keyed by the generated definitions, so a new
 * RPC does not compile until it is listed here.
 */
export const access = {
  session: {
    createSession: "write",
    getSession: "read",
    listSessions: "read",
    updateSession: "write",
    deleteSession: "delete",
  } satisfies AccessTable<typeof SessionServiceService>,
  message: {
    appendMessages: "write",
    getMessage: "read",
    listMessages: "read",
  } satisfies AccessTable<typeof MessageServiceService>,
  context: {
    upsertContextEntry: "write",
    getContextEntry: "read",
    listContextEntries: "read",
    deleteContextEntry: "delete",
  } satisfies AccessTable<typeof ContextServiceService>,
  preference: {
    setPreference: "write",
    getPreference: "read",
    listPreferences: "read",
    deletePreference: "delete",
  } satisfies AccessTable<typeof PreferenceServiceService>,
  relationship: {
    linkSessions: "write",
    unlinkSessions: "delete",
    listRelatedSessions: "read",
  } satisfies AccessTable<typeof RelationshipServiceService>,
  summary: {
    updateSummary: "write",
    getSummary: "read",
    getSessionStatistics: "read",
  } satisfies AccessTable<typeof SummaryServiceService>,
  search: { search: "read" } satisfies AccessTable<typeof SearchServiceService>,
  rehydrate: { rehydrate: "read" } satisfies AccessTable<typeof RehydrateServiceService>,
  userData: {
    exportUserData: "admin",
    eraseUserData: "admin",
    listErasureRecords: "admin",
  } satisfies AccessTable<typeof UserDataServiceService>,
} as const;
