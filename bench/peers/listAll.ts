import type { Message } from "../../gen/ts/ltst/memory/v1/message.js";
import type { MemoryClient } from "../../src/client/index.js";

/** Every message of a session through ListMessages, page by page, oldest first. */
export async function listAll(client: MemoryClient, userId: string, sessionId: string): Promise<Message[]> {
  const all: Message[] = [];
  let pageToken = "";
  do {
    const page = await client.messages.listMessages({ userId, sessionId, pageSize: 1000, pageToken });
    all.push(...page.messages);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}
