import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { FetchModelOptions, FetchModelResult } from "./fetchModel.js";
import type { ModelFile } from "./manifest.js";
import { runModelFetchCli } from "./modelFetchCli.js";
import { expectFileContent, randomFile, sha256, startModelServer, type ModelServer } from "../../test/support/modelServer.js";

function capture(isTTY = false) {
  let text = "";
  const stream = {
    isTTY,
    columns: 80,
    write(chunk: string | Uint8Array): boolean {
      text += String(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const okResult: FetchModelResult = {
  files: [
    { localName: "tokenizer.json", sha256: "a".repeat(64), bytes: 466_247, skipped: true },
    { localName: "model.onnx", sha256: "b".repeat(64), bytes: 90_405_214, skipped: false },
  ],
};

function stub() {
  const calls: FetchModelOptions[] = [];
  const fetchModel = async (options: FetchModelOptions): Promise<FetchModelResult> => {
    calls.push(options);
    return okResult;
  };
  return { calls, fetchModel };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ltst-model-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("runModelFetchCli", () => {
  it("prints usage with --help", async () => {
    const out = capture();
    expect(await runModelFetchCli(["--help"], {}, { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain("Usage: ltst model fetch");
    expect(out.text()).toContain("--quantized");
  });

  it("rejects unknown options and stray arguments with exit code 2", async () => {
    const err = capture();
    expect(await runModelFetchCli(["--bogus"], {}, { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain("--bogus");
    expect(await runModelFetchCli(["extra"], {}, { stderr: capture().stream })).toBe(2);
    expect(await runModelFetchCli(["--dir"], {}, { stderr: capture().stream })).toBe(2);
  });

  it("defaults the directory to ./models/all-MiniLM-L6-v2, then to LTST_MODEL_DIR", async () => {
    const { calls, fetchModel } = stub();
    const io = { stdout: capture().stream, stderr: capture().stream, fetchModel, cwd: dir, handleSigint: false };

    expect(await runModelFetchCli([], {}, io)).toBe(0);
    expect(calls[0]).toMatchObject({ modelDir: path.join(dir, "models", "all-MiniLM-L6-v2"), quantized: false });
    expect(calls[0]!.baseUrl).toBeUndefined();

    expect(await runModelFetchCli([], { LTST_MODEL_DIR: "/srv/models/minilm" }, io)).toBe(0);
    expect(calls[1]!.modelDir).toBe("/srv/models/minilm");

    expect(await runModelFetchCli(["--dir", "rel/dir"], { LTST_MODEL_DIR: "/ignored" }, io)).toBe(0);
    expect(calls[2]!.modelDir).toBe(path.join(dir, "rel", "dir"));
  });

  it("passes --quantized and --base-url, reports progress on stderr and a summary on stdout", async () => {
    const { calls, fetchModel } = stub();
    const out = capture();
    const err = capture();

    const code = await runModelFetchCli(["--quantized", "--base-url=http://mirror.example/minilm", "--dir", dir], {}, {
      stdout: out.stream,
      stderr: err.stream,
      fetchModel,
      handleSigint: false,
    });

    expect(code).toBe(0);
    expect(calls[0]).toMatchObject({ modelDir: dir, quantized: true, baseUrl: "http://mirror.example/minilm" });
    expect(typeof calls[0]!.progress).toBe("function");
    expect(calls[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(err.text()).toContain("from http://mirror.example/minilm");
    expect(out.text()).toMatch(/tokenizer\.json\s+0\.5 MB\s+sha256 a{64}\s+already present/);
    expect(out.text()).toMatch(/model\.onnx\s+90\.4 MB\s+sha256 b{64}\s+downloaded/);
    expect(out.text()).toContain(`Model ready in ${dir} (1 file(s) downloaded and verified)`);
  });

  it("exits 130 when interrupted", async () => {
    const err = capture();
    const others = process.listeners("SIGINT");
    const fetchModel = (options: FetchModelOptions): Promise<FetchModelResult> =>
      new Promise((_, reject) => {
        options.signal!.addEventListener("abort", () => reject(options.signal!.reason));
        // Deliver SIGINT to the CLI's handler only, not to the test runner's.
        for (const listener of others) process.removeListener("SIGINT", listener);
        try {
          process.emit("SIGINT");
        } finally {
          for (const listener of others) process.on("SIGINT", listener);
        }
      });

    expect(await runModelFetchCli(["--dir", dir], {}, { stdout: capture().stream, stderr: err.stream, fetchModel })).toBe(130);
    expect(err.text()).toContain("interrupted; run it again to resume");
    expect(process.listeners("SIGINT")).toEqual(others);
  });

  describe("against a local server", () => {
    let server: ModelServer;
    const tokenizer = randomFile(10_000);
    const weights = randomFile(200_000);
    const files: ModelFile[] = [
      { remotePath: "tokenizer.json", localName: "tokenizer.json", sha256: sha256(tokenizer), sizeBytes: tokenizer.length },
      { remotePath: "onnx/model.onnx", localName: "model.onnx", sha256: sha256(weights), sizeBytes: weights.length },
    ];

    beforeEach(async () => {
      server = await startModelServer({ "/m/tokenizer.json": { body: tokenizer }, "/m/onnx/model.onnx": { body: weights } });
    });
    afterEach(async () => {
      await server.close();
    });

    it("downloads the model and exits 0; a second run reports it up to date", async () => {
      const io = () => ({ stdout: capture().stream, stderr: capture().stream, fetchOptions: { files, retries: 0 }, handleSigint: false });
      const out = capture();
      const err = capture();
      const argv = ["--dir", dir, "--base-url", `${server.baseUrl}/m`];

      expect(await runModelFetchCli(argv, {}, { ...io(), stdout: out.stream, stderr: err.stream })).toBe(0);
      await expectFileContent(path.join(dir, "model.onnx"), weights);
      expect(err.text()).toContain("downloading model.onnx (0.2 MB)");
      expect(out.text()).toContain("Model ready in");

      const again = capture();
      expect(await runModelFetchCli(argv, {}, { ...io(), stdout: again.stream })).toBe(0);
      expect(again.text()).toContain(`Model already up to date in ${dir}`);
    });

    it("exits 1 with the error on stderr when a file is missing", async () => {
      server.files.delete("/m/onnx/model.onnx");
      const err = capture();
      const code = await runModelFetchCli(["--dir", dir, "--base-url", `${server.baseUrl}/m`], {}, {
        stdout: capture().stream,
        stderr: err.stream,
        fetchOptions: { files, retries: 0 },
        handleSigint: false,
      });
      expect(code).toBe(1);
      expect(err.text()).toContain(`HTTP 404 Not Found from ${server.baseUrl}/m/onnx/model.onnx`);
    });

    it("exits 1 when the pinned default manifest does not match what the server sends", async () => {
      server.files.set("/m/tokenizer.json", { body: tokenizer });
      const err = capture();
      const code = await runModelFetchCli(["--dir", dir, "--base-url", `${server.baseUrl}/m`], {}, {
        stdout: capture().stream,
        stderr: err.stream,
        fetchOptions: { retries: 0 },
        handleSigint: false,
      });
      expect(code).toBe(1);
      expect(err.text()).toMatch(/tokenizer\.json/);
    });
  });
});
