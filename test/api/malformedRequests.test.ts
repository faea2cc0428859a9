import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AppendMessagesRequest, ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, GetSessionRequest, GetSessionResponse } from "../../gen/ts/ltst/memory/v1/session.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const maxMessageBytes = 64 * 1024;

/**
 * Requests that are not valid protobuf for their method, sent as raw bytes
 * (what a buggy client or another language's client can send): each gets an
 * error, nothing is stored, and the server goes on serving.
 */
describeEachBackend(
  "malformed requests",
  (service) => {
    const api = () => service().clients;
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
      (await api().sessions.get({ userId: "alice", sessionId: "kept" })).session!.messageCount;

    beforeAll(async () => {
      raw = new grpc.Client(`127.0.0.1:${service().service.port}`, grpc.credentials.createInsecure());
      await api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "kept" }));
    });
    afterAll(() => raw.close());

    const utf8 = (text: string) => Buffer.from(text, "utf8");
    /** A length-delimited field (`tag` = field number << 3 | 2). */
    const field = (tag: number, bytes: Uint8Array) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
    const invalidUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0x62]);

    const cases: [string, string, Uint8Array][] = [
      ["bytes that are no protobuf", "/ltst.memory.v1.SessionService/GetSession", Buffer.from([0xff, 0xff, 0xff, 0xff])],
      ["a truncated field", "/ltst.memory.v1.SessionService/GetSession", Buffer.from([0x0a, 0x10, 0x61, 0x62])],
      ["invalid UTF-8 in a string field", "/ltst.memory.v1.SessionService/CreateSession", Buffer.concat([field(0x0a, utf8("alice")), field(0x1a, invalidUtf8)])],
      [
        "invalid UTF-8 in a nested message's string (AppendMessages content)",
        "/ltst.memory.v1.MessageService/AppendMessages",
        Buffer.concat([field(0x0a, utf8("alice")), field(0x12, utf8("kept")), field(0x1a, Buffer.concat([Buffer.from([0x08, Role.ROLE_USER]), field(0x1a, invalidUtf8)]))]),
      ],
      ["invalid UTF-8 in a server-streaming request (Search)", "/ltst.memory.v1.SearchService/Search", Buffer.concat([field(0x0a, utf8("alice")), field(0x12, invalidUtf8)])],
    ];
    for (const [name, path, bytes] of cases) {
      it(`${name}: INTERNAL "Error deserializing request", nothing stored, and the server goes on serving`, async () => {
        const before = await messageCount();
        const result = path.endsWith("/Search")
          ? await new Promise<{ code: grpc.status; details: string }>((resolve) => {
              const call = raw.makeServerStreamRequest(path, identity, identity, Buffer.from(bytes));
              call.on("data", () => {});
              call.on("error", (error: grpc.ServiceError) => resolve({ code: error.code, details: error.details }));
              call.on("end", () => resolve({ code: grpc.status.OK, details: "" }));
            })
          : await send(path, bytes);
        expect(result).toMatchObject({ code: grpc.status.INTERNAL, details: "Error deserializing request" });
        expect(await messageCount()).toBe(before);
        const { sessions } = await api().sessions.list({ userId: "alice", status: 0, pageSize: 0, pageToken: "" });
        expect(sessions.map((s) => s.id)).toEqual(["kept"]);
      });
    }

    it("valid UTF-8 (a byte-order mark and astral characters included) decodes unchanged", async () => {
      const content = "\uFEFFhello 🦒 é";
      const request = AppendMessagesRequest.encode(
        AppendMessagesRequest.fromPartial({ userId: "alice", sessionId: "kept", messages: [{ role: Role.ROLE_USER, content }] }),
      ).finish();
      expect((await send("/ltst.memory.v1.MessageService/AppendMessages", request)).code).toBe(grpc.status.OK);
      const { messages } = await api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "kept", lastN: 1 }));
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
