import type { ExportRecord } from "../domain/userData/exportUserData.js";
import type { ExportUserDataResponse } from "../../gen/ts/ltst/memory/v1/user_data.js";
import { encodeMessage, encodePreference, encodeSession, encodeSummary } from "./encode.js";
import { encodeContextEntry } from "./encodeContextEntry.js";
import { encodeRelationship } from "./encodeRelationship.js";
import { encodeSessionStatistics } from "./encodeSessionStatistics.js";

/** One export record as the API streams it (the CLI writes the same from the database). */
export function encodeExportRecord(record: ExportRecord): ExportUserDataResponse {
  const response = { cursor: record.cursor };
  switch (record.kind) {
    case "session":
      return { ...response, session: encodeSession(record.session) };
    case "statistics":
      return { ...response, statistics: encodeSessionStatistics(record.statistics) };
    case "summary":
      return { ...response, summary: encodeSummary(record.summary) };
    case "context_entry":
      return { ...response, contextEntry: encodeContextEntry(record.entry) };
    case "message":
      return { ...response, message: encodeMessage(record.message) };
    case "relationship":
      return { ...response, relationship: encodeRelationship(record.relationship) };
    case "preference":
      return { ...response, preference: encodePreference(record.preference) };
  }
}
