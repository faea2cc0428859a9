import type { ContextEntry } from "../context/ContextEntry.js";
import type { Message } from "../messages/Message.js";
import type { Session } from "../sessions/Session.js";
import type { Summary } from "../summaries/Summary.js";
import type { Preference } from "../preferences/openPreference.js";

import { memoryElement } from "./memoryElement.js";

// The prompt text of each chunk kind: every stored value (names, types, keys,
// contents) goes inside one <memory> element, escaped, so a prompt builder
// can keep it apart from its instructions (see memoryElement).
// rehydrate.proto documents these forms; keep the two in step.

const day = (time: Date) => time.toISOString().slice(0, 10);

export function renderHeader(session: Session): string {
  return memoryElement(
    "header",
    [
      ["type", session.type === "" ? null : session.type],
      ["status", session.status],
      ["messages", session.messageCount - session.removedMessageCount],
      ["started", day(session.createdAt)],
    ],
    session.name === "" ? session.id : session.name,
  );
}

export function renderSummary(summary: Summary): string {
  return memoryElement(
    "summary",
    [["covers_through_index", summary.coversThroughIndex < 0 ? null : summary.coversThroughIndex]],
    summary.content,
  );
}

export function renderPreference(preference: Preference): string {
  return memoryElement("preference", [["key", preference.key]], preference.value);
}

export function renderContextEntry(entry: ContextEntry): string {
  return memoryElement("context_entry", [["type", entry.type], ["key", entry.key]], entry.value);
}

export function renderRelevantMessage(message: Message): string {
  return memoryElement("relevant_message", [["role", message.role], ["date", day(message.createdAt)]], message.content);
}

export function renderRecentMessage(message: Message): string {
  return memoryElement("recent_message", [["role", message.role], ["index", message.messageIndex]], message.content);
}
