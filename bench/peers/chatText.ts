import { prng } from "../search/corpus.js";
/**
 * Deterministic chat text for the peer and concurrency benchmarks: message
 * `n` of a conversation, 20 to 400 words, from a seeded generator, so every
 * implementation stores and reads the very same messages. Words follow a
 * Zipf-like law over a large vocabulary (common English words, topic words
 * and made-up names): a lexical search then meets the spread of a real
 * conversation, where a few words are in nearly every message and most are
 * rare, rather than a tiny vocabulary that every message matches.
 */

const common =
  "the a to and of in is it you that for on with this be are we as can at have so if not or but do what my your was will just about would like there they from know how should more also some when one all get could here then time think need want".split(" ");
const topics =
  "trip budget hotel flight train museum dinner booking recipe garden project deadline meeting invoice report schedule weekend family birthday gift concert ticket apartment lease contract insurance doctor appointment vaccine passport visa airport luggage weather forecast hiking trail camping tent bicycle repair laptop battery phone charger keyboard software update backup password account bank transfer mortgage salary interview resume course exam lecture thesis chapter novel author library podcast episode playlist guitar lesson piano teacher painting gallery photo camera lens kitchen oven fridge coffee tea breakfast lunch salad soup pasta bread cheese wine market grocery list cleaning laundry plumber electrician roof window garage car tyre parking ferry island beach harbour mountain lake river forest village city council election newsletter volunteer charity marathon training gym yoga swimming football match score league coach team office colleague manager client proposal quote estimate spreadsheet database server outage migration release bug feature test review".split(" ");
const syllables = "ka lo mi ra ven tor sel an qui bre dal fen gor hul isk jor kel lum mor nis ost pra rud sim tav ul vor wen yar zel".split(" ");


const madeUp: string[] = (() => {
  const next = prng(7);
  return Array.from({ length: 4000 }, () => {
    const n = 2 + Math.floor(next() * 2);
    return Array.from({ length: n }, () => syllables[Math.floor(next() * syllables.length)]).join("");
  });
})();

/** A word: a third common, a third topic words (skewed), a third made-up names (Zipf over 4,000). */
function word(next: () => number): string {
  const r = next();
  if (r < 0.35) return common[Math.floor(next() * common.length)]!;
  if (r < 0.7) return topics[Math.floor(next() ** 2 * topics.length)]!;
  // Zipf-like: rank ~ 1/u, capped.
  const rank = Math.min(madeUp.length - 1, Math.floor(1 / Math.max(next(), 1 / madeUp.length)) - 1);
  return madeUp[rank]!;
}

/** Message `n` of a conversation: 20 to 400 words in sentences of 6 to 18 words, user questions end with "?". */
export function chatText(n: number, role: "user" | "assistant" = n % 2 === 0 ? "user" : "assistant"): string {
  const next = prng(n * 2654435761 + (role === "user" ? 1 : 2));
  // Lengths skewed short, as in chats: most messages are tens of words, some hundreds.
  const words = 20 + Math.floor(next() ** 2 * 381);
  const sentences: string[] = [];
  let left = words;
  while (left > 0) {
    const length = Math.min(left, 6 + Math.floor(next() * 13));
    const parts = Array.from({ length }, () => word(next));
    parts[0] = parts[0]!.charAt(0).toUpperCase() + parts[0]!.slice(1);
    sentences.push(parts.join(" ") + (role === "user" && next() < 0.4 ? "?" : "."));
    left -= length;
  }
  return sentences.join(" ");
}
