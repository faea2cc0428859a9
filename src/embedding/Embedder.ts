export type { Embedder } from "../domain/ports/Embedder.js";
