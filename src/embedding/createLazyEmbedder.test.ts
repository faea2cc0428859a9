import { describe, expect, it } from "vitest";
import type { Embedder } from "./Embedder.js";
import { createLazyEmbedder } from "./createLazyEmbedder.js";

/** A stand-in model that records its runs and whether it was closed. */
function fakeModel() {
  const model = {
    runs: [] as string[][],
    closed: false,
    modelName: "fake",
    dimensions: 2,
    async embed(texts: readonly string[]) {
      model.runs.push([...texts]);
      return texts.map(() => Float32Array.of(1, 0));
    },
    async close() {
      model.closed = true;
    },
  };
  return model;
}

describe("createLazyEmbedder", () => {
  it("loads nothing until the first embed, then loads once for concurrent callers", async () => {
    const model = fakeModel();
    let loads = 0;
    const loaded: Embedder[] = [];
    const lazy = createLazyEmbedder({
      modelName: "m",
      dimensions: 2,
      load: async () => {
        loads += 1;
        return model;
      },
      onLoad: (embedder) => loaded.push(embedder),
    });
    expect(lazy).toMatchObject({ modelName: "m", dimensions: 2, loaded: false, failure: null });
    expect(loads).toBe(0);
    const results = await Promise.all([lazy.embed(["a"]), lazy.embed(["b", "c"])]);
    expect(results.map((vectors) => vectors.length)).toEqual([1, 2]);
    expect(loads).toBe(1);
    expect(loaded).toEqual([model]);
    expect(lazy.loaded).toBe(true);
    expect(model.runs).toEqual([["a"], ["b", "c"]]);
    await lazy.close();
    expect(model.closed).toBe(true);
    await expect(lazy.embed(["d"])).rejects.toThrow(/closed/);
  });

  it("a failed load fails that call and every later one with its error, without loading again", async () => {
    let loads = 0;
    const failures: Error[] = [];
    const lazy = createLazyEmbedder({
      modelName: "m",
      dimensions: 2,
      load: async () => {
        loads += 1;
        throw new Error("cannot load the ONNX model");
      },
      onFailure: (error) => failures.push(error),
    });
    await expect(lazy.embed(["a"])).rejects.toThrow("cannot load the ONNX model");
    await expect(lazy.embed(["b"])).rejects.toThrow("cannot load the ONNX model");
    expect(loads).toBe(1);
    expect(failures).toHaveLength(1);
    expect(lazy.failure?.message).toBe("cannot load the ONNX model");
    await lazy.close();
  });

  it("closing before any use loads nothing", async () => {
    let loads = 0;
    const lazy = createLazyEmbedder({ modelName: "m", dimensions: 2, load: async () => (loads += 1, fakeModel()) });
    await lazy.close();
    expect(loads).toBe(0);
  });
});
