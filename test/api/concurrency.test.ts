import { expect, it } from "vitest";
import { ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import { createMemoryClient } from "../../src/client/index.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const CLIENTS = 20;
const APPENDS_PER_CLIENT = 50;

/**
 * Concurrent appends to one session. The meaningful run is on a real
 * PostgreSQL (native 15 in CI, or testcontainers): PGlite serialises every
 * query, so on the embedded database this cannot reveal a race.
 */
describeEachBackend(
  "concurrent appends",
  (service) => {
    it(`${CLIENTS} clients x ${APPENDS_PER_CLIENT} appends to one session: gapless indexes, one valid hash chain`, async () => {
      const { client, service: running } = service();
      await client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "racer", sessionId: "race" }));
      // Separate channels, so the calls really run in parallel; no default
      // deadline (like the test service's own client): appends queue behind
      // each other, and this is about their order, not their latency.
      const callers = Array.from({ length: CLIENTS }, () => createMemoryClient({ address: `127.0.0.1:${running.port}`, defaultDeadlineMs: Infinity }));
      try {
        const stored = await Promise.all(
          callers.map(async (caller, c) => {
            const indexes: number[] = [];
            for (let i = 0; i < APPENDS_PER_CLIENT; i++) {
              const { messages } = await caller.messages.appendMessages({
                userId: "racer",
                sessionId: "race",
                idempotencyKey: `c${c}-${i}`,
                messages: [{ role: i % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT, type: "", content: `client ${c} message ${i}`, metadata: undefined, parentMessageId: "" }],
              });
              indexes.push(messages[0]!.messageIndex);
            }
            return indexes;
          }),
        );
        const total = CLIENTS * APPENDS_PER_CLIENT;
        const all = stored.flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: total }, (_, i) => i));

        const listed: { role: "user" | "assistant"; content: string; contentHash: string; contextHash: string }[] = [];
        let pageToken = "";
        do {
          const page = await client.messages.listMessages(ListMessagesRequest.fromPartial({ userId: "racer", sessionId: "race", pageSize: 1000, pageToken }));
          for (const m of page.messages) {
            listed.push({ role: m.role === Role.ROLE_USER ? "user" : "assistant", content: m.content, contentHash: m.contentHash, contextHash: m.contextHash });
          }
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(listed).toHaveLength(total);
        expect(verifyHashChain(listed)).toBe(-1);
        const { session } = await client.sessions.getSession({ userId: "racer", sessionId: "race" });
        expect(session?.messageCount).toBe(total);
      } finally {
        for (const caller of callers) caller.close();
      }
    }, 180_000);
  },
  { env: { LTST_DB_POOL_SIZE: "20" } },
);
