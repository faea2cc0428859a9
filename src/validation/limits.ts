/** Size limits of every input. The proto comments state the same numbers. */
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
} as const;

/** Context entry types: lowercase letters, digits and `_ . -`. */
export const contextTypePattern = /^[a-z0-9_.-]+$/;

/** Ids: letters, digits and `. _ : @ + -`, starting with a letter or digit. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/;

/** Whether `value` is a well-formed id: the pattern, within idMaxLength. */
export const isId = (value: string): boolean => value.length <= limits.idMaxLength && idPattern.test(value);

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
