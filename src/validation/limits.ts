/**
 * Size limits of every input, in one place. The proto comments and the docs
 * state the same numbers; src/validation/limits.test.ts reads them and fails
 * when one disagrees with this, so change a limit here and there together.
 */
export const limits = {
  idMaxLength: 128,
  nameMaxLength: 200,
  typeMaxLength: 64,
  metadataMaxBytes: 16 * 1024,
  metadataMaxDepth: 16,
  batchMaxMessages: 100,
  batchMaxContentBytes: 1024 * 1024,
  summaryContentMaxBytes: 64 * 1024,
  idempotencyKeyMaxLength: 128,
  pageTokenMaxLength: 1024,
  defaultPageSize: 50,
  maxPageSize: 1000,
  maxLastN: 1000,
  searchQueryMaxBytes: 4 * 1024,
  searchDefaultTopK: 10,
  searchMaxTopK: 100,
  searchMaxSessionIds: 100,
  searchFilterMaxBytes: 4 * 1024,
  /** Context entries: type (pattern contextTypePattern), key, value; metadata uses metadataMaxBytes. */
  contextTypeMaxLength: 64,
  contextKeyMaxLength: 256,
  contextValueMaxBytes: 16 * 1024,
  /** Longest context entry TTL: 10 years of 365.25 days. */
  contextMaxTtlSeconds: 10 * 36525 * 864,
  /** Preferences: key in characters (code points), value in UTF-8 bytes; metadata uses metadataMaxBytes. */
  preferenceKeyMaxLength: 256,
  preferenceValueMaxBytes: 16 * 1024,
  /** Rehydrate: token_budget, the recent window and relevant messages (0 means the default). */
  rehydrateMaxTokenBudget: 1_000_000,
  rehydrateDefaultRecent: 5,
  rehydrateMaxRecent: 200,
  rehydrateDefaultRelevant: 5,
  rehydrateMaxRelevant: 50,
  /** Preferences and context entries one Rehydrate call reads, at most (more are reported as not considered). */
  rehydrateMaxPreferences: 100,
  rehydrateMaxContextEntries: 100,
  /**
   * google.protobuf.Timestamp's documented range (0001-01-01T00:00:00Z to
   * 9999-12-31T23:59:59.999999999Z), in seconds since the epoch: checked on
   * every decoded request, and the earliest instant a page cursor may hold
   * (JavaScript takes year 0, PostgreSQL refuses it).
   */
  timestampMinSeconds: -62_135_596_800,
  timestampMaxSeconds: 253_402_300_799,
  /**
   * Bytes of a list response kept free of items, for the next_page_token
   * (a token is at most pageTokenMaxLength characters) with ample margin.
   */
  listResponseReservedBytes: 16 * 1024,
  /** Characters of a message the lexical (full-text) index covers: `left(content, N)` in migrations/0002_search.sql. */
  lexicalIndexedCharacters: 131_072,
  /** Most of a query's selective words lexical search matches with (src/domain/search/chooseSearchTerms.ts). */
  lexicalMaxTerms: 16,
  /** Words a query of only common words keeps: the cost of ranking grows with their matches. */
  lexicalMaxCommonTerms: 8,
  /** Most candidate messages lexical search ranks (the newest that match), unless top_k asks for more. */
  lexicalMaxRankedCandidates: 50,
  /** Most bytes of chunks in one batched Rehydrate response (batch_chunks), unless the server's LTST_MAX_MESSAGE_BYTES is lower. */
  rehydrateBatchMaxBytes: 256 * 1024,
} as const;

/** Context entry types: lowercase letters, digits and `_ . -`. */
export const contextTypePattern = /^[a-z0-9_.-]+$/;

/** Ids: letters, digits and `. _ : @ + -`, starting with a letter or digit. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/;

/** Whether `value` is a well-formed id: the pattern, within idMaxLength. */
export const isId = (value: string): boolean => value.length <= limits.idMaxLength && idPattern.test(value);

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
