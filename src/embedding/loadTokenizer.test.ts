import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyTokenizerJson } from "../../test/embedding/fixtures/toyTokenizerJson.js";
import { loadTokenizer } from "./loadTokenizer.js";

describe("loadTokenizer", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-load-tokenizer-"));
    await writeFile(path.join(dir, "tokenizer.json"), JSON.stringify(toyTokenizerJson()));
    await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ do_lower_case: true }));
    await writeFile(path.join(dir, "broken.json"), "{ not json");
    await writeFile(path.join(dir, "array.json"), "[]");
    await writeFile(path.join(dir, "no-post-processor.json"), JSON.stringify(toyTokenizerJson({ post_processor: null, added_tokens: [] })));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads tokenizer.json with or without tokenizer_config.json", async () => {
    for (const config of [path.join(dir, "tokenizer_config.json"), null]) {
      const tokenizer = await loadTokenizer(path.join(dir, "tokenizer.json"), config, { maxLength: 64 });
      expect(tokenizer.maxLength).toBe(64);
      expect(tokenizer.encode("hello world").ids).toEqual([2, 4, 5, 3]);
    }
  });

  it("names the file it cannot read or parse", async () => {
    await expect(loadTokenizer(path.join(dir, "missing.json"))).rejects.toThrow(/cannot read .*missing\.json/);
    await expect(loadTokenizer(path.join(dir, "broken.json"))).rejects.toThrow(/cannot read .*broken\.json/);
    await expect(loadTokenizer(path.join(dir, "array.json"))).rejects.toThrow(/array\.json does not hold a JSON object/);
  });

  it("loads a tokenizer without special tokens", async () => {
    const tokenizer = await loadTokenizer(path.join(dir, "no-post-processor.json"), null, { maxLength: 2 });
    expect(tokenizer.encode("hello world cat").ids).toEqual([4, 5]);
  });
});
