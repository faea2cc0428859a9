import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { expectFileContent, randomFile, sha256, startModelServer, type ModelServer } from "../../test/support/modelServer.js";
import { downloadModelFile, type DownloadContext } from "./downloadModelFile.js";
import type { ModelFile } from "./manifest.js";
import { ChecksumMismatchError } from "./modelFetchError.js";
import type { ProgressEvent } from "./progressBar.js";

const BODY = randomFile(1_000_000);
const FILE: ModelFile = { remotePath: "model.onnx", localName: "model.onnx", sha256: sha256(BODY), sizeBytes: BODY.length };

let server: ModelServer;
let dir: string;
let partPath: string;
let url: string;
beforeEach(async () => {
  server = await startModelServer({ "/model.onnx": { body: BODY } });
  dir = await mkdtemp(path.join(os.tmpdir(), "ltst-model-download-"));
  partPath = path.join(dir, "model.onnx.part");
  url = `${server.baseUrl}/model.onnx`;
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function context(overrides: Partial<DownloadContext> = {}): DownloadContext {
  return { fetchImpl: globalThis.fetch, signal: undefined, idleTimeoutMs: 0, retries: 0, retryDelayMs: 0, progress: undefined, ...overrides };
}

const served = () => server.files.get("/model.onnx")!;
const sizeOf = async (p: string): Promise<number | null> => (await stat(p).catch(() => null))?.size ?? null;

describe("downloadModelFile", () => {
  it("downloads into the partial file, verifies it and reports progress", async () => {
    const events: ProgressEvent[] = [];
    const result = await downloadModelFile(context({ progress: (e) => events.push(e) }), FILE, url, partPath);

    expect(result).toEqual({ sha256: sha256(BODY), bytes: BODY.length });
    await expectFileContent(partPath, BODY);
    expect(events[0]).toEqual({ file: "model.onnx", receivedBytes: 0, totalBytes: BODY.length });
    expect(events.at(-1)).toEqual({ file: "model.onnx", receivedBytes: BODY.length, totalBytes: BODY.length });
    expect(server.requests).toEqual([{ method: "GET", path: "/model.onnx", range: undefined, status: 200 }]);
  });

  it("resumes a partial file with a Range request and appends the rest", async () => {
    await writeFile(partPath, BODY.subarray(0, 300_000));
    const events: ProgressEvent[] = [];

    await downloadModelFile(context({ progress: (e) => events.push(e) }), FILE, url, partPath);

    expect(server.requests).toEqual([{ method: "GET", path: "/model.onnx", range: "bytes=300000-", status: 206 }]);
    expect(events[0]).toEqual({ file: "model.onnx", receivedBytes: 300_000, totalBytes: BODY.length });
    await expectFileContent(partPath, BODY);
  });

  it("starts over when the server ignores the range", async () => {
    served().ignoreRange = true;
    await writeFile(partPath, BODY.subarray(0, 300_000));

    await downloadModelFile(context(), FILE, url, partPath);

    expect(server.requests).toEqual([{ method: "GET", path: "/model.onnx", range: "bytes=300000-", status: 200 }]);
    await expectFileContent(partPath, BODY);
  });

  it("discards the partial file and starts over when a 206 is for another range", async () => {
    await writeFile(partPath, Buffer.alloc(300_000, 7));
    let calls = 0;
    const fetchImpl: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response("junk", { status: 206, headers: { "content-range": `bytes 0-3/${BODY.length}` } });
      return globalThis.fetch(input, init);
    };

    await downloadModelFile(context({ fetchImpl }), FILE, url, partPath);

    expect(calls).toBe(2);
    expect(server.requests).toEqual([{ method: "GET", path: "/model.onnx", range: undefined, status: 200 }]);
    await expectFileContent(partPath, BODY);
  });

  it("gives up when the server keeps answering with the wrong range", async () => {
    await writeFile(partPath, Buffer.alloc(10, 7));
    const fetchImpl: typeof fetch = async () => new Response("junk", { status: 206, headers: { "content-range": "bytes 5-8/20" } });
    await expect(downloadModelFile(context({ fetchImpl }), { ...FILE, sizeBytes: undefined }, url, partPath)).rejects.toMatchObject({
      code: "BAD_RESPONSE",
      message: expect.stringContaining("kept answering range requests"),
    });
  });

  it("installs a complete partial file without a request when its size and sha256 are pinned", async () => {
    await writeFile(partPath, BODY);
    expect(await downloadModelFile(context(), FILE, url, partPath)).toEqual({ sha256: sha256(BODY), bytes: BODY.length });
    expect(server.requests).toHaveLength(0);
  });

  it("verifies the partial file locally after a 416, and starts over when it is wrong", async () => {
    const unsized = { ...FILE, sizeBytes: undefined };
    await writeFile(partPath, BODY);
    await downloadModelFile(context(), unsized, url, partPath);
    expect(server.requests.map((r) => r.status)).toEqual([416]);

    server.requests.length = 0;
    const wrong = Buffer.from(BODY);
    wrong[0] = wrong[0]! ^ 0xff;
    await writeFile(partPath, wrong);
    await downloadModelFile(context(), unsized, url, partPath);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [`bytes=${BODY.length}-`, 416],
      [undefined, 200],
    ]);
    await expectFileContent(partPath, BODY);
  });

  it("deletes the download on a checksum mismatch, saying when it had been resumed", async () => {
    await writeFile(partPath, Buffer.alloc(300_000, 7));
    const run = downloadModelFile(context(), FILE, url, partPath);
    await expect(run).rejects.toBeInstanceOf(ChecksumMismatchError);
    await expect(run).rejects.toThrow("The download had been resumed; the next run starts from scratch.");
    expect(await sizeOf(partPath)).toBeNull();
  });

  it("refuses a body larger than the pinned size and deletes it", async () => {
    const run = downloadModelFile(context(), { ...FILE, sizeBytes: 1000 }, url, partPath);
    // The server announces the real size up front.
    await expect(run).rejects.toMatchObject({ code: "SIZE_MISMATCH", message: expect.stringContaining(`sending ${BODY.length} bytes`) });
    expect(await sizeOf(partPath)).toBeNull();
  });

  it("stops reading once a body without a length passes the pinned size", async () => {
    const fetchImpl: typeof fetch = async () => new Response(new Blob([BODY]).stream(), { status: 200 });
    const run = downloadModelFile(context({ fetchImpl }), { ...FILE, sizeBytes: 1000 }, url, partPath);
    await expect(run).rejects.toMatchObject({ code: "SIZE_MISMATCH", message: expect.stringContaining("sent more than the expected 1000 bytes") });
    expect(await sizeOf(partPath)).toBeNull();
  });

  it("refuses an unpinned file the server publishes no sha256 for", async () => {
    await expect(downloadModelFile(context(), { ...FILE, sha256: undefined }, url, partPath)).rejects.toMatchObject({ code: "NO_CHECKSUM" });
    expect(await sizeOf(partPath)).toBeNull();
  });

  it("retries a cut connection, resuming where it stopped", async () => {
    served().cutAfter = 400_000;
    await downloadModelFile(context({ retries: 1 }), FILE, url, partPath);
    const [first, second] = server.requests;
    expect(first).toMatchObject({ range: undefined, status: 200 });
    expect(second).toMatchObject({ range: expect.stringMatching(/^bytes=\d+-$/), status: 206 });
    await expectFileContent(partPath, BODY);
  });

  it("keeps the partial file and says how to resume when the retries run out", async () => {
    served().cutAfter = 200_000;
    served().cutTimes = 3;
    const run = downloadModelFile(context({ retries: 2 }), FILE, url, partPath);
    await expect(run).rejects.toMatchObject({ code: "INTERRUPTED", retryable: true });
    await expect(run).rejects.toThrow(`(gave up after 3 attempts). The partial download is kept in ${partPath}; run the fetch again to resume.`);
    expect(server.requests).toHaveLength(3);
    const kept = await sizeOf(partPath);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(BODY.length);
  });

  it("does not retry a 404, and retries a 503", async () => {
    served().status = 404;
    await expect(downloadModelFile(context({ retries: 3 }), FILE, url, partPath)).rejects.toMatchObject({ code: "HTTP_STATUS", status: 404 });
    expect(server.requests).toHaveLength(1);

    served().status = 503;
    await expect(downloadModelFile(context({ retries: 2 }), FILE, url, partPath)).rejects.toMatchObject({ code: "HTTP_STATUS", status: 503 });
    expect(server.requests).toHaveLength(4);
  });

  it("reports a stalled transfer", async () => {
    served().stallAfter = 100_000;
    const run = downloadModelFile(context({ idleTimeoutMs: 150 }), FILE, url, partPath);
    await expect(run).rejects.toMatchObject({ code: "STALLED", message: expect.stringContaining("no data for 150 ms (received 100000 bytes)") });
    expect(await sizeOf(partPath)).toBe(100_000);
  });

  it("stops waiting for a retry when aborted", async () => {
    served().status = 503;
    const controller = new AbortController();
    const run = downloadModelFile(context({ signal: controller.signal, retries: 1, retryDelayMs: 600_000 }), FILE, url, partPath);
    const deadline = Date.now() + 10_000;
    while (server.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(server.requests).toHaveLength(1);
  });

  it("keeps downloading when the progress callback throws", async () => {
    const progress = (): void => {
      throw new Error("stderr closed");
    };
    await downloadModelFile(context({ progress }), FILE, url, partPath);
    expect(sha256(await readFile(partPath))).toBe(sha256(BODY));
  });
});
