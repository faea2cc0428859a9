import { InferenceSession, Tensor } from "onnxruntime-node";
import { mkdtemp } from "node:fs/promises";
import os from "node:os"; import path from "node:path";
const { buildMiniLmArchitectureModel } = await import("/work/main/dist/test/fixtures/onnx/buildMiniLmArchitectureModel.js");
const { serverSessionOptions } = await import("/work/main/dist/src/embedding/createInferenceSession.js");
const dir = await mkdtemp(path.join(os.tmpdir(), "probe-"));
const file = await buildMiniLmArchitectureModel(dir);
const variants = { server: serverSessionOptions({ intraOpThreads: 2 }), noMemPattern: { ...serverSessionOptions({ intraOpThreads: 2 }), enableMemPattern: false }, defaults: {} };
for (const [name, opts] of Object.entries(variants)) {
  const s = await InferenceSession.create(file, opts);
  const time = async (b, len, realLen) => {
    const n = b * len;
    const ids = new BigInt64Array(n).fill(2000n);
    const m = new BigInt64Array(n);
    for (let i = 0; i < b; i++) for (let t = 0; t < realLen; t++) m[i * len + t] = 1n;
    const feeds = { input_ids: new Tensor("int64", ids, [b, len]), attention_mask: new Tensor("int64", m, [b, len]), token_type_ids: new Tensor("int64", new BigInt64Array(n), [b, len]) };
    await s.run(feeds); await s.run(feeds);
    const t0 = performance.now(); for (let i = 0; i < 5; i++) await s.run(feeds);
    return ((performance.now() - t0) / 5).toFixed(1);
  };
  console.log(name, "b8 s134 full", await time(8, 134, 134), "b8 s134 half-masked", await time(8, 134, 67), "b1 s40", await time(1, 40, 40), "b8 s40", await time(8, 40, 40));
  // new shapes each time
  let t0 = performance.now();
  for (let len = 30; len < 50; len++) { const ids = new BigInt64Array(8*len).fill(5n); const m = new BigInt64Array(8*len).fill(1n);
    await s.run({ input_ids: new Tensor("int64", ids, [8, len]), attention_mask: new Tensor("int64", m, [8, len]), token_type_ids: new Tensor("int64", new BigInt64Array(8*len), [8, len]) }); }
  console.log(name, "20 fresh shapes b8 s30-49 avg ms", ((performance.now() - t0) / 20).toFixed(1));
  await s.release();
}
