import * as grpc from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AppendMessagesRequest, ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SetPreferenceRequest } from "../../gen/ts/ltst/memory/v1/preference.js";
import { CreateSessionRequest, GetSessionRequest, GetSessionResponse } from "../../gen/ts/ltst/memory/v1/session.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const maxMessageBytes = 64 * 1024;

/**
 * Requests that are not valid protobuf for their method, or hold values the
 * service cannot take (int64 beyond 2^53 - 1, Timestamps and Durations out
 * of range, metadata nested past the decoder's limit), sent as raw bytes
 * (what a buggy client or another language's client can send): each gets
 * INVALID_ARGUMENT naming the field, nothing is stored, and the server goes
 * on serving.
 */
describeEachBackend(
  "malformed requests",
  (service) => {
    const api = () => service().client;
    let raw: grpc.Client;
    const identity = (value: Buffer) => value;
    /** Sends `bytes` as the request of `path` (unary) and returns the status. */
    const send = (path: string, bytes: Uint8Array) =>
      new Promise<{ code: grpc.status; details: string; response?: Buffer }>((resolve) => {
        raw.makeUnaryRequest(path, identity, identity, Buffer.from(bytes), (error, response) => {
          resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: "", response: response! });
        });
      });
    const messageCount = async () =>
      (await api().sessions.getSession({ userId: "alice", sessionId: "kept" })).session!.messageCount;

    beforeAll(async () => {
      // A raw grpc-js client: the shipped one only sends well-formed messages, these tests send arbitrary bytes.
      raw = new grpc.Client(`127.0.0.1:${service().service.port}`, grpc.credentials.createInsecure());
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "kept" }));
    });
    afterAll(() => raw.close());

    const utf8 = (text: string) => Buffer.from(text, "utf8");
    /** A length-delimited field (`tag` = field number << 3 | 2). */
    const field = (tag: number, bytes: Uint8Array) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
    const invalidUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0x62]);

    /** Protobuf wire bytes, written field by field (values a generated encoder would not produce). */
    const wire = (write: (w: BinaryWriter) => void) => {
      const writer = new BinaryWriter();
      write(writer);
      return writer.finish();
    };
    /** A Timestamp or Duration with raw seconds and nanos. */
    const time = (seconds: bigint, nanos: number) => wire((w) => w.tag(1, WireType.Varint).int64(seconds).tag(2, WireType.Varint).int32(nanos));
    const withAlice = (write: (w: BinaryWriter) => void) => wire((w) => write(w.tag(1, WireType.LengthDelimited).string("alice")));
    const search = (timeField: Uint8Array) =>
      withAlice((w) => w.tag(2, WireType.LengthDelimited).string("q").tag(8, WireType.LengthDelimited).bytes(timeField));
    const summary = (coversThrough: bigint) =>
      withAlice((w) =>
        w.tag(2, WireType.LengthDelimited).string("kept").tag(3, WireType.LengthDelimited).string("s").tag(4, WireType.Varint).int64(coversThrough),
      );
    const contextTtl = (ttl: Uint8Array) =>
      withAlice((w) =>
        w.tag(2, WireType.LengthDelimited).string("kept").tag(3, WireType.LengthDelimited).string("note")
          .tag(4, WireType.LengthDelimited).string("k").tag(5, WireType.LengthDelimited).string("v")
          .tag(9, WireType.LengthDelimited).bytes(ttl),
      );
    const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: 1 } : { a: deep(levels - 1) });

    // Each: INVALID_ARGUMENT naming the field (before, grpc-js answered INTERNAL "Error deserializing request").
    const cases: [string, string, Uint8Array, string][] = [
      ["bytes that are no protobuf", "/ltst.memory.v1.SessionService/GetSession", Buffer.from([0xff, 0xff, 0xff, 0xff]), "request"],
      ["a truncated field", "/ltst.memory.v1.SessionService/GetSession", Buffer.from([0x0a, 0x10, 0x61, 0x62]), "request"],
      ["invalid UTF-8 in a string field", "/ltst.memory.v1.SessionService/CreateSession", Buffer.concat([field(0x0a, utf8("alice")), field(0x1a, invalidUtf8)]), "name"],
      [
        "invalid UTF-8 in a nested message's string (AppendMessages content)",
        "/ltst.memory.v1.MessageService/AppendMessages",
        Buffer.concat([field(0x0a, utf8("alice")), field(0x12, utf8("kept")), field(0x1a, Buffer.concat([Buffer.from([0x08, Role.ROLE_USER]), field(0x1a, invalidUtf8)]))]),
        "messages[0].content",
      ],
      ["invalid UTF-8 in a server-streaming request (Search)", "/ltst.memory.v1.SearchService/Search", Buffer.concat([field(0x0a, utf8("alice")), field(0x12, invalidUtf8)]), "query"],
      ["covers_through_index of 2^53 + 1", "/ltst.memory.v1.SummaryService/UpdateSummary", summary(2n ** 53n + 1n), "covers_through_index"],
      ["covers_through_index of 2^62", "/ltst.memory.v1.SummaryService/UpdateSummary", summary(2n ** 62n), "covers_through_index"],
      ["covers_through_index of -2^62", "/ltst.memory.v1.SummaryService/UpdateSummary", summary(-(2n ** 62n)), "covers_through_index"],
      ["Timestamp.seconds of 2^53 + 1 (Search start_time)", "/ltst.memory.v1.SearchService/Search", search(time(2n ** 53n + 1n, 0)), "start_time.seconds"],
      ["Timestamp.seconds of -2^62", "/ltst.memory.v1.SearchService/Search", search(time(-(2n ** 62n), 0)), "start_time.seconds"],
      ["Timestamp after 9999-12-31", "/ltst.memory.v1.SearchService/Search", search(time(253_402_300_800n, 0)), "start_time.seconds"],
      ["Timestamp.nanos of -1", "/ltst.memory.v1.SearchService/Search", search(time(0n, -1)), "start_time.nanos"],
      ["Timestamp.nanos of 1,000,000,000", "/ltst.memory.v1.SearchService/Search", search(time(0n, 1_000_000_000)), "start_time.nanos"],
      ["Duration.seconds of 2^62 (context ttl)", "/ltst.memory.v1.ContextService/UpsertContextEntry", contextTtl(time(2n ** 62n, 0)), "ttl.seconds"],
      ["Duration.nanos of 1,000,000,000", "/ltst.memory.v1.ContextService/UpsertContextEntry", contextTtl(time(1n, 1_000_000_000)), "ttl.nanos"],
      ["Duration with nanos of the other sign", "/ltst.memory.v1.ContextService/UpsertContextEntry", contextTtl(time(1n, -5)), "ttl.nanos"],
      [
        "metadata nested 34 levels",
        "/ltst.memory.v1.PreferenceService/SetPreference",
        SetPreferenceRequest.encode(SetPreferenceRequest.fromPartial({ userId: "alice", key: "k", metadata: deep(34) })).finish(),
        "metadata",
      ],
      [
        "metadata nested 200 levels in an appended message",
        "/ltst.memory.v1.MessageService/AppendMessages",
        AppendMessagesRequest.encode(
          AppendMessagesRequest.fromPartial({ userId: "alice", sessionId: "kept", messages: [{ role: Role.ROLE_USER, content: "hi", metadata: deep(200) }] }),
        ).finish(),
        "messages[0].metadata",
      ],
    ];
    for (const [name, path, bytes, fieldName] of cases) {
      it(`${name}: INVALID_ARGUMENT naming ${fieldName}, nothing stored, and the server goes on serving`, async () => {
        const before = await messageCount();
        const result = path.endsWith("/Search")
          ? await new Promise<{ code: grpc.status; details: string }>((resolve) => {
              const call = raw.makeServerStreamRequest(path, identity, identity, Buffer.from(bytes));
              call.on("data", () => {});
              call.on("error", (error: grpc.ServiceError) => resolve({ code: error.code, details: error.details }));
              call.on("end", () => resolve({ code: grpc.status.OK, details: "" }));
            })
          : await send(path, bytes);
        expect(result.code, result.details).toBe(grpc.status.INVALID_ARGUMENT);
        expect(result.details).toContain(`${fieldName}:`);
        expect(await messageCount()).toBe(before);
        const { sessions } = await api().sessions.listSessions({ userId: "alice", status: 0, pageSize: 0, pageToken: "" });
        expect(sessions.map((s) => s.id)).toEqual(["kept"]);
      });
    }

    it("in-range values at the edges decode: the last millisecond of 9999, int64 2^53 - 1", async () => {
      // (Not the last nanosecond: ts-proto's conversion to a Date rounds
      // 253402300799 s + 999999999 ns up to year 10000, which PostgreSQL
      // takes as well.)
      const ok = await new Promise<grpc.status>((resolve) => {
        const call = raw.makeServerStreamRequest("/ltst.memory.v1.SearchService/Search", identity, identity, Buffer.from(search(time(253_402_300_799n, 999_000_000))));
        call.on("data", () => {});
        call.on("error", (error: grpc.ServiceError) => resolve(error.code));
        call.on("end", () => resolve(grpc.status.OK));
      });
      expect(ok).toBe(grpc.status.OK);
      // Decodes, then validation speaks: covers_through_index beyond the session's messages.
      const result = await send("/ltst.memory.v1.SummaryService/UpdateSummary", summary(2n ** 53n - 1n));
      expect(result.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.details).toContain("covers_through_index");
    });

    it("valid UTF-8 (a byte-order mark and astral characters included) decodes unchanged", async () => {
      const content = "\uFEFFhello 🦒 é";
      const request = AppendMessagesRequest.encode(
        AppendMessagesRequest.fromPartial({ userId: "alice", sessionId: "kept", messages: [{ role: Role.ROLE_USER, content }] }),
      ).finish();
      expect((await send("/ltst.memory.v1.MessageService/AppendMessages", request)).code).toBe(grpc.status.OK);
      const { messages } = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "kept", lastN: 1 }));
      expect(messages[0]!.content).toBe(content);
    });

    it("a message of another type is decoded by field numbers: here a bad name, INVALID_ARGUMENT naming it", async () => {
      // AppendMessagesRequest's field 3 (messages) lands in CreateSessionRequest's field 3 (name).
      const append = AppendMessagesRequest.encode(
        AppendMessagesRequest.fromPartial({ userId: "alice", sessionId: "other", messages: [{ role: Role.ROLE_USER, content: "hi" }] }),
      ).finish();
      const result = await send("/ltst.memory.v1.SessionService/CreateSession", append);
      expect(result.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.details).toContain("name");
    });

    it(`a request larger than LTST_MAX_MESSAGE_BYTES (${maxMessageBytes}) is RESOURCE_EXHAUSTED, and the next call succeeds`, async () => {
      const before = await messageCount();
      const request = AppendMessagesRequest.encode(
        AppendMessagesRequest.fromPartial({
          userId: "alice",
          sessionId: "kept",
          messages: Array.from({ length: 3 }, () => ({ role: Role.ROLE_USER, content: "x".repeat(30_000) })),
        }),
      ).finish();
      expect(request.length).toBeGreaterThan(maxMessageBytes);
      const result = await send("/ltst.memory.v1.MessageService/AppendMessages", request);
      expect(result.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(await messageCount()).toBe(before);
      const ok = await send("/ltst.memory.v1.SessionService/GetSession", GetSessionRequest.encode({ userId: "alice", sessionId: "kept" }).finish());
      expect(ok.code).toBe(grpc.status.OK);
      expect(GetSessionResponse.decode(ok.response!).session!.id).toBe("kept");
    });
  },
  { env: { LTST_MAX_MESSAGE_BYTES: String(maxMessageBytes) }, only: ["embedded"] },
);
