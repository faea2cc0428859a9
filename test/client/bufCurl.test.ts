import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import * as contextPb from "../../gen/ts/ltst/memory/v1/context.js";
import * as messagePb from "../../gen/ts/ltst/memory/v1/message.js";
import * as preferencePb from "../../gen/ts/ltst/memory/v1/preference.js";
import * as rehydratePb from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import * as relationshipPb from "../../gen/ts/ltst/memory/v1/relationship.js";
import * as searchPb from "../../gen/ts/ltst/memory/v1/search.js";
import * as sessionPb from "../../gen/ts/ltst/memory/v1/session.js";
import * as summaryPb from "../../gen/ts/ltst/memory/v1/summary.js";
import * as userDataPb from "../../gen/ts/ltst/memory/v1/user_data.js";
import { serviceNames } from "../../src/server/createGrpcServer.js";
import { repositoryPath } from "../../src/paths.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * `buf curl` (grpcurl's counterpart in @bufbuild/buf) against the real
 * service, with nothing but server reflection: the services and methods are
 * listed, unary and server-streaming calls go through with JSON (imported
 * well-known types included), and the cheat sheet of docs/grpcurl.md runs and calls
 * every RPC.
 */

const execFileAsync = promisify(execFile);
const buf = repositoryPath("node_modules", ".bin", "buf");

/** Every RPC path of the generated service definitions. */
const generatedPaths = [contextPb, messagePb, preferencePb, rehydratePb, relationshipPb, searchPb, sessionPb, summaryPb, userDataPb]
  .flatMap((module) => Object.entries(module).filter(([name]) => name.endsWith("ServiceService")))
  .flatMap(([, definition]) => Object.values(definition as Record<string, { path: string }>).map((method) => method.path.slice(1)));

type CurlResult = { exitCode: number; stdout: string; stderr: string };

/** The JSON documents buf curl printed, one per response message (each starts with "{" at a line start). */
function documents(text: string): Record<string, unknown>[] {
  return text
    .split(/^(?=\{)/m)
    .filter((part) => part.trim() !== "")
    .map((part) => JSON.parse(part) as Record<string, unknown>);
}

describeEachBackend(
  "buf curl through server reflection",
  (service) => {
    const base = () => `http://127.0.0.1:${service().service.port}`;
    const curl = async (...args: string[]): Promise<CurlResult> => {
      try {
        const { stdout, stderr } = await execFileAsync(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 30_000 });
        return { exitCode: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: unknown; stdout: string; stderr: string };
        if (typeof failed.code !== "number") throw error;
        return { exitCode: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
    /** Calls `method` ("ltst.memory.v1.SessionService/CreateSession") with `body` as JSON. */
    const call = (method: string, body: unknown) => curl("-d", JSON.stringify(body), `${base()}/${method}`);
    const ok = async (method: string, body: unknown) => {
      const result = await call(method, body);
      expect(result.exitCode, result.stderr).toBe(0);
      return documents(result.stdout);
    };

    it("--list-services and --list-methods show every service and RPC", async () => {
      const services = await curl("--list-services", base());
      expect(services.exitCode, services.stderr).toBe(0);
      expect(services.stdout.trim().split("\n").sort()).toEqual(["grpc.health.v1.Health", ...serviceNames].sort());

      const methods = await curl("--list-methods", base());
      expect(methods.exitCode, methods.stderr).toBe(0);
      const listed = methods.stdout.trim().split("\n");
      expect(listed.filter((m) => m.startsWith("ltst.")).sort()).toEqual([...generatedPaths].sort());
      expect(listed).toEqual(expect.arrayContaining(["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"]));
      expect(generatedPaths.length).toBeGreaterThan(20); // (not an empty list by mistake)
    });

    it("unary RPCs with JSON, well-known types included (Struct, Timestamp, FieldMask, Duration)", async () => {
      const [created] = await ok("ltst.memory.v1.SessionService/CreateSession", {
        user_id: "alice",
        session_id: "chat-1",
        name: "Trip planning",
        metadata: { channel: "web", tags: ["travel", 2], nested: { ok: true, none: null } },
      });
      expect(created).toMatchObject({
        created: true,
        session: { id: "chat-1", userId: "alice", name: "Trip planning", status: "SESSION_STATUS_ACTIVE", metadata: { channel: "web", tags: ["travel", 2], nested: { ok: true, none: null } } },
      });
      const createTime = (created!.session as { createTime: string }).createTime;
      expect(Math.abs(Date.parse(createTime) - Date.now())).toBeLessThan(60_000);
      expect(createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

      const [updated] = await ok("ltst.memory.v1.SessionService/UpdateSession", {
        user_id: "alice",
        session: { id: "chat-1", name: "Trip to Lyon", metadata: { channel: "app" } },
        update_mask: "name,metadata",
      });
      expect(updated).toMatchObject({ session: { name: "Trip to Lyon", metadata: { channel: "app" } } });

      const [fetched] = await ok("ltst.memory.v1.SessionService/GetSession", { user_id: "alice", session_id: "chat-1" });
      expect(fetched).toMatchObject({ session: { id: "chat-1", name: "Trip to Lyon", createTime } });

      const [upserted] = await ok("ltst.memory.v1.ContextService/UpsertContextEntry", {
        user_id: "alice",
        session_id: "chat-1",
        type: "project",
        key: "destination",
        value: "Lyon",
        ttl: "3600s",
      });
      const entry = upserted!.entry as { createTime: string; expireTime: string };
      expect(Date.parse(entry.expireTime) - Date.parse(entry.createTime)).toBe(3_600_000);
    });

    it("server streaming with JSON: a lexical Search prints the SearchInfo, then each hit", async () => {
      await ok("ltst.memory.v1.SessionService/CreateSession", { user_id: "bob", session_id: "s1" });
      await ok("ltst.memory.v1.MessageService/AppendMessages", {
        user_id: "bob",
        session_id: "s1",
        idempotency_key: "turn-1",
        messages: [
          { role: "ROLE_USER", content: "Book a vegetarian restaurant near the station." },
          { role: "ROLE_ASSISTANT", content: "Two vegetarian places are open tonight." },
          { role: "ROLE_USER", content: "Thanks!" },
        ],
      });
      const responses = await ok("ltst.memory.v1.SearchService/Search", { user_id: "bob", query: "vegetarian", mode: "SEARCH_MODE_LEXICAL", top_k: 5 });
      expect(responses).toHaveLength(3);
      expect(responses[0]).toEqual({ info: { effectiveMode: "SEARCH_MODE_LEXICAL", pendingEmbeddings: expect.anything() } });
      const hits = responses.slice(1).map((r) => r.hit as { message: { content: string; role: string }; score: number; lexicalRank: number });
      expect(hits.map((h) => h.lexicalRank)).toEqual([1, 2]);
      expect(hits.map((h) => h.message.content).sort()).toEqual(["Book a vegetarian restaurant near the station.", "Two vegetarian places are open tonight."]);
      expect(hits.every((h) => h.score > 0)).toBe(true);
    });

    it("server streaming with JSON: Rehydrate prints each chunk in prompt order, then the report", async () => {
      await ok("ltst.memory.v1.SessionService/CreateSession", { user_id: "carol", session_id: "r1", name: "Dinner" });
      await ok("ltst.memory.v1.PreferenceService/SetPreference", { user_id: "carol", key: "diet", value: "vegetarian" });
      await ok("ltst.memory.v1.MessageService/AppendMessages", {
        user_id: "carol",
        session_id: "r1",
        messages: [
          { role: "ROLE_USER", content: "Find a restaurant for Friday." },
          { role: "ROLE_ASSISTANT", content: "How many people?" },
        ],
      });
      const responses = await ok("ltst.memory.v1.RehydrateService/Rehydrate", {
        user_id: "carol",
        session_id: "r1",
        token_budget: 2000,
        encoding: "TOKEN_ENCODING_O200K_BASE",
      });
      const chunks = responses.slice(0, -1).map((r) => r.chunk as { kind: string; text: string; tokenCount: number });
      expect(chunks.map((c) => c.kind)).toEqual(["CHUNK_KIND_HEADER", "CHUNK_KIND_PREFERENCE", "CHUNK_KIND_RECENT_MESSAGE", "CHUNK_KIND_RECENT_MESSAGE"]);
      expect(chunks.slice(1).map((c) => c.text)).toEqual([
        '<memory kind="preference" key="diet">vegetarian</memory>',
        '<memory kind="recent_message" role="user" index="0">Find a restaurant for Friday.</memory>',
        '<memory kind="recent_message" role="assistant" index="1">How many people?</memory>',
      ]);
      const report = responses.at(-1)!.report as { tokensUsed: string; tokenBudget: string };
      // int64 fields are JSON strings.
      expect(Number(report.tokensUsed)).toBe(chunks.reduce((sum, c) => sum + c.tokenCount, 0));
      expect(report.tokenBudget).toBe("2000");
    });

    it("the every-RPC cheat sheet of docs/grpcurl.md runs top to bottom with buf curl, and calls every RPC", async () => {
      const readme = await readFile(repositoryPath("docs", "grpcurl.md"), "utf8");
      const sheet = /<!-- every-rpc: begin -->\n```sh\n([\s\S]*?)```\n<!-- every-rpc: end -->/.exec(readme)?.[1];
      expect(sheet, "docs/grpcurl.md's every-rpc block").toBeDefined();
      // The page's own buf curl helper, pointed at this service, with each call's exit code logged.
      const helper = 'call() { buf curl --protocol grpc --http2-prior-knowledge -d "$2" "http://127.0.0.1:50051/$1"; }';
      expect(readme).toContain(helper);
      const dir = await mkdtemp(path.join(os.tmpdir(), "ltst-cheat-sheet-"));
      try {
        const log = path.join(dir, "calls.log");
        const script = [
          `PATH=${JSON.stringify(path.dirname(buf))}:"$PATH"`,
          // jq picks the message id out of a response; a stand-in for the cheat sheet's one filter where jq is missing.
          `command -v jq >/dev/null || jq() { ${JSON.stringify(process.execPath)} -e 'let v = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const [, key, index] of process.argv[1].matchAll(/\\.(\\w+)|\\[(\\d+)\\]/g)) v = v[key ?? Number(index)]; console.log(v)' "$2"; }`,
          helper.replace("call()", "curl_call()").replace("127.0.0.1:50051", `127.0.0.1:${service().service.port}`),
          `call() { curl_call "$@"; local rc=$?; printf '%s %s\\n' "$1" "$rc" >> ${JSON.stringify(log)}; return 0; }`,
          sheet!,
        ].join("\n");
        const { stderr } = await execFileAsync("bash", ["-c", script], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
        const calls = (await readFile(log, "utf8")).trim().split("\n").map((line) => line.split(" ") as [string, string]);
        for (const [method, exitCode] of calls) {
          expect(exitCode, `${method} exited with ${exitCode}\n${stderr}`).toBe("0");
        }
        const called = new Set(calls.map(([method]) => method));
        for (const method of [...generatedPaths, "grpc.health.v1.Health/Check", "grpc.health.v1.Health/List"]) {
          expect(called.has(method), `the cheat sheet does not call ${method}`).toBe(true);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("errors print the status code, message and details; health answers SERVING", async () => {
      const missing = await call("ltst.memory.v1.SessionService/GetSession", { user_id: "alice", session_id: "nope" });
      expect(missing.exitCode).toBe(8 * 5);
      expect(documents(missing.stderr)[0]).toMatchObject({
        code: "not_found",
        message: 'session "nope" not found',
        details: [{ type: "google.rpc.ErrorInfo" }],
      });
      expect(await ok("grpc.health.v1.Health/Check", {})).toEqual([{ status: "SERVING" }]);
      expect(await ok("grpc.health.v1.Health/Check", { service: "ltst.memory.v1.SearchService" })).toEqual([{ status: "SERVING" }]);
    });
  },
  { only: ["embedded"] },
);
