import { digestFromHeader } from "./digestFromHeader.js";
import { discardBody } from "./discardBody.js";
import { ModelFetchError } from "./modelFetchError.js";

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export type RequestResult = {
  response: Response;
  finalUrl: string;
  /** sha256 from Hugging Face's `x-linked-etag` (on any hop), which is authoritative for LFS files. */
  linked: string | null;
  /** `linked`, else a sha256-shaped `etag` of the final response. */
  advertised: string | null;
};

/**
 * Fetches `url`, following redirects by hand so that the sha256 Hugging Face puts on the
 * redirect to its CDN (`x-linked-etag`) is seen.
 */
export async function requestFollowingRedirects(
  fetchImpl: typeof fetch,
  url: string,
  method: "GET" | "HEAD",
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<RequestResult> {
  let current = url;
  let linked: string | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const init: RequestInit = { method, headers, redirect: "manual" };
    if (signal !== undefined) init.signal = signal;
    let response = await fetchImpl(current, init);
    if (response.type === "opaqueredirect") {
      // A fetch that hides redirects (browser-like): let it follow them itself.
      init.redirect = "follow";
      response = await fetchImpl(current, init);
    }
    linked ??= digestFromHeader(response.headers.get("x-linked-etag"));
    if (REDIRECT_STATUSES.has(response.status)) {
      await discardBody(response);
      const location = response.headers.get("location");
      if (location === null) {
        throw new ModelFetchError("BAD_RESPONSE", `HTTP ${response.status} redirect without a Location header from ${current}`, { url, status: response.status });
      }
      const next = new URL(location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new ModelFetchError("BAD_RESPONSE", `Refusing redirect from ${current} to ${next.toString()}`, { url });
      }
      current = next.toString();
      continue;
    }
    const advertised = linked ?? digestFromHeader(response.headers.get("etag"));
    return { response, finalUrl: current, linked, advertised };
  }
  throw new ModelFetchError("BAD_RESPONSE", `Too many redirects (more than ${MAX_REDIRECTS}) fetching ${url}`, { url });
}
