import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { fetchModel } from "./fetchModel.js";
import type { ModelFile } from "./manifest.js";
import { ChecksumMismatchError } from "./modelFetchError.js";
import type { ProgressEvent } from "./progressBar.js";
import { expectFileContent, randomFile, sha256, startModelServer, type ModelServer } from "../../test/support/modelServer.js";

const TOKENIZER = randomFile(48_123);
const CONFIG = randomFile(620);
const MODEL = randomFile(3_000_000);

function manifest(overrides: Partial<Record<string, Partial<ModelFile>>> = {}): ModelFile[] {
  const files: ModelFile[] = [
    { remotePath: "tokenizer.json", localName: "tokenizer.json", sha256: sha256(TOKENIZER), sizeBytes: TOKENIZER.length },
    { remotePath: "config.json", localName: "config.json", sha256: sha256(CONFIG), sizeBytes: CONFIG.length },
    { remotePath: "onnx/model.onnx", localName: "model.onnx", sha256: sha256(MODEL), sizeBytes: MODEL.length },
  ];
  return files.map((file) => ({ ...file, ...overrides[file.localName] }));
}

let server: ModelServer;
let dir: string;
let modelDir: string;

beforeEach(async () => {
  server = await startModelServer({
    "/repo/tokenizer.json": { body: TOKENIZER },
    "/repo/config.json": { body: CONFIG },
    "/repo/onnx/model.onnx": { body: MODEL },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), "ltst-model-fetch-"));
  modelDir = path.join(dir, "models", "all-MiniLM-L6-v2");
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const base = (): string => `${server.baseUrl}/repo`;
const modelPart = (): string => path.join(modelDir, ".partial", "model.onnx.part");
const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

describe("fetchModel", () => {
  it("downloads every file, verifies it and installs it", async () => {
    const events: ProgressEvent[] = [];
    const result = await fetchModel({ modelDir, baseUrl: base(), files: manifest(), progress: (e) => events.push(e), retries: 0 });

    expect(result.files).toEqual([
      { localName: "tokenizer.json", sha256: sha256(TOKENIZER), bytes: TOKENIZER.length, skipped: false },
      { localName: "config.json", sha256: sha256(CONFIG), bytes: CONFIG.length, skipped: false },
      { localName: "model.onnx", sha256: sha256(MODEL), bytes: MODEL.length, skipped: false },
    ]);
    await expectFileContent(path.join(modelDir, "tokenizer.json"), TOKENIZER);
    await expectFileContent(path.join(modelDir, "config.json"), CONFIG);
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
    // Nothing left behind: no .partial directory, no lock.
    expect((await readdir(modelDir)).sort()).toEqual(["config.json", "model.onnx", "tokenizer.json"]);

    const modelEvents = events.filter((e) => e.file === "model.onnx");
    expect(modelEvents[0]).toEqual({ file: "model.onnx", receivedBytes: 0, totalBytes: MODEL.length });
    expect(modelEvents.at(-1)).toEqual({ file: "model.onnx", receivedBytes: MODEL.length, totalBytes: MODEL.length });
    for (let i = 1; i < modelEvents.length; i++) {
      expect(modelEvents[i]!.receivedBytes).toBeGreaterThanOrEqual(modelEvents[i - 1]!.receivedBytes);
    }
    expect(server.requests.every((r) => r.range === undefined)).toBe(true);
  });

  it("resumes an interrupted download with a Range request", async () => {
    server.files.get("/repo/onnx/model.onnx")!.cutAfter = 1_200_000;

    const first = fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });
    await expect(first).rejects.toMatchObject({ code: "INTERRUPTED", file: "model.onnx" });
    await expect(first).rejects.toThrow(/run the fetch again to resume/);

    const partial = await stat(modelPart());
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(MODEL.length);
    // Nothing is installed until every file is verified.
    expect(await exists(path.join(modelDir, "model.onnx"))).toBe(false);
    expect(await exists(path.join(modelDir, "tokenizer.json"))).toBe(false);

    const result = await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    const modelRequests = server.requestsFor("/repo/onnx/model.onnx");
    expect(modelRequests).toHaveLength(2);
    expect(modelRequests[0]!.range).toBeUndefined();
    expect(modelRequests[1]).toMatchObject({ range: `bytes=${partial.size}-`, status: 206 });
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
    expect(result.files.map((f) => [f.localName, f.skipped])).toEqual([
      ["tokenizer.json", false],
      ["config.json", false],
      ["model.onnx", false],
    ]);
    // Tokenizer and config were verified in the first run: their partial files were reused.
    expect(server.requestsFor("/repo/tokenizer.json")).toHaveLength(1);
    expect(await exists(path.join(modelDir, ".partial"))).toBe(false);
  });

  it("retries and resumes by itself within one run", async () => {
    server.files.get("/repo/onnx/model.onnx")!.cutAfter = 700_000;

    await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 2, retryDelayMs: 0 });

    const modelRequests = server.requestsFor("/repo/onnx/model.onnx");
    expect(modelRequests).toHaveLength(2);
    expect(modelRequests[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(modelRequests[1]!.status).toBe(206);
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("starts over when the server ignores the Range header", async () => {
    const served = server.files.get("/repo/onnx/model.onnx")!;
    served.cutAfter = 1_000_000;
    served.ignoreRange = true;

    await expect(fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 })).rejects.toMatchObject({ code: "INTERRUPTED" });
    const partialSize = (await stat(modelPart())).size;
    expect(partialSize).toBeGreaterThan(0);

    await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    const second = server.requestsFor("/repo/onnx/model.onnx")[1]!;
    expect(second).toMatchObject({ range: `bytes=${partialSize}-`, status: 200 });
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("deletes the download and installs nothing on a checksum mismatch", async () => {
    const wrong = "0".repeat(64);
    const run = fetchModel({ modelDir, baseUrl: base(), files: manifest({ "model.onnx": { sha256: wrong } }), retries: 0 });

    await expect(run).rejects.toBeInstanceOf(ChecksumMismatchError);
    await expect(run).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH", file: "model.onnx", expected: wrong, actual: sha256(MODEL) });
    await expect(run).rejects.toThrow(`Checksum mismatch for model.onnx`);
    await expect(run).rejects.toThrow(`expected sha256 ${wrong}, got ${sha256(MODEL)}`);

    expect(await exists(path.join(modelDir, "model.onnx"))).toBe(false);
    expect(await exists(modelPart())).toBe(false);
    // The verified tokenizer is not installed on its own either.
    expect(await exists(path.join(modelDir, "tokenizer.json"))).toBe(false);
  });

  it("skips files that are already installed and verified", async () => {
    await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });
    const before = server.requests.length;

    const result = await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    expect(result.files.every((f) => f.skipped)).toBe(true);
    expect(result.files.map((f) => f.bytes)).toEqual([TOKENIZER.length, CONFIG.length, MODEL.length]);
    expect(server.requests.length).toBe(before);
  });

  it("replaces an installed file whose checksum is wrong", async () => {
    await mkdir(modelDir, { recursive: true });
    const corrupt = Buffer.from(MODEL);
    corrupt[1234] = corrupt[1234]! ^ 0xff;
    await writeFile(path.join(modelDir, "model.onnx"), corrupt);

    const result = await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    expect(result.files.find((f) => f.localName === "model.onnx")!.skipped).toBe(false);
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("installs a complete partial file left by an earlier run without downloading it again", async () => {
    await mkdir(path.dirname(modelPart()), { recursive: true });
    await writeFile(modelPart(), MODEL);

    await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    expect(server.requestsFor("/repo/onnx/model.onnx")).toHaveLength(0);
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("verifies a complete partial file after a 416 when its size is not pinned", async () => {
    await mkdir(path.dirname(modelPart()), { recursive: true });
    await writeFile(modelPart(), MODEL);

    await fetchModel({ modelDir, baseUrl: base(), files: manifest({ "model.onnx": { sizeBytes: undefined } }), retries: 0 });

    expect(server.requestsFor("/repo/onnx/model.onnx")).toEqual([
      { method: "GET", path: "/repo/onnx/model.onnx", range: `bytes=${MODEL.length}-`, status: 416 },
    ]);
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("fails with a clear error naming the URL on HTTP 404", async () => {
    server.files.delete("/repo/onnx/model.onnx");
    const run = fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 3, retryDelayMs: 0 });

    await expect(run).rejects.toMatchObject({ code: "HTTP_STATUS", status: 404, url: `${base()}/onnx/model.onnx` });
    await expect(run).rejects.toThrow(`HTTP 404 Not Found from ${base()}/onnx/model.onnx`);
    // A 404 is not retried.
    expect(server.requestsFor("/repo/onnx/model.onnx")).toHaveLength(1);
    expect(await exists(path.join(modelDir, "tokenizer.json"))).toBe(false);
  });

  it("fails with a clear error naming the URL on HTTP 5xx, after retrying", async () => {
    server.files.get("/repo/onnx/model.onnx")!.status = 503;
    const run = fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 2, retryDelayMs: 0 });

    await expect(run).rejects.toMatchObject({ code: "HTTP_STATUS", status: 503 });
    await expect(run).rejects.toThrow(`HTTP 503 Service Unavailable from ${base()}/onnx/model.onnx`);
    expect(server.requestsFor("/repo/onnx/model.onnx")).toHaveLength(3);
  });

  it("follows redirects and verifies an unpinned file against the x-linked-etag sha256", async () => {
    server.files.set("/repo/onnx/model.onnx", {
      body: Buffer.alloc(0),
      redirectTo: "/cdn/blob",
      redirectHeaders: { "x-linked-etag": `"${sha256(MODEL)}"` },
    });
    server.files.set("/cdn/blob", { body: MODEL, headers: { etag: '"not-a-sha256"' } });

    const files = manifest({ "model.onnx": { sha256: undefined, sizeBytes: undefined } });
    const result = await fetchModel({ modelDir, baseUrl: base(), files, retries: 0 });

    expect(result.files.at(-1)).toMatchObject({ localName: "model.onnx", sha256: sha256(MODEL), skipped: false });
    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);

    // A re-run checks the installed file against the published sha256 (HEAD) and skips it.
    const again = await fetchModel({ modelDir, baseUrl: base(), files, retries: 0 });
    expect(again.files.at(-1)!.skipped).toBe(true);
    expect(server.requestsFor("/repo/onnx/model.onnx").map((r) => r.method)).toEqual(["GET", "HEAD"]);
  });

  it("rejects an unpinned file whose content does not match the published sha256", async () => {
    const other = randomFile(1000);
    server.files.set("/repo/onnx/model.onnx", { body: MODEL, headers: { etag: `"${sha256(other)}"` } });

    const files = manifest({ "model.onnx": { sha256: undefined, sizeBytes: undefined } });
    const run = fetchModel({ modelDir, baseUrl: base(), files, retries: 0 });

    await expect(run).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH", expected: sha256(other), actual: sha256(MODEL) });
    expect(await exists(path.join(modelDir, "model.onnx"))).toBe(false);
    expect(await exists(modelPart())).toBe(false);
  });

  it("refuses an unpinned file when the server publishes no sha256", async () => {
    const files = manifest({ "model.onnx": { sha256: undefined } });
    const run = fetchModel({ modelDir, baseUrl: base(), files, retries: 0 });

    await expect(run).rejects.toMatchObject({ code: "NO_CHECKSUM", file: "model.onnx" });
    await expect(run).rejects.toThrow(/no sha256 is pinned/);
    expect(await exists(path.join(modelDir, "model.onnx"))).toBe(false);
    expect(await exists(modelPart())).toBe(false);
  });

  it("refuses a pinned file when Hugging Face publishes a different sha256 for it", async () => {
    server.files.set("/repo/onnx/model.onnx", {
      body: Buffer.alloc(0),
      redirectTo: "/cdn/blob",
      redirectHeaders: { "x-linked-etag": `"${"a".repeat(64)}"` },
    });
    server.files.set("/cdn/blob", { body: MODEL });

    await expect(fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 })).rejects.toMatchObject({
      code: "CHECKSUM_MISMATCH",
      message: expect.stringContaining("refusing to download it"),
    });
    expect(await exists(modelPart())).toBe(false);
  });

  it("refuses a response larger than the pinned size", async () => {
    const run = fetchModel({ modelDir, baseUrl: base(), files: manifest({ "model.onnx": { sizeBytes: 1000 } }), retries: 0 });

    await expect(run).rejects.toMatchObject({ code: "SIZE_MISMATCH", file: "model.onnx" });
    expect(await exists(modelPart())).toBe(false);
  });

  it("stops on abort and keeps the partial download for a resume", async () => {
    server.files.get("/repo/onnx/model.onnx")!.stallAfter = 500_000;
    const controller = new AbortController();
    const run = fetchModel({
      modelDir,
      baseUrl: base(),
      files: manifest(),
      signal: controller.signal,
      retries: 0,
      progress: (e) => {
        if (e.file === "model.onnx" && e.receivedBytes >= 500_000) controller.abort();
      },
    });

    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect((await stat(modelPart())).size).toBe(500_000);
    expect(await exists(path.join(modelDir, "model.onnx"))).toBe(false);
    // The lock is released.
    expect(await exists(path.join(modelDir, ".partial", "fetch.lock"))).toBe(false);
  });

  it("gives up on a stalled transfer", async () => {
    server.files.get("/repo/onnx/model.onnx")!.stallAfter = 100_000;

    const run = fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0, idleTimeoutMs: 150 });

    await expect(run).rejects.toMatchObject({ code: "STALLED", file: "model.onnx" });
    expect((await stat(modelPart())).size).toBe(100_000);
  });

  it("refuses to run while another fetch holds the directory", async () => {
    await mkdir(path.join(modelDir, ".partial"), { recursive: true });
    await writeFile(path.join(modelDir, ".partial", "fetch.lock"), `${process.pid}\n`);

    await expect(fetchModel({ modelDir, baseUrl: base(), files: manifest() })).rejects.toMatchObject({ code: "LOCKED" });
    expect(server.requests).toHaveLength(0);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    await mkdir(path.join(modelDir, ".partial"), { recursive: true });
    await writeFile(path.join(modelDir, ".partial", "fetch.lock"), `${gone}\n`);

    await fetchModel({ modelDir, baseUrl: base(), files: manifest(), retries: 0 });

    await expectFileContent(path.join(modelDir, "model.onnx"), MODEL);
  });

  it("rejects manifests that would write outside the model directory", async () => {
    for (const localName of ["../evil", "a/b", "..", ".partial", ""]) {
      await expect(
        fetchModel({ modelDir, baseUrl: base(), files: [{ remotePath: "config.json", localName, sha256: sha256(CONFIG) }] }),
      ).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    }
    await expect(
      fetchModel({ modelDir, baseUrl: base(), files: [{ remotePath: "../config.json", localName: "c", sha256: sha256(CONFIG) }] }),
    ).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    expect(server.requests).toHaveLength(0);
  });
});

describe("fetchModel with the default manifest", () => {
  it("uses the default manifest and the base URL given", async () => {
    // Random bytes cannot match the pinned digests: the run must fail on the first file,
    // proving the pinned manifest is the one in force.
    server.files.set("/mirror/tokenizer.json", { body: TOKENIZER });
    const run = fetchModel({ modelDir, baseUrl: `${server.baseUrl}/mirror/`, retries: 0 });
    await expect(run).rejects.toMatchObject({ code: "SIZE_MISMATCH", file: "tokenizer.json" });
    expect(server.requests[0]!.path).toBe("/mirror/tokenizer.json");
  });
});

