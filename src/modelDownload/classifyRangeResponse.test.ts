import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { randomFile, startModelServer, type ModelServer } from "../../test/support/modelServer.js";
import { classifyRangeResponse } from "./classifyRangeResponse.js";

const respond = (status: number, headers: Record<string, string> = {}): Response => new Response(null, { status, headers });

describe("classifyRangeResponse", () => {
  it("resumes at the offset on a 206 for the range asked for, taking the size from Content-Range", () => {
    expect(classifyRangeResponse(respond(206, { "content-range": "bytes 100-999/1000" }), 100)).toEqual({ kind: "body", start: 100, total: 1000 });
    expect(classifyRangeResponse(respond(206, { "content-range": "BYTES  100-999/1000 " }), 100)).toEqual({ kind: "body", start: 100, total: 1000 });
    // Unknown complete length: the end of the range is the end of the file.
    expect(classifyRangeResponse(respond(206, { "content-range": "bytes 100-499/*" }), 100)).toEqual({ kind: "body", start: 100, total: 500 });
  });

  it("restarts on a 206 for another range, or one it cannot read", () => {
    expect(classifyRangeResponse(respond(206, { "content-range": "bytes 0-999/1000" }), 100)).toEqual({ kind: "restart" });
    expect(classifyRangeResponse(respond(206), 100)).toEqual({ kind: "restart" });
    expect(classifyRangeResponse(respond(206, { "content-range": "bytes 100-/1000" }), 100)).toEqual({ kind: "restart" });
    expect(classifyRangeResponse(respond(206, { "content-range": "items 100-999/1000" }), 100)).toEqual({ kind: "restart" });
  });

  it("starts from byte 0 on a 200, whether or not a range was asked for", () => {
    expect(classifyRangeResponse(respond(200, { "content-length": "1000" }), 100)).toEqual({ kind: "body", start: 0, total: 1000 });
    expect(classifyRangeResponse(respond(200, { "content-length": "1000" }), 0)).toEqual({ kind: "body", start: 0, total: 1000 });
    expect(classifyRangeResponse(respond(200), 0)).toEqual({ kind: "body", start: 0, total: null });
  });

  it("checks the partial file locally on a 416 past a non-empty partial file", () => {
    expect(classifyRangeResponse(respond(416, { "content-range": "bytes */1000" }), 1000)).toEqual({ kind: "unsatisfiable" });
    // Without a range request a 416 is just an error.
    expect(classifyRangeResponse(respond(416), 0)).toEqual({ kind: "error" });
  });

  it("reports any other status as an error", () => {
    for (const status of [404, 403, 500, 503]) expect(classifyRangeResponse(respond(status), 10)).toEqual({ kind: "error" });
  });

  describe("against a local server", () => {
    const body = randomFile(1000);
    let server: ModelServer;
    beforeAll(async () => {
      server = await startModelServer({ "/f": { body }, "/norange": { body, ignoreRange: true } });
    });
    afterAll(async () => {
      await server.close();
    });

    const get = async (path: string, offset: number): Promise<Response> => {
      const response = await fetch(`${server.baseUrl}${path}`, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
      await response.arrayBuffer();
      return response;
    };

    it("classifies real 206, 200 and 416 answers", async () => {
      expect(classifyRangeResponse(await get("/f", 400), 400)).toEqual({ kind: "body", start: 400, total: 1000 });
      expect(classifyRangeResponse(await get("/f", 0), 0)).toEqual({ kind: "body", start: 0, total: 1000 });
      expect(classifyRangeResponse(await get("/norange", 400), 400)).toEqual({ kind: "body", start: 0, total: 1000 });
      expect(classifyRangeResponse(await get("/f", 1000), 1000)).toEqual({ kind: "unsatisfiable" });
      expect(classifyRangeResponse(await get("/missing", 0), 0)).toEqual({ kind: "error" });
    });
  });
});
