import { InferenceSession } from "onnxruntime-node";
import { mkdtemp } from "node:fs/promises";
import os from "node:os"; import path from "node:path";
const { buildMiniLmArchitectureModel } = await import("/work/main/dist/test/fixtures/onnx/buildMiniLmArchitectureModel.js");
const { serverSessionOptions } = await import("/work/main/dist/src/embedding/createInferenceSession.js");
const { loadTokenizer } = await import("/work/main/dist/src/embedding/loadTokenizer.js");
const { OnnxEmbedder } = await import("/work/main/dist/src/embedding/OnnxEmbedder.js");
const { benchCorpus } = await import("/work/main/dist/bench/embedding/embeddingThroughput.js");
const dir = await mkdtemp(path.join(os.tmpdir(), "probe-"));
const file = await buildMiniLmArchitectureModel(dir);
const tok = await loadTokenizer("/work/shared/models/all-MiniLM-L6-v2/tokenizer.json");
const texts = benchCorpus(32);
const base = serverSessionOptions({ intraOpThreads: 2 });
const variants = {
  server: base,
  noMemPattern: { ...base, enableMemPattern: false },
  noArena: { ...base, enableCpuMemArena: false },
  neither: { ...base, enableMemPattern: false, enableCpuMemArena: false },
  spin: { ...base, extra: {} },
};
const which = process.argv[2] ? [process.argv[2]] : Object.keys(variants);
for (const name of which) {
  const s = await InferenceSession.create(file, variants[name]);
  const a = new OnnxEmbedder(s, tok, { maxBatchSize: 8 });
  const b = new OnnxEmbedder(s, tok, { maxBatchSize: 8, lengthBucketing: false });
  const c = new OnnxEmbedder(s, tok, { maxBatchSize: 1 });
  await a.embed(texts); await b.embed(texts); await c.embed(texts);
  const res = { a: [], b: [], c: [] };
  for (let rep = 0; rep < 3; rep++) for (const [k, e] of [["a", a], ["b", b], ["c", c]]) { const t0 = performance.now(); await e.embed(texts); res[k].push(performance.now() - t0); }
  const med = (xs) => xs.sort((x, y) => x - y)[1].toFixed(0);
  console.log(name.padEnd(14), "bucketed@8", med(res.a), "input-order@8", med(res.b), "single", med(res.c), "rss MB", (process.memoryUsage().rss / 1e6).toFixed(0));
  await s.release();
}
