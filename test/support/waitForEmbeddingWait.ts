import type { RunningService } from "../../src/server/startService.js";
import { waitFor, type WaitForOptions } from "./waitFor.js";

/**
 * Resolves once a search on `service` is waiting for embeddings
 * (wait_for_embeddings): the wait nudges the embedding worker before each of
 * its pauses, through the service's embeddings.nudge hook, which is watched
 * here from the call of this function on. Appends nudge it too: run none
 * meanwhile.
 */
export async function waitForEmbeddingWait(service: Pick<RunningService, "embeddings">, options: WaitForOptions = {}): Promise<void> {
  const embeddings = service.embeddings;
  const original = embeddings.nudge;
  let nudged = false;
  embeddings.nudge = () => {
    nudged = true;
    original.call(embeddings);
  };
  try {
    await waitFor(() => nudged, { message: "a search to wait for embeddings", ...options });
  } finally {
    embeddings.nudge = original;
  }
}
