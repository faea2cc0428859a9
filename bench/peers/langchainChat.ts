import { AIMessage, HumanMessage, mapChatMessagesToStoredMessages } from "@langchain/core/messages";
import { PostgresChatMessageHistory } from "@langchain/community/stores/message/postgres";
import pg from "pg";
import type { ChatImplementation, PriorMessage } from "./chatImplementation.js";

/**
 * LangChain.js's `PostgresChatMessageHistory` (@langchain/community), set up
 * as its docs show: a pg pool and a table name; the class creates its table
 * (id serial, session_id varchar, message jsonb) and no index. With
 * `indexed`, the same with the one index a careful user adds, on session_id.
 * A turn: addMessage(user), getMessages() (the class has no "last n": it
 * returns the whole history, which is what the prompt gets unless the
 * application trims it), addMessage(reply). It has no search.
 */
export async function langchainChat(pool: pg.Pool, indexed: boolean): Promise<ChatImplementation> {
  const tableName = indexed ? "langchain_chat_histories_indexed" : "langchain_chat_histories";
  let history: PostgresChatMessageHistory | null = null;
  // The class's own CREATE TABLE, run once through an instance.
  await new PostgresChatMessageHistory({ pool, tableName, sessionId: "setup" }).getMessages();
  if (indexed) await pool.query(`CREATE INDEX IF NOT EXISTS ${tableName}_session_id_idx ON ${tableName} (session_id)`);
  return {
    name: indexed ? "LangChain PostgresChatMessageHistory + index on session_id" : "LangChain PostgresChatMessageHistory, as documented (no index)",
    async seed(sessionKey: string, prior: readonly PriorMessage[]) {
      const sessionId = `lc-${sessionKey}`;
      // The rows addMessage writes: the stored message's data with its type, as jsonb.
      const stored = mapChatMessagesToStoredMessages(prior.map((m) => (m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content))));
      const json = stored.map(({ data, type }) => JSON.stringify({ ...data, type }));
      for (let from = 0; from < json.length; from += 5_000) {
        await pool.query(`INSERT INTO ${tableName} (session_id, message) SELECT $1, m::jsonb FROM unnest($2::text[]) AS t(m)`, [sessionId, json.slice(from, from + 5_000)]);
      }
      history = new PostgresChatMessageHistory({ pool, tableName, sessionId });
    },
    async turn(user, reply) {
      await history!.addMessage(new HumanMessage(user));
      const messages = await history!.getMessages();
      await history!.addMessage(new AIMessage(reply));
      const contents = messages.map((m) => m.content as string);
      return { messages: messages.length, text: contents.join("\n"), contents };
    },
    attach(sessionKey: string) {
      history = new PostgresChatMessageHistory({ pool, tableName, sessionId: `lc-${sessionKey}` });
    },
    async history() {
      return (await history!.getMessages()).map((m) => m.content as string);
    },
    async searchFact() {
      return { how: "none: the class has no search (getMessages returns the whole history)", unsupported: true };
    },
    async clear() {
      await pool.query(`TRUNCATE ${tableName}`);
    },
    async close() {},
  };
}
