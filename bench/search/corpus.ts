/**
 * A deterministic corpus for the search benchmark: chat-like messages and
 * queries over a vocabulary of about 3,000 words.
 *
 * Content words follow a Zipf-Mandelbrot law (frequency ∝ 1 / (rank + 10)):
 * a few hundred everyday English words make the head, generated names and
 * jargon ("valorin", "teskadu") the long tail, so that some query words
 * match a large share of the messages (long posting lists for the GIN index
 * and many rows for ts_rank_cd) and others a handful. English stop words are
 * mixed in as in real sentences: to_tsvector drops them, the tokenizer and
 * hence the embeddings do not.
 *
 * Message `k` depends only on `k`, so a database seeded up to 10,000
 * messages can be extended to 100,000 with the same first 10,000.
 */

/** Function words; to_tsvector('english') drops them. */
const STOP_WORDS = (
  "the a an and or but of to in on at for with from by about as is are was were be been it this that these those " +
  "i you we they he she my your our their me us them what when where how why which who do did does have has had " +
  "can could should would will not no so if then than there here just also very all any some more most"
).split(" ");

/** Everyday content words: the head of the distribution. */
const COMMON_WORDS = (
  "time day week month year meeting call email message note report plan project team client customer user account " +
  "order payment invoice price budget cost sale contract deadline schedule calendar reminder task ticket issue bug " +
  "error fix release deploy server database query index table backup migration test build pipeline branch review " +
  "commit merge feature design document draft version update change request response service api endpoint token " +
  "password login access permission role config setting option value limit cache memory disk network latency " +
  "timeout retry queue worker job batch log metric alert dashboard incident outage restart health check " +
  "trip flight hotel train station airport ticket booking reservation restaurant dinner lunch breakfast coffee " +
  "menu table vegetarian pizza pasta salad soup bread cheese wine beer dessert recipe kitchen grocery market " +
  "family daughter son wife husband mother father brother sister friend neighbour doctor dentist appointment " +
  "school teacher homework exam class lesson birthday party gift holiday weekend vacation beach mountain hike " +
  "park garden dog cat walk run gym swim bike car bus road traffic parking weather rain snow sun wind storm " +
  "house apartment rent kitchen room bed sofa window door light heating water electricity bill bank loan " +
  "insurance tax refund salary bonus job interview manager colleague office remote hybrid shift overtime " +
  "book movie music song concert album podcast show series episode game score match league season " +
  "phone laptop screen keyboard battery charger printer camera photo video file folder drive upload download " +
  "summary answer question idea problem solution reason result decision priority goal risk option detail " +
  "morning afternoon evening night today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday " +
  "january february march april may june july august september october november december spring summer autumn winter " +
  "quick slow early late short long small large new old first last next previous important urgent simple " +
  "remember decide discuss agree prefer suggest recommend confirm cancel move keep send share open close start " +
  "finish stop wait buy pay book visit travel cook eat drink sleep read write learn teach help ask tell " +
  "allergy peanut medicine pharmacy symptom headache fever cough prescription vitamin diet sugar protein"
).split(" ");

/** Words of the query templates (questions a user asks a memory). */
const TEMPLATE_WORDS = "remind tell say said decided fixed happened last time again know".split(" ");

const TEMPLATES: readonly ((a: string, b: string) => string)[] = [
  (a, b) => `what did we decide about the ${a} and ${b}?`,
  (a) => `remind me what I said about ${a}`,
  (a, b) => `how did we fix the ${a} ${b} last time?`,
  (a) => `do you remember the ${a}?`,
  (a, b) => `when is the ${a} for ${b}?`,
  (a, b) => `${a} ${b}`,
  (a, b) => `what happened with my ${a} and the ${b} again?`,
  (a) => `tell me about ${a}`,
];

const SYLLABLES = (
  "ka lo mi ra te su vo ne pa di sho ru ba zel fin tor vak lem dor is an ul ek om ar " +
  "bri cas dun fel gor hal jin kes lun mar nor pel quin ros sal tam ven wil yor zan"
).split(" ");

/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Corpus = {
  /** Every word any text uses (the tiny model's tokenizer vocabulary). */
  readonly vocabulary: readonly string[];
  /** Content words, most frequent first. */
  readonly contentWords: readonly string[];
  /** The text of message `ordinal` (its role decides questions vs answers). */
  messageText(ordinal: number, role: "user" | "assistant"): string;
  /** `count` varied queries; `fragmentSource(i)` gives texts to quote from (the searched user's messages). */
  queries(count: number, fragmentSource: (i: number) => string): string[];
};

/** The corpus with `vocabularySize` content words (default 3,000). */
export function createCorpus(vocabularySize = 3_000): Corpus {
  const random = prng(20_261_123);
  const generated = new Set<string>();
  const reserved = new Set([...STOP_WORDS, ...COMMON_WORDS, ...TEMPLATE_WORDS]);
  while (COMMON_WORDS.length + generated.size < vocabularySize) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = "";
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    if (!reserved.has(word)) generated.add(word);
  }
  const contentWords = [...new Set(COMMON_WORDS), ...generated];
  // Zipf-Mandelbrot: weight 1 / (rank + 10); cumulative, for sampling by bisection.
  const cumulative = new Float64Array(contentWords.length);
  let total = 0;
  contentWords.forEach((_, rank) => {
    total += 1 / (rank + 10);
    cumulative[rank] = total;
  });
  const zipfWord = (r: () => number): string => {
    const x = r() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return contentWords[lo]!;
  };
  const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

  const sentence = (r: () => number, words: number, question: boolean): string => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) {
      out.push(r() < 0.38 ? pick(r, STOP_WORDS) : zipfWord(r));
      if (i > 2 && i < words - 2 && r() < 0.06) out[out.length - 1] += ",";
    }
    const text = out.join(" ");
    return text.charAt(0).toUpperCase() + text.slice(1) + (question ? "?" : ".");
  };

  return {
    vocabulary: [...new Set([...STOP_WORDS, ...TEMPLATE_WORDS, ...contentWords])],
    contentWords,
    messageText(ordinal, role) {
      const r = prng(Math.imul(ordinal + 1, 2_654_435_761) ^ 0x5bd1e995);
      // A quarter short replies, half a few sentences, a quarter long answers.
      const shape = r();
      const words = shape < 0.25 ? 3 + Math.floor(r() * 8) : shape < 0.75 ? 12 + Math.floor(r() * 30) : 50 + Math.floor(r() * 110);
      const sentences: string[] = [];
      for (let left = words; left > 0; ) {
        const n = Math.min(left, 5 + Math.floor(r() * 14));
        sentences.push(sentence(r, n, role === "user" && r() < 0.3));
        left -= n;
      }
      return sentences.join(" ");
    },
    queries(count, fragmentSource) {
      const r = prng(7_919);
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const kind = i % 3;
        if (kind === 0) {
          out.push(pick(r, TEMPLATES)(zipfWord(r), zipfWord(r)));
        } else if (kind === 1) {
          const n = 2 + Math.floor(r() * 4);
          out.push(Array.from({ length: n }, () => zipfWord(r)).join(" "));
        } else {
          // A few consecutive words of a message: recalling something said.
          const words = fragmentSource(i).replace(/[.,?]/g, "").toLowerCase().split(" ");
          const n = Math.min(words.length, 3 + Math.floor(r() * 5));
          const start = Math.floor(r() * (words.length - n + 1));
          out.push(words.slice(start, start + n).join(" "));
        }
      }
      return out;
    },
  };
}
