import { afterAll, beforeAll, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const words = "my dog loves long walks in the park cat sleeps all day pizza with extra cheese is best".split(" ");
let modelDir = "";
beforeAll(async () => { modelDir = await prepareSearchModelDir(words); });
afterAll(async () => { await rm(modelDir, { recursive: true, force: true }); });

describeEachBackend("search smoke", (service) => {
  it("finds by meaning and words", async () => {
    const api = service().clients;
    await api.sessions.create(CreateSessionRequest.fromPartial({ userId: "u1", sessionId: "s1" }));
    const m = (content: string) => ({ role: Role.ROLE_USER, type: "", content, metadata: undefined, parentMessageId: "" });
    await api.messages.append({ userId: "u1", sessionId: "s1", idempotencyKey: "", messages: [m("my dog loves long walks in the park"), m("the cat sleeps all day"), m("pizza with extra cheese is best")] });
    for (const mode of [SearchMode.SEARCH_MODE_SEMANTIC, SearchMode.SEARCH_MODE_LEXICAL, SearchMode.SEARCH_MODE_HYBRID]) {
      const r = await api.search.run({ userId: "u1", query: "dog walks", mode, waitForEmbeddings: true }, { deadline: Date.now() + 10000 });
      console.log(mode, r.info, r.hits.map((h) => [h.message?.content, h.score, h.semanticRank, h.lexicalRank]));
      expect(r.hits[0]?.message?.content).toContain("dog");
    }
  });
}, { env: { get LTST_MODEL_DIR() { return modelDir; } } as never });
