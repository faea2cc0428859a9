import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { randomFile, sha256, startModelServer, type ModelServer } from "../../test/support/modelServer.js";
import { requestFollowingRedirects } from "./requestFollowingRedirects.js";

const BODY = randomFile(2_000);
let server: ModelServer;
beforeEach(async () => {
  server = await startModelServer({ "/blob": { body: BODY } });
});
afterEach(async () => {
  await server.close();
});

const get = (path: string, method: "GET" | "HEAD" = "GET", headers: Record<string, string> = {}) =>
  requestFollowingRedirects(globalThis.fetch, `${server.baseUrl}${path}`, method, headers, undefined);

describe("requestFollowingRedirects", () => {
  it("returns the response and no digest when the server publishes none", async () => {
    const result = await get("/blob");
    expect(result.response.status).toBe(200);
    expect(Buffer.from(await result.response.arrayBuffer()).equals(BODY)).toBe(true);
    expect(result).toMatchObject({ finalUrl: `${server.baseUrl}/blob`, linked: null, advertised: null });
  });

  it("follows redirects and keeps the x-linked-etag sha256 of a hop, which wins over the final etag", async () => {
    const digest = sha256(BODY);
    server.files.set("/repo/model.onnx", { body: Buffer.alloc(0), redirectTo: "/hop", redirectHeaders: { "x-linked-etag": `"${digest}"` } });
    server.files.set("/hop", { body: Buffer.alloc(0), redirectTo: "/blob" });
    server.files.set("/blob", { body: BODY, headers: { etag: `"${"c".repeat(64)}"` } });

    const result = await get("/repo/model.onnx", "GET", { range: "bytes=10-" });
    expect(result).toMatchObject({ finalUrl: `${server.baseUrl}/blob`, linked: digest, advertised: digest });
    expect(result.response.status).toBe(206);
    await result.response.arrayBuffer();
    // Headers (here the range) are sent on every hop.
    expect(server.requests.map((r) => [r.path, r.range, r.status])).toEqual([
      ["/repo/model.onnx", "bytes=10-", 302],
      ["/hop", "bytes=10-", 302],
      ["/blob", "bytes=10-", 206],
    ]);
  });

  it("advertises a sha256-shaped etag of the final response when no hop is linked", async () => {
    const digest = sha256(BODY);
    server.files.set("/blob", { body: BODY, headers: { etag: `W/"${digest}"` } });
    const result = await get("/blob", "HEAD");
    expect(result).toMatchObject({ linked: null, advertised: digest });
    expect(server.requests[0]!.method).toBe("HEAD");
  });

  it("fails on a redirect without Location, to another scheme, or in a loop", async () => {
    server.files.set("/nowhere", { body: Buffer.alloc(0), status: 302 });
    await expect(get("/nowhere")).rejects.toMatchObject({ code: "BAD_RESPONSE", status: 302, message: expect.stringContaining("without a Location header") });

    server.files.set("/ftp", { body: Buffer.alloc(0), redirectTo: "ftp://example.invalid/x" });
    await expect(get("/ftp")).rejects.toMatchObject({ code: "BAD_RESPONSE", message: expect.stringContaining("Refusing redirect") });

    server.files.set("/loop", { body: Buffer.alloc(0), redirectTo: "/loop" });
    server.requests.length = 0;
    await expect(get("/loop")).rejects.toMatchObject({ code: "BAD_RESPONSE", message: expect.stringContaining("Too many redirects (more than 10)") });
    expect(server.requests).toHaveLength(11);
  });

  it("passes the abort signal to every request", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(requestFollowingRedirects(globalThis.fetch, `${server.baseUrl}/blob`, "GET", {}, controller.signal)).rejects.toMatchObject({
      name: "AbortError",
    });
  });
});
