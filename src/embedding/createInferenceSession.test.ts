import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel } from "../../test/fixtures/onnx/buildTinyModel.js";
import { createInferenceSession, defaultIntraOpThreads, serverSessionOptions } from "./createInferenceSession.js";

describe("serverSessionOptions", () => {
  it("uses server settings with at most 2 intra-op threads by default", () => {
    const options = serverSessionOptions();
    expect(options).toMatchObject({
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      interOpNumThreads: 1,
      intraOpNumThreads: defaultIntraOpThreads(),
      enableMemPattern: false,
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
    expect(defaultIntraOpThreads()).toBeGreaterThanOrEqual(1);
    expect(defaultIntraOpThreads()).toBeLessThanOrEqual(Math.min(2, os.availableParallelism()));
  });

  it("takes the configured intra-op threads and rejects bad values", () => {
    expect(serverSessionOptions({ intraOpThreads: 4 }).intraOpNumThreads).toBe(4);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => serverSessionOptions({ intraOpThreads: bad })).toThrow(RangeError);
    }
  });
});

describe("createInferenceSession", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-session-"));
    await buildTinyModel(dir);
    await writeFile(path.join(dir, "garbage.onnx"), "not a model");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads a model with the server settings", async () => {
    const session = await createInferenceSession(path.join(dir, "model.onnx"), { intraOpThreads: 1 });
    try {
      expect(session.outputNames).toEqual(["last_hidden_state"]);
    } finally {
      await session.release();
    }
  });

  it("names the file it cannot load", async () => {
    await expect(createInferenceSession(path.join(dir, "garbage.onnx"))).rejects.toThrow(
      /cannot load the ONNX model .*garbage\.onnx/,
    );
  });
});
