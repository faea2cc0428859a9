import { InferenceSession, Tensor } from "onnxruntime-node";
import { mkdtemp } from "node:fs/promises";
import os from "node:os"; import path from "node:path";
const { buildMiniLmArchitectureModel } = await import("/work/main/dist/test/fixtures/onnx/buildMiniLmArchitectureModel.js");
const { createInferenceSession } = await import("/work/main/dist/src/embedding/createInferenceSession.js");
const { loadTokenizer } = await import("/work/main/dist/src/embedding/loadTokenizer.js");
const { planBatches } = await import("/work/main/dist/src/embedding/planBatches.js");
const { padBatch } = await import("/work/main/dist/src/embedding/padBatch.js");
const { benchCorpus } = await import("/work/main/dist/bench/embedding/embeddingThroughput.js");
const dir = await mkdtemp(path.join(os.tmpdir(), "probe-"));
const file = await buildMiniLmArchitectureModel(dir);
const s = await createInferenceSession(file, { intraOpThreads: 2 });
const tok = await loadTokenizer("/work/shared/models/all-MiniLM-L6-v2/tokenizer.json");
const texts = benchCorpus(32);
const enc = texts.map(t => tok.encode(t));
const lens = enc.map(e => e.ids.length);
console.log("lengths", lens.join(","));
const run = async (b) => { const dims=[b.batchSize,b.sequenceLength]; return s.run({ input_ids: new Tensor("int64", b.inputIds, dims), attention_mask: new Tensor("int64", b.attentionMask, dims), token_type_ids: new Tensor("int64", b.tokenTypeIds, dims) }); };
for (const mb of [1, 8]) {
  const plan = planBatches(lens, mb);
  const batches = plan.map(ix => padBatch(ix.map(i => enc[i])));
  for (let rep = 0; rep < 3; rep++) {
    let total = 0; const parts = [];
    for (const b of batches) { const t0 = performance.now(); await run(b); const ms = performance.now() - t0; total += ms; parts.push(`${b.batchSize}x${b.sequenceLength}:${ms.toFixed(1)}`); }
    console.log(`mb=${mb} rep=${rep} total=${total.toFixed(0)}ms`, mb === 8 ? parts.join(" ") : "");
  }
}
const { OnnxEmbedder } = await import("/work/main/dist/src/embedding/OnnxEmbedder.js");
for (const mb of [1, 8]) {
  const e = new OnnxEmbedder(s, tok, { maxBatchSize: mb });
  await e.embed(texts);
  for (let rep = 0; rep < 3; rep++) { const t0 = performance.now(); await e.embed(texts); console.log(`embedder mb=${mb}`, (performance.now() - t0).toFixed(0)); }
}
// with fetches via raw
const plan = planBatches(lens, 8); const batches = plan.map(ix => padBatch(ix.map(i => enc[i])));
for (let rep = 0; rep < 3; rep++) { const t0 = performance.now(); for (const b of batches) { const dims=[b.batchSize,b.sequenceLength]; await s.run({ input_ids: new Tensor("int64", b.inputIds, dims), attention_mask: new Tensor("int64", b.attentionMask, dims), token_type_ids: new Tensor("int64", b.tokenTypeIds, dims) }, ["last_hidden_state"]); } console.log("raw with fetches", (performance.now() - t0).toFixed(0)); }
{
  const a = new OnnxEmbedder(s, tok, { maxBatchSize: 8 });
  const b = new OnnxEmbedder(s, tok, { maxBatchSize: 8, lengthBucketing: false });
  for (let rep = 0; rep < 3; rep++) {
    let t0 = performance.now(); await a.embed(texts); const ta = performance.now() - t0;
    t0 = performance.now(); await b.embed(texts); const tb = performance.now() - t0;
    console.log("shared session: bucketed", ta.toFixed(0), "input-order", tb.toFixed(0));
  }
}
