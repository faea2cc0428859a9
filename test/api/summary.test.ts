import { status } from "@grpc/grpc-js";
import { sql } from "slonik";
import { expect, it } from "vitest";
import { ListMessagesRequest, Role, type Message, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, ListSessionsRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { UpdateSummaryRequest, type SessionStatistics } from "../../gen/ts/ltst/memory/v1/summary.js";
import { noRows } from "../../src/db/queries/noRows.js";
import { countTokens } from "../../src/tokens/countTokens.js";
import { createMemoryClient } from "../../src/client/index.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { random } from "../support/random.js";

/** LTST_SUMMARY_EVERY for this file: small, so that the signal is reached quickly. */
const EVERY = 3;

const msg = (content: string, role = Role.ROLE_USER): NewMessage => ({ role, type: "", content, metadata: undefined, parentMessageId: "" });

const characters = (text: string) => [...text].length;
const durationMs = (stats: SessionStatistics) => stats.duration!.seconds * 1000 + stats.duration!.nanos / 1e6;

describeEachBackend(
  "SummaryService",
  (service) => {
    const api = () => service().client;
    const summaries = () => api().summaries;
    const newSession = (sessionId: string, userId = "alice") => api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId }));
    const append = (sessionId: string, messages: NewMessage[], userId = "alice") =>
      api().messages.appendMessages({ userId, sessionId, idempotencyKey: "", messages });
    const update = (request: Partial<UpdateSummaryRequest>) => summaries().updateSummary(UpdateSummaryRequest.fromPartial({ userId: "alice", ...request }));
    const stats = async (sessionId: string, userId = "alice") => (await summaries().getSessionStatistics({ userId, sessionId })).statistics!;

    it("writes, reads and overwrites the one summary of a session; GetSession and ListSessions return it", async () => {
      await newSession("s-basic");
      await append("s-basic", [msg("Plan a trip to Lisbon"), msg("Sure: when?", Role.ROLE_ASSISTANT), msg("In May")]);
      const first = await update({ sessionId: "s-basic", content: "The user plans a trip to Lisbon.", coversThroughIndex: 1, metadata: { model: "gpt-x" } });
      expect(first.summary).toMatchObject({
        sessionId: "s-basic",
        content: "The user plans a trip to Lisbon.",
        coversThroughIndex: 1,
        tokenCount: countTokens("The user plans a trip to Lisbon."),
        metadata: { model: "gpt-x" },
      });
      expect(first.summary?.updateTime).toBeInstanceOf(Date);
      expect((await summaries().getSummary({ userId: "alice", sessionId: "s-basic" })).summary).toEqual(first.summary);

      const second = await update({ sessionId: "s-basic", content: "Lisbon trip, in May. 🇵🇹", coversThroughIndex: 2 });
      expect(second.summary).toMatchObject({ content: "Lisbon trip, in May. 🇵🇹", coversThroughIndex: 2, tokenCount: countTokens("Lisbon trip, in May. 🇵🇹"), metadata: {} });
      expect(second.summary!.updateTime!.getTime()).toBeGreaterThanOrEqual(first.summary!.updateTime!.getTime());
      expect((await summaries().getSummary({ userId: "alice", sessionId: "s-basic" })).summary).toEqual(second.summary);

      const { session } = await api().sessions.getSession({ userId: "alice", sessionId: "s-basic" });
      expect(session?.summary).toBe("Lisbon trip, in May. 🇵🇹");
      const listed = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "alice", pageSize: 1000 }));
      expect(listed.sessions.find((s) => s.id === "s-basic")?.summary).toBe("Lisbon trip, in May. 🇵🇹");
      const statistics = await stats("s-basic");
      expect(statistics.lastSummaryUpdateTime).toEqual(second.summary!.updateTime);
      expect(statistics.messagesSinceSummary).toBe(0);
      // A session without a summary shows an empty one.
      await newSession("s-none");
      expect((await api().sessions.getSession({ userId: "alice", sessionId: "s-none" })).session?.summary).toBe("");
    });

    it("GetSummary is NOT_FOUND when no summary was written, with its own reason", async () => {
      await newSession("s-empty");
      const none = await callError(summaries().getSummary({ userId: "alice", sessionId: "s-empty" }));
      expect(none.code).toBe(status.NOT_FOUND);
      expect(none.reason).toBe("SESSION_SUMMARY_NOT_FOUND");
      const missing = await callError(summaries().getSummary({ userId: "alice", sessionId: "s-missing" }));
      expect(missing.code).toBe(status.NOT_FOUND);
      expect(missing.reason).toBe("SESSION_NOT_FOUND");
    });

    it("checks covers_through_index against the session's messages, naming the range", async () => {
      await newSession("s-range");
      // No messages yet: the summary covers none (stored and returned as -1).
      const seeded = await update({ sessionId: "s-range", content: "Carried over from an earlier chat." });
      expect(seeded.summary?.coversThroughIndex).toBe(-1);
      expect((await update({ sessionId: "s-range", content: "Again.", coversThroughIndex: -1 })).summary?.coversThroughIndex).toBe(-1);
      const early = await callError(update({ sessionId: "s-range", content: "x", coversThroughIndex: 1 }));
      expect(early.code).toBe(status.INVALID_ARGUMENT);
      expect(early.fields).toEqual(["covers_through_index"]);
      expect(early.details).toContain("no messages");
      expect(await stats("s-range")).toMatchObject({ messageCount: 0, messagesSinceSummary: 0, summaryDue: false });

      await append("s-range", [msg("a"), msg("b"), msg("c")]);
      expect((await stats("s-range")).messagesSinceSummary).toBe(3);
      for (const covers of [3, 4, -1, -2, 2 ** 40]) {
        const error = await callError(update({ sessionId: "s-range", content: "x", coversThroughIndex: covers }));
        expect(error.code, String(covers)).toBe(status.INVALID_ARGUMENT);
        expect(error.fields).toEqual(["covers_through_index"]);
        expect(error.details).toContain("between 0 and 2");
        expect(error.details).toContain(`got ${covers}`);
      }
      // Nothing changed.
      expect((await summaries().getSummary({ userId: "alice", sessionId: "s-range" })).summary).toMatchObject({ content: "Again.", coversThroughIndex: -1 });
      expect((await update({ sessionId: "s-range", content: "first", coversThroughIndex: 0 })).summary?.coversThroughIndex).toBe(0);
      expect((await update({ sessionId: "s-range", content: "all", coversThroughIndex: 2 })).summary?.coversThroughIndex).toBe(2);
    });

    it(`signals summary_due in AppendMessages every ${EVERY} messages since the last summary, reset by UpdateSummary`, async () => {
      await newSession("s-due");
      const steps: [number, number, boolean][] = [];
      const step = async (count: number) => {
        const response = await append("s-due", Array.from({ length: count }, (_, i) => msg(`m${i}`)));
        steps.push([count, response.messagesSinceSummary, response.summaryDue]);
        const statistics = await stats("s-due");
        expect(statistics.messagesSinceSummary).toBe(response.messagesSinceSummary);
        expect(statistics.summaryDue).toBe(response.summaryDue);
      };
      await step(2);
      await step(1);
      await step(1);
      // Summary through the last index (3): nothing since.
      await update({ sessionId: "s-due", content: "s1", coversThroughIndex: 3 });
      expect(await stats("s-due")).toMatchObject({ messageCount: 4, messagesSinceSummary: 0, summaryDue: false });
      await step(2);
      await step(1);
      // A summary that covers only up to index 4 of 0..6: messages 5 and 6 are still after it.
      await update({ sessionId: "s-due", content: "s2", coversThroughIndex: 4 });
      expect(await stats("s-due")).toMatchObject({ messageCount: 7, messagesSinceSummary: 2, summaryDue: false });
      await step(1);
      await step(EVERY + 1);
      expect(steps).toEqual([
        [2, 2, false],
        [1, 3, true],
        [1, 4, true],
        [2, 2, false],
        [1, 3, true],
        [1, 3, true],
        [EVERY + 1, 3 + EVERY + 1, true],
      ]);
    });

    it("reports exact statistics: counts per role, tokens, average length, times, duration, live context entries", async () => {
      await newSession("s-stats");
      const empty = await stats("s-stats");
      expect(empty).toEqual({
        sessionId: "s-stats",
        messageCount: 0,
        userMessageCount: 0,
        assistantMessageCount: 0,
        systemMessageCount: 0,
        toolMessageCount: 0,
        totalTokens: 0,
        averageMessageLength: 0,
        duration: { seconds: 0, nanos: 0 },
        contextEntryCount: 0,
        lastSummaryUpdateTime: undefined,
        messagesSinceSummary: 0,
        summaryDue: false,
        firstMessageTime: undefined,
        lastMessageTime: undefined,
      });

      const one = await append("s-stats", [msg("héllo 👋")]);
      const single = await stats("s-stats");
      expect(single).toMatchObject({ messageCount: 1, userMessageCount: 1, averageMessageLength: 7, duration: { seconds: 0, nanos: 0 } });
      expect(single.firstMessageTime).toEqual(one.messages[0]!.createTime);
      expect(single.lastMessageTime).toEqual(one.messages[0]!.createTime);

      const contents: [string, Role][] = [
        ["You are terse.", Role.ROLE_SYSTEM],
        ["What's 2+2?", Role.ROLE_USER],
        ["4", Role.ROLE_ASSISTANT],
        ['{"result": 4}', Role.ROLE_TOOL],
        ["Ünïcödé ✓ 日本語", Role.ROLE_ASSISTANT],
      ];
      const more = await append("s-stats", contents.map(([content, role]) => msg(content, role)));
      const all = [["héllo 👋", Role.ROLE_USER] as [string, Role], ...contents];
      const statistics = await stats("s-stats");
      const totalCharacters = all.reduce((sum, [content]) => sum + characters(content), 0);
      expect(statistics).toMatchObject({
        messageCount: 6,
        userMessageCount: 2,
        assistantMessageCount: 2,
        systemMessageCount: 1,
        toolMessageCount: 1,
        totalTokens: all.reduce((sum, [content]) => sum + countTokens(content), 0),
        averageMessageLength: totalCharacters / 6,
        contextEntryCount: 0,
        messagesSinceSummary: 6,
        summaryDue: true,
      });
      expect(statistics.firstMessageTime).toEqual(one.messages[0]!.createTime);
      expect(statistics.lastMessageTime).toEqual(more.messages[0]!.createTime);
      const expected = more.messages[0]!.createTime!.getTime() - one.messages[0]!.createTime!.getTime();
      expect(Math.abs(durationMs(statistics) - expected)).toBeLessThan(1);
      expect(statistics.duration!.nanos).toBeGreaterThanOrEqual(0);
      expect(statistics.duration!.nanos).toBeLessThan(1e9);

      // Context entries: counted when live now (no expiry, or expiring later), not once expired.
      await service().service.db.withConnection(undefined, (connection) =>
        connection.query(sql.type(noRows)`
          INSERT INTO context_entries (tenant_id, user_id, session_id, type, key, value, expires_at) VALUES
            ('default', 'alice', 's-stats', 'project', 'name', 'ltst', NULL),
            ('default', 'alice', 's-stats', 'project', 'lang', 'ts', now() + interval '1 day'),
            ('default', 'alice', 's-stats', 'preference', 'tone', 'terse', now() - interval '1 second')
        `),
      );
      expect((await stats("s-stats")).contextEntryCount).toBe(2);
    });

    it("keeps every statistic exact under concurrent appends and summary updates", async () => {
      const seed = Number(process.env.TEST_SEED ?? Date.now() % 2 ** 31);
      const next = random(seed);
      const context = `TEST_SEED=${seed}`;
      const CALLERS = 20;
      const APPENDS = 8;
      const roles = [Role.ROLE_USER, Role.ROLE_ASSISTANT, Role.ROLE_SYSTEM, Role.ROLE_TOOL];
      const alphabet = ["a", "b", "c", " ", "é", "ß", "👋", "日", "\n", "word ", "token "];
      const text = () => Array.from({ length: 1 + Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      // Every batch is drawn before the calls start, so the seed alone decides them.
      const plans = Array.from({ length: CALLERS }, () =>
        Array.from({ length: APPENDS }, () =>
          Array.from({ length: 1 + Math.floor(next() * 8) }, () => msg(text(), roles[Math.floor(next() * roles.length)]!)),
        ),
      );
      await newSession("s-race", "racer");
      const port = service().service.port;
      // Separate channels, so the calls really run in parallel; no default
      // deadline (like the test service's own client): this is about the race, not latency.
      const callers = Array.from({ length: CALLERS }, () => createMemoryClient({ address: `127.0.0.1:${port}`, defaultDeadlineMs: Infinity }));
      try {
        const stored: Message[] = [];
        await Promise.all(
          callers.map(async (caller, c) => {
            for (const [i, batch] of plans[c]!.entries()) {
              const { messages } = await caller.messages.appendMessages({ userId: "racer", sessionId: "s-race", idempotencyKey: "", messages: batch });
              stored.push(...messages);
              // Every fourth caller writes a summary after some appends, through the last index it saw.
              if (c % 4 === 0 && i % 3 === 2) {
                await caller.summaries.updateSummary(
                  UpdateSummaryRequest.fromPartial({ userId: "racer", sessionId: "s-race", content: `summary by ${c} after ${i}`, coversThroughIndex: messages.at(-1)!.messageIndex }),
                );
              }
            }
          }),
        );
        const sent = plans.flat(2);
        expect(stored, context).toHaveLength(sent.length);
        expect(stored.map((m) => m.messageIndex).sort((a, b) => a - b), context).toEqual(sent.map((_, i) => i));

        const count = (role: Role) => sent.filter((m) => m.role === role).length;
        const totalCharacters = sent.reduce((sum, m) => sum + characters(m.content), 0);
        const times = stored.map((m) => m.createTime!.getTime());
        const statistics = await stats("s-race", "racer");
        const { summary } = await summaries().getSummary({ userId: "racer", sessionId: "s-race" });
        const since = sent.length - (summary!.coversThroughIndex + 1);
        expect(statistics, context).toMatchObject({
          sessionId: "s-race",
          messageCount: sent.length,
          userMessageCount: count(Role.ROLE_USER),
          assistantMessageCount: count(Role.ROLE_ASSISTANT),
          systemMessageCount: count(Role.ROLE_SYSTEM),
          toolMessageCount: count(Role.ROLE_TOOL),
          totalTokens: sent.reduce((sum, m) => sum + countTokens(m.content), 0),
          averageMessageLength: totalCharacters / sent.length,
          contextEntryCount: 0,
          messagesSinceSummary: since,
          summaryDue: since >= EVERY,
          lastSummaryUpdateTime: summary!.updateTime,
        });
        expect(statistics.firstMessageTime, context).toEqual(new Date(Math.min(...times)));
        expect(statistics.lastMessageTime, context).toEqual(new Date(Math.max(...times)));
        expect(Math.abs(durationMs(statistics) - (Math.max(...times) - Math.min(...times))), context).toBeLessThan(1);
        // The session row agrees with the stored messages themselves.
        const listed: Message[] = [];
        let pageToken = "";
        do {
          const page = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "racer", sessionId: "s-race", pageSize: 1000, pageToken }));
          listed.push(...page.messages);
          pageToken = page.nextPageToken;
        } while (pageToken !== "");
        expect(listed.reduce((sum, m) => sum + m.tokenCount, 0), context).toBe(statistics.totalTokens);
        expect(listed.filter((m) => m.role === Role.ROLE_TOOL).length, context).toBe(statistics.toolMessageCount);
      } finally {
        for (const caller of callers) caller.close();
      }
    }, 180_000);

    it("answers NOT_FOUND for another user's session exactly like a missing one, and changes nothing", async () => {
      await newSession("s-secret", "owner");
      await append("s-secret", [msg("my secret"), msg("reply", Role.ROLE_ASSISTANT)], "owner");
      await summaries().updateSummary(UpdateSummaryRequest.fromPartial({ userId: "owner", sessionId: "s-secret", content: "owner's summary", coversThroughIndex: 1 }));
      await newSession("s-intruder", "intruder");
      const attempts: [string, (sessionId: string) => Promise<unknown>][] = [
        ["UpdateSummary", (sessionId) => summaries().updateSummary(UpdateSummaryRequest.fromPartial({ userId: "intruder", sessionId, content: "pwned", coversThroughIndex: 0 }))],
        ["GetSummary", (sessionId) => summaries().getSummary({ userId: "intruder", sessionId })],
        ["GetSessionStatistics", (sessionId) => summaries().getSessionStatistics({ userId: "intruder", sessionId })],
      ];
      for (const [name, attempt] of attempts) {
        const intruded = await callError(attempt("s-secret"));
        const absent = await callError(attempt("no-such-session"));
        expect(intruded.code, name).toBe(status.NOT_FOUND);
        expect(absent.code, name).toBe(status.NOT_FOUND);
        expect(intruded.details, name).toBe(absent.details.replaceAll("no-such-session", "s-secret"));
        expect(intruded.reason, name).toBe("SESSION_NOT_FOUND");
        expect(absent.reason, name).toBe("SESSION_NOT_FOUND");
        expect(intruded.details, name).not.toContain("owner");
      }
      const { summary } = await summaries().getSummary({ userId: "owner", sessionId: "s-secret" });
      expect(summary).toMatchObject({ content: "owner's summary", coversThroughIndex: 1 });
      expect(await stats("s-secret", "owner")).toMatchObject({ messageCount: 2, messagesSinceSummary: 0 });
    });

    it("deleting a session deletes its summary and statistics with it", async () => {
      await newSession("s-del");
      await append("s-del", [msg("one"), msg("two")]);
      await update({ sessionId: "s-del", content: "gone soon", coversThroughIndex: 1 });
      await api().sessions.deleteSession({ userId: "alice", sessionId: "s-del" });
      for (const attempt of [() => summaries().getSummary({ userId: "alice", sessionId: "s-del" }), () => summaries().getSessionStatistics({ userId: "alice", sessionId: "s-del" })]) {
        const error = await callError(attempt());
        expect(error.code).toBe(status.NOT_FOUND);
        expect(error.reason).toBe("SESSION_NOT_FOUND");
      }
      await newSession("s-del");
      expect((await callError(summaries().getSummary({ userId: "alice", sessionId: "s-del" }))).reason).toBe("SESSION_SUMMARY_NOT_FOUND");
      expect((await api().sessions.getSession({ userId: "alice", sessionId: "s-del" })).session?.summary).toBe("");
      expect(await stats("s-del")).toMatchObject({ messageCount: 0, totalTokens: 0, messagesSinceSummary: 0, lastSummaryUpdateTime: undefined });
    });

    it("rejects every bad input with INVALID_ARGUMENT naming the fields, and stores nothing", async () => {
      await newSession("s-bad");
      await append("s-bad", [msg("only")]);
      await update({ sessionId: "s-bad", content: "kept", coversThroughIndex: 0, metadata: { kept: true } });
      const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });
      // Every rule and limit of each request is tested on its parser, without
      // a server (src/grpc/parsers/parseUpdateSummaryRequest.test.ts,
      // parseSessionKeyRequest.test.ts). Here: one bad request per RPC proves
      // the parser is wired in.
      const cases: [string, Partial<UpdateSummaryRequest>, string[]][] = [
        ["everything at once", { userId: "", sessionId: "", content: "" }, ["user_id", "session_id", "content"]],
      ];
      for (const [name, change, fields] of cases) {
        const error = await callError(update({ sessionId: "s-bad", content: "new", coversThroughIndex: 0, ...change }));
        expect(error.code, name).toBe(status.INVALID_ARGUMENT);
        expect(error.fields, name).toEqual(fields);
      }
      for (const [name, request, fields] of [
        ["bad session", { userId: "alice", sessionId: "s bad" }, ["session_id"]],
      ] as const) {
        for (const call of [summaries().getSummary, summaries().getSessionStatistics]) {
          const error = await callError(call(request));
          expect(error.code, name).toBe(status.INVALID_ARGUMENT);
          expect(error.fields, name).toEqual(fields);
        }
      }
      expect((await summaries().getSummary({ userId: "alice", sessionId: "s-bad" })).summary).toMatchObject({ content: "kept", metadata: { kept: true } });
      // At the limit: 64 KiB of UTF-8 exactly.
      const largest = "é".repeat(32 * 1024);
      const stored = await update({ sessionId: "s-bad", content: largest, coversThroughIndex: 0, metadata: deep(15) });
      expect(stored.summary?.content).toBe(largest);
      expect(stored.summary?.tokenCount).toBe(countTokens(largest));
    });
  },
  { env: { LTST_SUMMARY_EVERY: String(EVERY), LTST_DB_POOL_SIZE: "20" } },
);
