/**
 * Compares what clients fetched with the session's final history (contents
 * are unique): how many acknowledged writes are missing from it, and how many
 * fetches later changed in the middle, i.e. two messages a fetch saw next to
 * each other are no longer next to each other (one appeared between them,
 * as when a concurrent insert with a lower serial id commits after a later
 * one), or a message it saw is gone.
 */
export function historyAnomalies(
  final: readonly string[],
  acknowledged: readonly string[],
  fetches: readonly (readonly string[])[],
): { lost: number; changed: number } {
  const position = new Map(final.map((content, i) => [content, i]));
  const lost = acknowledged.filter((content) => !position.has(content)).length;
  const changed = fetches.filter((seen) =>
    seen.some((content, i) => {
      const at = position.get(content);
      if (at === undefined) return true;
      return i > 0 && at !== position.get(seen[i - 1]!)! + 1;
    }),
  ).length;
  return { lost, changed };
}
