import { status } from "@grpc/grpc-js";
import { sql } from "slonik";
import { afterEach, describe, expect, it } from "vitest";
import { ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { connectClient } from "../support/connectClient.js";
import { backends } from "../support/describeEachBackend.js";
import { callError } from "../support/callError.js";
import { startTestService, type TestService } from "../support/startTestService.js";
import { waitFor } from "../support/waitFor.js";
import { waitForCallsInFlight } from "../support/waitForCallsInFlight.js";

const note = (content: string) => ({ role: Role.ROLE_USER, type: "", content, metadata: undefined, parentMessageId: "" });

/**
 * Holds the session's row lock from another connection, so that an append to
 * it stays in flight until release() is called: a real, observable way to
 * have a call running at a chosen moment.
 */
async function holdSessionLock(test: TestService, userId: string, sessionId: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = test.service.db.pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT 1 FROM sessions WHERE user_id = ${userId} AND id = ${sessionId} FOR UPDATE`);
    locked();
    await released;
  });
  await isLocked;
  return { release: async () => { release(); await holder; } };
}

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`lifecycle [${backend.name}]`, () => {
    let test: TestService | undefined;
    afterEach(async () => {
      await test?.cleanup();
      test = undefined;
    });

    it("reports SERVING once migrated, NOT_SERVING when stopping", async () => {
      test = await startTestService(backend);
      expect((await test.health.check("")).status).toBe("SERVING");
      expect((await test.health.check("ltst.memory.v1.MessageService")).status).toBe("SERVING");
      // A watcher connected before the stop learns that the server is going away.
      const watch = test.health.watch("");
      expect(await watch.next()).toBe("SERVING");
      const stopping = test.service.stop(30_000);
      let status = await watch.next();
      // The periodic database ping may have repeated SERVING just before the stop.
      while (status === "SERVING") status = await watch.next();
      expect(status).toBe("NOT_SERVING");
      // The open stream is a call in flight: the graceful stop completes once it ends.
      watch.cancel();
      await stopping;
    });

    it("finishes a call in flight during a graceful shutdown", async () => {
      test = await startTestService(backend);
      await test.client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u", sessionId: "busy" }));
      const lock = await holdSessionLock(test, "u", "busy");
      const inFlight = test.client.messages.appendMessages({ userId: "u", sessionId: "busy", idempotencyKey: "", messages: [note("during shutdown")] });
      // The append is waiting on the lock; now shut down with a long grace period.
      await waitForCallsInFlight(test.service, 1);
      const stopping = test.service.stop(30_000);
      // New calls are refused while the old one is still running.
      const refused = await callError(test.client.sessions.getSession({ userId: "u", sessionId: "busy" }));
      expect(refused.code).toBe(status.UNAVAILABLE);
      expect(test.service.callsInFlight()).toBe(1);
      await lock.release();
      const result = await inFlight;
      expect(result.messages.map((m) => m.content)).toEqual(["during shutdown"]);
      await stopping;
    });

    it("cancels a call still in flight when the grace period ends, and stores nothing of it", async () => {
      test = await startTestService(backend);
      await test.client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u", sessionId: "stuck" }));
      const lock = await holdSessionLock(test, "u", "stuck");
      const inFlight = callError(test.client.messages.appendMessages({ userId: "u", sessionId: "stuck", idempotencyKey: "", messages: [note("never stored")] }));
      await waitForCallsInFlight(test.service, 1);
      const stopping = test.service.stop(200);
      const error = await inFlight;
      expect([status.CANCELLED, status.UNAVAILABLE]).toContain(error.code);
      await lock.release().catch(() => undefined);
      await stopping;
      // Restart on the same data: the cancelled append left nothing behind.
      test = await test.restart();
      const { messages } = await test.client.messages.listMessages(ListMessagesRequest.fromPartial({ userId: "u", sessionId: "stuck" }));
      expect(messages).toEqual([]);
    });

    it("stops the SQL of a call whose deadline expires", async () => {
      test = await startTestService(backend);
      await test.client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u", sessionId: "slow" }));
      const lock = await holdSessionLock(test, "u", "slow");
      const error = await callError(
        test.client.messages.appendMessages({ userId: "u", sessionId: "slow", idempotencyKey: "", messages: [note("too late")] }, { deadline: Date.now() + 300 }),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      if (backend.name !== "embedded") {
        // On PostgreSQL the waiting statement is cancelled while the lock is still held.
        await waitFor(
          async () => {
            const waiting = await test!.service.db.pool.oneFirst(
              sql.unsafe`SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return waiting === 0;
          },
          { message: "no statement left waiting on the lock" },
        );
      }
      await lock.release();
      // The expired appends stored nothing: the next one is index 0, and it is the only message.
      const after = await test.client.messages.appendMessages({ userId: "u", sessionId: "slow", idempotencyKey: "", messages: [note("on time")] });
      expect(after.messages[0]!.messageIndex).toBe(0);
      const listed = await test.client.messages.listMessages(ListMessagesRequest.fromPartial({ userId: "u", sessionId: "slow" }));
      expect(listed.messages.map((m) => m.content)).toEqual(["on time"]);
    });

    // PostgreSQL only: PGlite cannot cancel a running statement at all.
    if (backend.name !== "embedded") {
      it("cancels the SQL at the deadline even when every pooled connection is busy", async () => {
        test = await startTestService(backend, { LTST_DB_POOL_SIZE: "2" });
        await test.client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u", sessionId: "crowded" }));
        // The lock holder takes one of the two pooled connections; the first append
        // takes the other and waits on the lock, the next two wait for a connection.
        const lock = await holdSessionLock(test, "u", "crowded");
        const deadline = Date.now() + 400;
        const errors = await Promise.all(
          [1, 2, 3].map((n) =>
            callError(test!.client.messages.appendMessages({ userId: "u", sessionId: "crowded", idempotencyKey: "", messages: [note(`late ${n}`)] }, { deadline })),
          ),
        );
        expect(errors.map((e) => e.code)).toEqual([status.DEADLINE_EXCEEDED, status.DEADLINE_EXCEEDED, status.DEADLINE_EXCEEDED]);
        // While the lock is still held, no statement of this database is left waiting on it:
        // the cancel did not queue behind the busy pool. Checked from a connection of its own.
        const observer = await connectClient(test.databaseUrl!);
        try {
          await waitFor(
            async () => {
              const { rows } = await observer.query<{ waiting: number }>(
                "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
              );
              return rows[0]!.waiting === 0;
            },
            { message: "no statement left waiting on the lock" },
          );
        } finally {
          await observer.end();
        }
        await lock.release();
        // The expired appends stored nothing: the next one is index 0, and it is the only message.
        const after = await test.client.messages.appendMessages({ userId: "u", sessionId: "crowded", idempotencyKey: "", messages: [note("on time")] });
        expect(after.messages[0]!.messageIndex).toBe(0);
        const listed = await test.client.messages.listMessages(ListMessagesRequest.fromPartial({ userId: "u", sessionId: "crowded" }));
        expect(listed.messages.map((m) => m.content)).toEqual(["on time"]);
      });
    }

    // Embedded only: the other backends' data lives outside the service.
    if (backend.name === "embedded") {
      it("keeps the embedded data across a restart", async () => {
        test = await startTestService(backend);
        await test.client.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u", sessionId: "durable", name: "kept" }));
        const { messages } = await test.client.messages.appendMessages({ userId: "u", sessionId: "durable", idempotencyKey: "", messages: [note("one"), note("two")] });
        test = await test.restart();
        expect((await test.client.sessions.getSession({ userId: "u", sessionId: "durable" })).session?.name).toBe("kept");
        const listed = await test.client.messages.listMessages(ListMessagesRequest.fromPartial({ userId: "u", sessionId: "durable" }));
        expect(listed.messages).toEqual(messages);
        // The chain continues from the stored head.
        const next = await test.client.messages.appendMessages({ userId: "u", sessionId: "durable", idempotencyKey: "", messages: [note("three")] });
        expect(next.messages[0]!.messageIndex).toBe(2);
      });
    }
  });
}
