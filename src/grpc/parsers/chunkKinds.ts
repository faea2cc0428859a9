import type { ChunkKindName } from "../../domain/rehydrate/TokenBudget.js";
import { ChunkKind } from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { enumMap } from "./enumMap.js";

/** ChunkKind ↔ the domain's chunk kinds (Rehydrate's chunks and its report's omitted items). */
export const chunkKinds = enumMap<ChunkKindName, ChunkKind>({
  header: ChunkKind.CHUNK_KIND_HEADER,
  summary: ChunkKind.CHUNK_KIND_SUMMARY,
  preference: ChunkKind.CHUNK_KIND_PREFERENCE,
  context_entry: ChunkKind.CHUNK_KIND_CONTEXT_ENTRY,
  relevant_message: ChunkKind.CHUNK_KIND_RELEVANT_MESSAGE,
  recent_message: ChunkKind.CHUNK_KIND_RECENT_MESSAGE,
});
