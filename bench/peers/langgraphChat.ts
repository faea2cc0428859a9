import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import type { ChatImplementation, PriorMessage } from "./chatImplementation.js";

/**
 * LangGraph.js's `PostgresSaver` (@langchain/langgraph-checkpoint-postgres),
 * used as a chat graph with a `messages` channel uses it: a turn reads the
 * thread's latest checkpoint (getTuple), and writes one checkpoint (put)
 * whose `messages` channel holds the whole list with the user's message and
 * the reply appended: the saver stores every new channel version as a blob,
 * so each turn writes the whole conversation again. No graph runs (the
 * langgraph package is not needed for the storage cost): one put per turn
 * stands for the checkpoints a graph run writes (a real run writes two or
 * more). It has no search.
 */
export async function langgraphChat(pool: pg.Pool): Promise<ChatImplementation> {
  const saver = new PostgresSaver(pool);
  await saver.setup();
  let threadId = "";
  // The next version of the messages channel comes from the checkpoint read, as a graph run takes it.
  const put = async (messages: BaseMessage[], parentId: string | undefined, version: number) => {
    const checkpoint = { ...emptyCheckpoint(), id: uuid6(-1), ts: new Date().toISOString(), channel_values: { messages }, channel_versions: { messages: version } };
    await saver.put(
      { configurable: { thread_id: threadId, checkpoint_ns: "", ...(parentId ? { checkpoint_id: parentId } : {}) } },
      checkpoint,
      { source: "loop", step: version, parents: {} },
      { messages: version },
    );
  };
  return {
    name: "LangGraph PostgresSaver (one checkpoint per turn)",
    async seed(sessionKey: string, prior: readonly PriorMessage[]) {
      threadId = `lg-${sessionKey}`;
      await put(
        prior.map((m) => (m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content))),
        undefined,
        1,
      );
    },
    async turn(user, reply) {
      const tuple = await saver.getTuple({ configurable: { thread_id: threadId } });
      const messages = [...((tuple?.checkpoint.channel_values.messages as BaseMessage[] | undefined) ?? []), new HumanMessage(user)];
      const contents = messages.map((m) => m.content as string);
      const version = Number(tuple?.checkpoint.channel_versions.messages ?? 0) + 1;
      await put([...messages, new AIMessage(reply)], tuple?.config.configurable?.checkpoint_id as string | undefined, version);
      return { messages: messages.length, text: contents.join("\n"), contents };
    },
    attach(sessionKey: string) {
      threadId = `lg-${sessionKey}`;
    },
    async history() {
      const tuple = await saver.getTuple({ configurable: { thread_id: threadId } });
      return ((tuple?.checkpoint.channel_values.messages as BaseMessage[] | undefined) ?? []).map((m) => m.content as string);
    },
    async searchFact() {
      return { how: "none: a checkpointer has no search (the checkpoint holds the whole history)", unsupported: true };
    },
    async clear() {
      await pool.query("TRUNCATE checkpoints, checkpoint_blobs, checkpoint_writes");
    },
    async close() {},
  };
}
