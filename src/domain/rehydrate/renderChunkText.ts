import type { ContextEntryRow } from "../../db/queries/contextEntryRow.js";
import type { MessageRow } from "../../db/queries/messageRow.js";
import type { SessionRow } from "../../db/queries/sessionRow.js";
import type { SummaryRow } from "../../db/queries/summaryRow.js";
import type { Preference } from "../preferences/openPreference.js";

// The prompt text of each chunk kind. rehydrate.proto documents these forms;
// keep the two in step.

const day = (time: Date) => time.toISOString().slice(0, 10);

export function renderHeader(session: SessionRow): string {
  const name = session.name === "" ? session.id : session.name;
  const count = session.message_count === 1 ? "1 message" : `${session.message_count} messages`;
  return `Conversation ${JSON.stringify(name)} (type ${session.type}, status ${session.status}, ${count}, started ${day(session.created_at)})`;
}

export function renderSummary(summary: SummaryRow): string {
  return summary.covers_through_index < 0
    ? `Summary:\n${summary.content}`
    : `Summary of messages 0 to ${summary.covers_through_index}:\n${summary.content}`;
}

export function renderPreference(preference: Preference): string {
  return `User preference ${preference.key}: ${preference.value}`;
}

export function renderContextEntry(entry: ContextEntryRow): string {
  return `Context ${entry.type}/${entry.key}: ${entry.value}`;
}

export function renderRelevantMessage(message: MessageRow): string {
  return `Earlier (${day(message.created_at)}) ${message.role}: ${message.content}`;
}

export function renderRecentMessage(message: MessageRow): string {
  return `${message.role}: ${message.content}`;
}
