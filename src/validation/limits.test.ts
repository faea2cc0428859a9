import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/loadConfig.js";
import { defaultWaitBackoff } from "../domain/search/waitForEmbeddings.js";
import { repositoryRoot as repoRoot } from "../paths.js";
import { limits } from "./limits.js";

/**
 * The limits are stated in three places besides limits.ts: the proto
 * comments (the documentation polyglot users read), docs/api.md and
 * docs/operations.md. This reads them and checks every number they state
 * against its source, so a limit changed in one place fails here until the
 * others say the same.
 *
 * A rule names where a statement is (a proto field as `file:Message.field`,
 * or a doc file), the statement with each number as a capture group, and
 * the numbers it must hold. In the proto comments, README.md and
 * docs/api.md, every number that looks like a limit ("at most N", "N KiB",
 * "1 to N characters", "0 means N", ...) must be covered by a rule: a new
 * statement fails until a rule checks it. docs/operations.md is full of
 * measurements, so only its rules are checked there.
 */

const config = loadConfig({});
const kib = (bytes: number) => bytes / 1024;
const mib = (bytes: number) => bytes / (1024 * 1024);
const years = (seconds: number) => seconds / (365.25 * 86_400);

type Rule = {
  where: RegExp;
  says: RegExp;
  /** The numbers of the capture groups in order; a number alone is what every group that matched must hold. */
  is: number | readonly number[];
  /** Why a number is checked against a literal rather than a source (it is not an input limit). */
  literal?: string;
};

const pageSizeRules: Rule[] = [
  { where: /\.page_size$/, says: /0 means (?:the default \()?(\d+)/, is: limits.defaultPageSize },
  { where: /\.page_size$/, says: /(?:values above (\d+) are )?capped at (\d+)|\), at most (\d+)\./, is: limits.maxPageSize },
  {
    where: /\.page_size$/,
    says: /LTST_MAX_MESSAGE_BYTES, default (\d+) MiB, less (\d+) KiB kept for the token/,
    is: [mib(config.LTST_MAX_MESSAGE_BYTES), kib(limits.listResponseReservedBytes)],
  },
];

const protoRules: Rule[] = [
  ...pageSizeRules,
  { where: /:(Session\.id|CreateSessionRequest\.user_id)$/, says: /(\d+) to (\d+) characters from/, is: [1, limits.idMaxLength] },
  { where: /\.name$/, says: /At most (\d+) characters/, is: limits.nameMaxLength },
  { where: /^(session|message)\.proto:\w+\.type$/, says: /At most (\d+) characters/, is: limits.typeMaxLength },
  { where: /\.metadata$/, says: /At most (\d+) KiB/, is: kib(limits.metadataMaxBytes) },
  { where: /\.metadata$/, says: /nested at most (\d+) levels/, is: limits.metadataMaxDepth },
  { where: /^context\.proto:\w+\.type$/, says: /(\d+) to (\d+) characters/, is: [1, limits.contextTypeMaxLength] },
  { where: /^context\.proto:\w+\.key$/, says: /(\d+) to (\d+) characters/, is: [1, limits.contextKeyMaxLength] },
  { where: /^context\.proto:\w+\.value$/, says: /At most (\d+) KiB/, is: kib(limits.contextValueMaxBytes) },
  { where: /^context\.proto:\w+\.ttl$/, says: /at most (\d+) years/, is: years(limits.contextMaxTtlSeconds) },
  { where: /^preference\.proto:\w+\.key$/, says: /(\d+) to (\d+) characters/, is: [1, limits.preferenceKeyMaxLength] },
  { where: /^preference\.proto:\w+\.value$/, says: /At most (\d+) KiB/, is: kib(limits.preferenceValueMaxBytes) },
  { where: /^message\.proto:\w+\.content$/, says: /At most (\d+) KiB of UTF-8 \((?:configurable with )?LTST_MAX_CONTENT_BYTES\)/, is: kib(config.LTST_MAX_CONTENT_BYTES) },
  {
    where: /:AppendMessagesRequest\.messages$/,
    says: /(\d+) to (\d+) messages, at most (\d+) MiB of content/,
    is: [1, limits.batchMaxMessages, mib(limits.batchMaxContentBytes)],
  },
  { where: /:AppendMessagesRequest\.idempotency_key$/, says: /At most (\d+) printable ASCII/, is: limits.idempotencyKeyMaxLength },
  { where: /:AppendMessagesRequest\.idempotency_key$/, says: /LTST_IDEMPOTENCY_TTL \(default (\d+) hours\)/, is: config.LTST_IDEMPOTENCY_TTL / 3_600_000 },
  { where: /:AppendMessagesResponse\.summary_due$/, says: /LTST_SUMMARY_EVERY messages \(default (\d+)\)/, is: config.LTST_SUMMARY_EVERY },
  { where: /:ListMessagesRequest\.last_n$/, says: /capped at (\d+)/, is: limits.maxLastN },
  { where: /^summary\.proto:\w+\.content$/, says: /at most (\d+) KiB of UTF-8/i, is: kib(limits.summaryContentMaxBytes) },
  { where: /:RehydrateRequest\.query$/, says: /At most (\d+) KiB of UTF-8|its first (\d+) KiB/, is: kib(limits.searchQueryMaxBytes) },
  { where: /:RehydrateRequest\.token_budget$/, says: /(\d+) to ([\d,]+)\./, is: [1, limits.rehydrateMaxTokenBudget] },
  { where: /:RehydrateRequest\.max_recent_messages$/, says: /0 means (\d+); at most (\d+)/, is: [limits.rehydrateDefaultRecent, limits.rehydrateMaxRecent] },
  {
    where: /:RehydrateRequest\.max_relevant_messages$/,
    says: /0 means (\d+); at most (\d+)/,
    is: [limits.rehydrateDefaultRelevant, limits.rehydrateMaxRelevant],
  },
  {
    where: /:OmittedItems\.not_considered$/,
    says: /at most (\d+) preferences and (\d+) context entries/,
    is: [limits.rehydrateMaxPreferences, limits.rehydrateMaxContextEntries],
  },
  { where: /:RehydrateRequest\.batch_chunks$/, says: /before it would pass (\d+) KiB/, is: kib(limits.rehydrateBatchMaxBytes) },
  { where: /:RehydrateRequest\.batch_chunks$/, says: /a window of (\d+) messages then\s+arrives in one or two stream messages instead of (\d+)/, is: [20, 21], literal: "an example of what batching saves" },
  { where: /:SearchMode\.SEARCH_MODE_LEXICAL$/, says: /\(at most (\d+); words found/, is: limits.lexicalMaxTerms },
  { where: /:SearchMode\.SEARCH_MODE_LEXICAL$/, says: /keeps its (\d+) least common\), and ranks at most the (\d+) most/, is: [limits.lexicalMaxCommonTerms, limits.lexicalMaxRankedCandidates] },
  { where: /:SearchMode\.SEARCH_MODE_LEXICAL$/, says: /A query of at most (\d+) words, none of them/, is: limits.lexicalMaxTerms },
  { where: /:SearchMode\.SEARCH_MODE_LEXICAL$/, says: /first (\d+) characters/, is: limits.lexicalIndexedCharacters },
  { where: /:SearchRequest\.query$/, says: /at most (\d+) KiB/, is: kib(limits.searchQueryMaxBytes) },
  { where: /:SearchRequest\.top_k$/, says: /0 means (\d+); capped at (\d+)/, is: [limits.searchDefaultTopK, limits.searchMaxTopK] },
  { where: /:SearchRequest\.session_ids$/, says: /at most (\d+) ids/, is: limits.searchMaxSessionIds },
  { where: /:SearchRequest\.metadata_filter$/, says: /At most (\d+) KiB/, is: kib(limits.searchFilterMaxBytes) },
  { where: /:SearchRequest\.wait_for_embeddings$/, says: /\((\d+) ms doubling to (\d+) ms\)/, is: [defaultWaitBackoff.firstMs, defaultWaitBackoff.maxMs] },
  // Scales and defaults of values, not input limits.
  { where: /:RehydrateRequest\.min_relevance$/, says: /(\d) to (\d), compared with/, is: [0, 1], literal: "a score's scale" },
  { where: /:SearchHit\.score$/, says: /semantic, (-?\d) to (\d)\).*lexical, (\d) to (\d)\).*at most (\d)\/(\d+)\)/, is: [-1, 1, 0, 1, 2, 61], literal: "scores' scales" },
  { where: /:SearchHit\.(semantic|lexical)_rank$/, says: /from (\d); (\d) if not in it/, is: [1, 0], literal: "ranks count from 1" },
  { where: /:Session\.relevance_score$/, says: /between (\d) and (\d) \(default (\d)\)/, is: [0, 1, 0], literal: "a score's scale" },
  { where: /\.(relevance_score|score|min_score)$/, says: /[Bb]etween (\d) and (\d)/, is: [0, 1], literal: "a score's scale" },
];

const apiDocRules: Rule[] = [
  { where: /api\.md/, says: /before it would pass (\d+) KiB\)/, is: kib(limits.rehydrateBatchMaxBytes) },
  { where: /api\.md/, says: /A batch of up to (\d+) is appended/, is: limits.batchMaxMessages },
  { where: /api\.md/, says: /`LTST_IDEMPOTENCY_TTL` \(default (\d+) h\)/, is: config.LTST_IDEMPOTENCY_TTL / 3_600_000 },
  {
    where: /api\.md/,
    says: /transactions of at most (\d+) messages or idempotency records, or (\d+) sessions/,
    is: [1000, 100],
    literal: "the retention sweeper's batch sizes (src/maintenance/startRetentionSweeper.ts), not input limits",
  },
  {
    where: /api\.md/,
    says: /value \(at most (\d+) KiB of UTF-8\), relevance \((\d) to (\d)\)/,
    is: [kib(limits.contextValueMaxBytes), 0, 1],
  },
  { where: /api\.md/, says: /a `ttl` \(positive, at most (\d+) years\)/, is: years(limits.contextMaxTtlSeconds) },
  {
    where: /api\.md/,
    says: /Types are (\d+) to (\d+) characters of `a-z 0-9 _ \. -`, keys (\d+) to (\d+) characters/,
    is: [1, limits.contextTypeMaxLength, 1, limits.contextKeyMaxLength],
  },
  { where: /api\.md/, says: /with a score \((\d) to (\d)\)/, is: [0, 1], literal: "a score's scale" },
  { where: /api\.md/, says: /`UpdateSummary` \(at most (\d+) KiB of UTF-8/, is: kib(limits.summaryContentMaxBytes) },
  {
    where: /api\.md/,
    says: /replaces the value \(at most (\d+) KiB of UTF-8, without NUL; may be empty\) and metadata of a key \((\d+) to (\d+) characters/,
    is: [kib(limits.preferenceValueMaxBytes), 1, limits.preferenceKeyMaxLength],
  },
  { where: /api\.md/, says: /Ids are (\d+) to (\d+) characters/, is: [1, limits.idMaxLength] },
  {
    where: /api\.md/,
    says: /Names are at most (\d+) characters and types at most (\d+)\. Metadata is at most (\d+) KiB of JSON, nested at most (\d+) levels/,
    is: [limits.nameMaxLength, limits.typeMaxLength, kib(limits.metadataMaxBytes), limits.metadataMaxDepth],
  },
  {
    where: /api\.md/,
    says: /A batch holds at most (\d+) messages and (\d+) MiB of content/,
    is: [limits.batchMaxMessages, mib(limits.batchMaxContentBytes)],
  },
  { where: /api\.md/, says: /`page_size` defaults to (\d+) and is capped at (\d+)/, is: [limits.defaultPageSize, limits.maxPageSize] },
  { where: /api\.md/, says: /`last_n` is capped at (\d+)/, is: limits.maxLastN },
  { where: /api\.md/, says: /\(less (\d+) KiB kept for the token/, is: kib(limits.listResponseReservedBytes) },
  { where: /api\.md/, says: /idempotency key is at most (\d+) printable ASCII/, is: limits.idempotencyKeyMaxLength },
  { where: /api\.md/, says: /the best (\d+) to (\d+) of each/, is: [50, 200], literal: "how many candidates hybrid search fuses (src/domain/search/searchMessages.ts)" },
  {
    where: /api\.md/,
    says: /`top_k` defaults to (\d+) and is capped at (\d+); `min_score` \((\d) to (\d)\)/,
    is: [limits.searchDefaultTopK, limits.searchMaxTopK, 0, 1],
  },
  { where: /api\.md/, says: /a backoff \((\d+) ms doubling to (\d+) ms/, is: [defaultWaitBackoff.firstMs, defaultWaitBackoff.maxMs] },
  {
    where: /api\.md/,
    says: /The query is at most (\d+) KiB, the metadata filter at most (\d+) KiB, and `session_ids` at most (\d+)/,
    is: [kib(limits.searchQueryMaxBytes), kib(limits.searchFilterMaxBytes), limits.searchMaxSessionIds],
  },
  { where: /api\.md/, says: /`token_budget` \((\d+) to ([\d,]+)\)/, is: [1, limits.rehydrateMaxTokenBudget] },
  { where: /api\.md/, says: /`max_recent_messages`, default (\d+), at most (\d+)\)/, is: [limits.rehydrateDefaultRecent, limits.rehydrateMaxRecent] },
  {
    where: /api\.md/,
    says: /`max_relevant_messages`, default (\d+), at most (\d+), -1 for none/,
    is: [limits.rehydrateDefaultRelevant, limits.rehydrateMaxRelevant],
  },
];

const operationsDocRules: Rule[] = [
  {
    where: /operations\.md/,
    says: /`LTST_MAX_CONTENT_BYTES` \| `(\d+)` \| Largest message `content`, in UTF-8 bytes \((\d+) to (\d+), the batch limit\)/,
    is: [config.LTST_MAX_CONTENT_BYTES, 1, limits.batchMaxContentBytes],
  },
  { where: /operations\.md/, says: /`LTST_MAX_MESSAGE_BYTES` \| `(\d+)`/, is: config.LTST_MAX_MESSAGE_BYTES },
  { where: /operations\.md/, says: /a very large append \((\d+) MiB\)/, is: mib(limits.batchMaxContentBytes) },
  {
    where: /operations\.md/,
    says: /list pages stop before it, less (\d+) KiB, and return a `next_page_token`\) \| (\d+) MiB \| `LTST_MAX_MESSAGE_BYTES`/,
    is: [kib(limits.listResponseReservedBytes), mib(config.LTST_MAX_MESSAGE_BYTES)],
  },
  { where: /operations\.md/, says: /every (\d+) ms doubling to (\d+) ms/, is: [defaultWaitBackoff.firstMs, defaultWaitBackoff.maxMs] },
];

/** Numbers that read like a limit; each must sit inside a rule's match. */
const limitLike =
  /\b(?:at most|capped at|means(?: the default)?|defaults? to|default|to|from|up to|between|above)\s*\(?-?\d[\d,]*|-?\d[\d,]*\s*(?:KiB|MiB|characters|levels|messages|ids|years|hits|ms|hours)\b/gi;

type Statement = { where: string; text: string };

/** The comment above each proto declaration, keyed `file:Message.field` (or `file:Enum.VALUE`), its lines joined by spaces. */
function protoComments(): Statement[] {
  const dir = path.join(repoRoot, "proto/ltst/memory/v1");
  const statements: Statement[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".proto")).sort()) {
    const stack: string[] = [];
    let comment: string[] = [];
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      const text = /^\s*\/\/\s?(.*)$/.exec(line);
      if (text) {
        comment.push(text[1]!);
        continue;
      }
      const block = /^\s*(?:message|enum|service)\s+(\w+)/.exec(line);
      const field = /^\s*(?:repeated\s+|optional\s+)?[\w.]+\s+(\w+)\s*=/.exec(line) ?? /^\s*(\w+)\s*=\s*\d+/.exec(line);
      const name = block?.[1] ?? field?.[1];
      if (comment.length > 0 && name) statements.push({ where: `${file}:${[...stack, name].join(".")}`, text: normalise(comment.join(" ")) });
      comment = [];
      if (block && line.includes("{") && !line.includes("}")) stack.push(block[1]!);
      else if (!block && /^\s*}/.test(line)) stack.pop();
    }
  }
  return statements;
}

const normalise = (text: string) => text.replace(/\s+/g, " ").trim();
const doc = (file: string): Statement => ({ where: file, text: normalise(readFileSync(path.join(repoRoot, file), "utf8")) });

/** Disagreements with the rules, and limit-like numbers no rule covers (when `complete`). */
function check(statements: Statement[], rules: Rule[], complete: boolean): { wrong: string[]; unchecked: string[]; unused: Rule[] } {
  const wrong: string[] = [];
  const unchecked: string[] = [];
  const used = new Set<Rule>();
  for (const statement of statements) {
    const covered: [number, number][] = [];
    for (const rule of rules.filter((r) => r.where.test(statement.where))) {
      for (const match of statement.text.matchAll(new RegExp(rule.says.source, rule.says.flags.replace("g", "") + "g"))) {
        used.add(rule);
        covered.push([match.index, match.index + match[0].length]);
        const numbers = match.slice(1).map((group) => (group === undefined ? undefined : Number(group.replaceAll(",", ""))));
        const expected = typeof rule.is === "number" ? numbers.map((n) => (n === undefined ? undefined : rule.is)) : rule.is;
        if (numbers.some((n, i) => n !== expected[i])) {
          wrong.push(`${statement.where}: "${match[0]}" states ${JSON.stringify(numbers.filter((n) => n !== undefined))}, the source says ${JSON.stringify(typeof rule.is === "number" ? rule.is : rule.is)}`);
        }
      }
    }
    if (!complete) continue;
    for (const match of statement.text.matchAll(limitLike)) {
      const [start, end] = [match.index, match.index + match[0].length];
      if (!covered.some(([from, to]) => from <= start && end <= to)) {
        unchecked.push(`${statement.where}: "${statement.text.slice(Math.max(0, start - 40), end + 20)}"`);
      }
    }
  }
  return { wrong, unchecked, unused: rules.filter((rule) => !used.has(rule)) };
}

describe("limits stated in the proto and the docs", () => {
  it("the proto comments state the limits of limits.ts and the configuration defaults, and every limit they state is checked", () => {
    const { wrong, unchecked, unused } = check(protoComments(), protoRules, true);
    expect(wrong).toEqual([]);
    expect(unchecked, "a number in a proto comment that no rule checks: add a rule for it").toEqual([]);
    expect(unused.map((rule) => rule.says.source), "rules matching no statement (the wording changed?)").toEqual([]);
  });

  it("docs/api.md and README.md state the same limits, and every limit they state is checked", () => {
    const { wrong, unchecked, unused } = check([doc("docs/api.md"), doc("README.md")], apiDocRules, true);
    expect(wrong).toEqual([]);
    expect(unchecked, "a number in the docs that no rule checks: add a rule for it").toEqual([]);
    expect(unused.map((rule) => rule.says.source), "rules matching no statement (the wording changed?)").toEqual([]);
  });

  it("docs/operations.md states the same limits and defaults", () => {
    const { wrong, unused } = check([doc("docs/operations.md")], operationsDocRules, false);
    expect(wrong).toEqual([]);
    expect(unused.map((rule) => rule.says.source), "rules matching no statement (the wording changed?)").toEqual([]);
  });

  it("the lexical index covers limits.lexicalIndexedCharacters, as the migration writes it", () => {
    const migration = readFileSync(path.join(repoRoot, "migrations/0002_search.sql"), "utf8");
    const stated = [...migration.matchAll(/left\(content, (\d+)\)|first (\d+) characters/g)].map((m) => Number(m[1] ?? m[2]));
    expect(stated.length).toBeGreaterThan(0);
    expect(stated.every((n) => n === limits.lexicalIndexedCharacters)).toBe(true);
  });

  it("the check itself: a disagreeing number and an unchecked one are both reported", () => {
    const statements = [{ where: "x.proto:Session.name", text: "Human-readable name. At most 300 characters. Up to 7 KiB." }];
    const { wrong, unchecked } = check(statements, protoRules, true);
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toContain("300");
    expect(unchecked).toHaveLength(1);
    expect(unchecked[0]).toContain("7 KiB");
  });
});
