/** Kinds of rehydration chunks, in prompt order. */
export const chunkKinds = ["header", "summary", "preference", "context_entry", "relevant_message", "recent_message"] as const;

export type ChunkKindName = (typeof chunkKinds)[number];

/** Items of one kind that a rehydration left out. */
export type OmittedKind = {
  kind: ChunkKindName;
  /** Read, but did not fit. */
  count: number;
  /** Tokens of those items together. */
  tokens: number;
  /** Beyond the per-call limit of the kind: never read, not in count or tokens. */
  notConsidered: number;
};

/**
 * A token budget that items are taken from one at a time. An item is taken
 * only when it fits whole, so the sum taken never exceeds the budget; an item
 * that does not fit is recorded as omitted with its tokens.
 */
export class TokenBudget {
  private usedTokens = 0;
  private readonly omittedByKind = new Map<ChunkKindName, OmittedKind>();

  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedTokens;
  }

  get remaining(): number {
    return this.limit - this.usedTokens;
  }

  /** Takes `tokens` when they fit (true); otherwise records the item as omitted (false). */
  take(kind: ChunkKindName, tokens: number): boolean {
    if (tokens <= this.remaining) {
      this.usedTokens += tokens;
      return true;
    }
    this.omit(kind, tokens);
    return false;
  }

  /** Records an item left out (it was read and counted, but is not sent). */
  omit(kind: ChunkKindName, tokens: number): void {
    const entry = this.entry(kind);
    entry.count += 1;
    entry.tokens += tokens;
  }

  /** Records items of a kind beyond its per-call limit, never read. */
  notConsidered(kind: ChunkKindName, count: number): void {
    if (count > 0) this.entry(kind).notConsidered += count;
  }

  /** What was left out, in prompt order of the kinds. */
  omitted(): OmittedKind[] {
    return chunkKinds.flatMap((kind) => {
      const entry = this.omittedByKind.get(kind);
      return entry ? [{ ...entry }] : [];
    });
  }

  private entry(kind: ChunkKindName): OmittedKind {
    let entry = this.omittedByKind.get(kind);
    if (!entry) {
      entry = { kind, count: 0, tokens: 0, notConsidered: 0 };
      this.omittedByKind.set(kind, entry);
    }
    return entry;
  }
}

/**
 * Packs the recent window: from the newest message back, each is taken while
 * it fits; from the first one that does not fit, it and every older one are
 * omitted, so what is sent is the contiguous end of the conversation.
 * `tokens` is in chronological order; returns the kept flags in that order.
 */
export function packRecentWindow(budget: TokenBudget, tokens: readonly number[]): boolean[] {
  const kept = tokens.map(() => false);
  let stopped = false;
  for (let i = tokens.length - 1; i >= 0; i -= 1) {
    const count = tokens[i]!;
    if (stopped) budget.omit("recent_message", count);
    else if (budget.take("recent_message", count)) kept[i] = true;
    else stopped = true; // take() recorded it as omitted
  }
  return kept;
}
