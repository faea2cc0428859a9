import { it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import os from "node:os"; import path from "node:path";
import { fetchModel } from "/work/main/src/model/fetchModel.js";
import { randomFile, sha256, startModelServer } from "/work/main/test/model/modelServer.js";
it("bench", async () => {
  const M = randomFile(3_000_000);
  const s = await startModelServer({ "/m": { body: M } });
  for (const d of [os.tmpdir(), "/work/main/node_modules/.cache"]) {
    const dir = await mkdtemp(path.join(d, "b-"));
    const t = performance.now();
    await fetchModel({ modelDir: dir, baseUrl: s.baseUrl, files: [{ remotePath: "m", localName: "m", sha256: sha256(M) }], progress: () => {} });
    console.log(d, performance.now() - t);
  }
  await s.close();
});
