import type { SearchInfo, SearchResponse } from "../../src/client/index.js";

/**
 * Drains a Search stream of the shipped client (`client.search.search(...)`)
 * and splits it as the protocol promises: the SearchInfo first, then the
 * hits in rank order. Rejects when the stream breaks that order, or with the
 * call's error.
 */
export async function collectSearch(stream: AsyncIterable<SearchResponse>) {
  const responses: SearchResponse[] = [];
  for await (const response of stream) responses.push(response);
  const [first, ...rest] = responses;
  if (!first?.info || first.hit) throw new Error("the first Search response must carry SearchInfo, and only it");
  const hits = rest.map((response) => {
    if (!response.hit || response.info) throw new Error("every Search response after the first must be a hit");
    return response.hit;
  });
  return { info: first.info as SearchInfo, hits, responses };
}
