import type { RoleName } from "../domain/messages/Message.js";

/** Spellings of the roles seen in the earlier designs and in LLM frameworks (LangChain's human/ai, ...). */
const spellings: Record<string, RoleName> = {
  user: "user", human: "user", humanmessage: "user", human_message: "user", customer: "user", person: "user",
  assistant: "assistant", ai: "assistant", aimessage: "assistant", ai_message: "assistant", bot: "assistant", model: "assistant",
  chatbot: "assistant",
  system: "system", systemmessage: "system", system_message: "system",
  tool: "tool", function: "tool", toolmessage: "tool", tool_message: "tool", functionmessage: "tool",
};

/** The service's role for a source role, case and surrounding blanks ignored; null when it is not a known spelling. */
export function mapRole(role: string | null): RoleName | null {
  if (role === null) return null;
  return spellings[role.trim().toLowerCase()] ?? null;
}
