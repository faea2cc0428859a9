import { sql, type DatabasePool } from "slonik";
import { ChunkKind } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode, searchModeToJSON } from "../../gen/ts/ltst/memory/v1/search.js";
import type { MemoryClient } from "../../src/client/index.js";
import { listAll } from "./listAll.js";
import { insertSeedMessages, recomputeSessionStatistics } from "../support/seedMessages.js";
import type { ChatImplementation, FetchedContext, PriorMessage } from "./chatImplementation.js";

/** How an LTST turn fetches the context of the next prompt. */
export type LtstVariant = "rehydrate-default" | "rehydrate-window" | "list-last-20";

export const LTST_BUDGET = 4_000;
export const LTST_WINDOW = 20;
const SEED_START = Date.UTC(2026, 0, 5, 8, 0, 0);

const names: Record<LtstVariant, string> = {
  "rehydrate-default": `LTST Rehydrate, defaults (${LTST_BUDGET.toLocaleString("en")} tokens, 5 recent + 5 relevant)`,
  "rehydrate-window": `LTST Rehydrate, recent window only (${LTST_WINDOW}, no relevance)`,
  "list-last-20": "LTST ListMessages, last 20",
};

/**
 * LTST Memory through its gRPC API with the shipped TypeScript client
 * (createMemoryClient). A turn: AppendMessages(user), then the variant's
 * fetch, then AppendMessages(reply). Rehydrate has a 4,000-token budget;
 * "defaults" leaves the rest at the defaults: 5 recent messages and 5
 * relevant ones for the latest user message, found semantically when
 * pgvector and the model are there, else lexically; "window only" asks for
 * a recent window of 20 (as the others fetch 20) and turns relevance off
 * (max_relevant_messages -1).
 * Prior messages are seeded by bulk SQL (bench/support/seedMessages.ts),
 * each variant in a session of its own user, so relevance searches only its
 * own history.
 */
export function ltstChat(client: MemoryClient, seedPool: DatabasePool, variant: LtstVariant): ChatImplementation {
  let userId = "";
  let sessionId = "";
  const append = (role: Role, content: string) =>
    client.messages.appendMessages({ userId, sessionId, messages: [{ role, content }] });
  const fetch = async (): Promise<FetchedContext> => {
    if (variant === "list-last-20") {
      const { messages } = await client.messages.listMessages({ userId, sessionId, lastN: 20 });
      const contents = messages.map((m) => m.content);
      return { messages: messages.length, text: contents.join("\n"), contents };
    }
    let messages = 0;
    const texts: string[] = [];
    const contents: string[] = [];
    for await (const response of client.rehydrate.rehydrate({
      userId,
      sessionId,
      tokenBudget: LTST_BUDGET,
      // Defaults: 5 recent and 5 relevant (with 20 recent the window fills the budget and no relevant message fits).
      maxRecentMessages: variant === "rehydrate-window" ? LTST_WINDOW : 0,
      maxRelevantMessages: variant === "rehydrate-window" ? -1 : 0,
    })) {
      const chunk = response.chunk;
      if (!chunk) continue;
      texts.push(chunk.text);
      if (chunk.kind === ChunkKind.CHUNK_KIND_RECENT_MESSAGE || chunk.kind === ChunkKind.CHUNK_KIND_RELEVANT_MESSAGE) messages += 1;
      if (chunk.recentMessage) contents.push(chunk.recentMessage.content);
    }
    return { messages, text: texts.join("\n"), contents };
  };
  return {
    name: names[variant],
    async seed(sessionKey: string, prior: readonly PriorMessage[]) {
      userId = `ltst-${variant}-${sessionKey}`;
      sessionId = `${userId}-session`;
      for (let from = 0; from < prior.length; from += 2_000) {
        await insertSeedMessages(
          seedPool,
          prior.slice(from, from + 2_000).map((m, i) => ({
            userId,
            sessionId,
            messageIndex: from + i,
            role: m.role,
            content: m.content,
            createdAt: new Date(SEED_START + (from + i) * 30_000),
          })),
          null,
        );
      }
      await recomputeSessionStatistics(seedPool, [[userId, sessionId]]);
    },
    async turn(user, reply) {
      await append(Role.ROLE_USER, user);
      const context = await fetch();
      await append(Role.ROLE_ASSISTANT, reply);
      return context;
    },
    attach(sessionKey: string) {
      userId = `ltst-${variant}-${sessionKey}`;
      sessionId = `${userId}-session`;
    },
    async history() {
      return (await listAll(client, userId, sessionId)).map((m) => m.content);
    },
    async searchFact(question, needle) {
      const started = performance.now();
      let found = false;
      let mode = "";
      for await (const response of client.search.search({ userId, query: question, mode: SearchMode.SEARCH_MODE_HYBRID, topK: 5 })) {
        if (response.info) mode = searchModeToJSON(response.info.effectiveMode).replace("SEARCH_MODE_", "").toLowerCase();
        if (response.hit?.message?.content.includes(needle)) found = true;
      }
      const ms = performance.now() - started;
      return { how: `Search (hybrid asked, ran ${mode}), top 5`, found, ms };
    },
    async clear() {
      // The scratch database: rows go at once (cascading to messages), not through the API's deletion.
      await seedPool.query(sql.unsafe`DELETE FROM sessions WHERE tenant_id = 'default' AND user_id = ${userId}`);
    },
    async close() {},
  };
}
