/**
 * A local HTTP file server for the `model fetch` tests: serves in-memory files with Range
 * support, and can misbehave on demand (cut the connection, ignore ranges, stall,
 * redirect, fail with a status).
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";

import { expect } from "vitest";

export type ServedFile = {
  body: Buffer;
  /** Cut the connection after this many body bytes, for the next `cutTimes` requests. */
  cutAfter?: number;
  cutTimes?: number;
  /** Answer range requests with the whole file (200). */
  ignoreRange?: boolean;
  /** Send this many bytes, then keep the connection open without sending more. */
  stallAfter?: number;
  /** Answer with this status and no body. */
  status?: number;
  /** Answer with a 302 to this path, adding `redirectHeaders` (e.g. x-linked-etag). */
  redirectTo?: string;
  redirectHeaders?: Record<string, string>;
  /** Extra headers on the file response itself. */
  headers?: Record<string, string>;
};

export type RecordedRequest = { method: string; path: string; range: string | undefined; status: number };

export type ModelServer = {
  baseUrl: string;
  files: Map<string, ServedFile>;
  requests: RecordedRequest[];
  requestsFor(path: string): RecordedRequest[];
  close(): Promise<void>;
};

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Byte-for-byte comparison (vitest's deep equality is slow on multi-megabyte buffers). */
export async function expectFileContent(filePath: string, expected: Buffer): Promise<void> {
  const actual = await readFile(filePath);
  expect(actual.length, `size of ${filePath}`).toBe(expected.length);
  expect(actual.equals(expected), `content of ${filePath}`).toBe(true);
}

export function randomFile(size: number): Buffer {
  return randomBytes(size);
}

export async function startModelServer(files: Record<string, ServedFile> = {}): Promise<ModelServer> {
  const served = new Map<string, ServedFile>(Object.entries(files));
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const filePath = decodeURIComponent(url.pathname);
    const record: RecordedRequest = { method: req.method ?? "GET", path: filePath, range: req.headers.range, status: 0 };
    requests.push(record);
    const respond = (status: number, headers: Record<string, string | number> = {}): void => {
      record.status = status;
      res.writeHead(status, headers);
    };

    const file = served.get(filePath);
    if (file === undefined) {
      respond(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    if (file.status !== undefined) {
      respond(file.status, { "content-type": "text/plain" });
      res.end(`status ${file.status}`);
      return;
    }
    if (file.redirectTo !== undefined) {
      respond(302, { location: file.redirectTo, ...file.redirectHeaders });
      res.end();
      return;
    }

    const size = file.body.length;
    let start = 0;
    let status = 200;
    const range = req.headers.range;
    if (range !== undefined && !file.ignoreRange) {
      const match = /^bytes=(\d+)-$/.exec(range);
      if (match === null) {
        respond(400);
        res.end();
        return;
      }
      start = Number(match[1]);
      if (start >= size) {
        respond(416, { "content-range": `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "content-length": size - start,
      "accept-ranges": "bytes",
      ...file.headers,
    };
    if (status === 206) headers["content-range"] = `bytes ${start}-${size - 1}/${size}`;
    respond(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const body = file.body.subarray(start);

    if (file.stallAfter !== undefined) {
      res.write(body.subarray(0, file.stallAfter));
      return; // never ends; closed by close()
    }
    if (file.cutAfter !== undefined && (file.cutTimes ?? 1) > 0) {
      file.cutTimes = (file.cutTimes ?? 1) - 1;
      res.write(body.subarray(0, file.cutAfter), () => {
        res.socket?.destroy();
      });
      return;
    }
    res.end(body);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    files: served,
    requests,
    requestsFor: (p) => requests.filter((r) => r.path === p),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
