import { it } from "vitest";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { prepareTestModelDir } from "../../fixtures/onnx/prepareTestModelDir.js";
import { serverSessionOptions } from "../../../src/embedding/createInferenceSession.js";
import path from "node:path";

it("calib", async () => {
  const dir = await prepareTestModelDir("minilm-arch");
  for (const spin of ["0", "1"]) {
    const opts = serverSessionOptions({ intraOpThreads: 2 });
    opts.extra = { session: { intra_op: { allow_spinning: spin } } };
    const s = await InferenceSession.create(path.join(dir, "model.onnx"), opts);
    const run = async (b: number, len: number) => {
      const n = b * len;
      const ids = new BigInt64Array(n).fill(2000n);
      const m = new BigInt64Array(n).fill(1n);
      const feeds = { input_ids: new Tensor("int64", ids, [b, len]), attention_mask: new Tensor("int64", m, [b, len]), token_type_ids: new Tensor("int64", new BigInt64Array(n), [b, len]) };
      await s.run(feeds);
      const reps = Math.max(3, Math.round(2000 / n));
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await s.run(feeds);
      const ms = (performance.now() - t0) / reps;
      console.log(`spin=${spin} b=${b} len=${len} ms=${ms.toFixed(2)} us/token=${((ms * 1000) / n).toFixed(2)}`);
    };
    for (const [b, len] of [[1, 4], [1, 8], [1, 16], [1, 32], [1, 64], [1, 128], [1, 256], [4, 16], [8, 16], [8, 32], [8, 64], [32, 16], [32, 32], [32, 64], [16, 128], [8, 256]]) await run(b!, len!);
    await s.release();
  }
}, 600000);
