import type { CommonQueryMethods } from "slonik";
import { selectLexemeFrequencies, selectQueryLexemes, type QueryLexemes } from "../../db/queries/selectQueryLexemes.js";
import type { Database } from "../ports/Database.js";
import type { QueryLexeme } from "./chooseSearchTerms.js";

/**
 * How long statistics are kept when the server does not say when the table
 * was last analysed (no ANALYZE count), and at most in any case: the count
 * can move before the analysing transaction has committed its statistics.
 */
export const LEXEME_STATISTICS_MAX_AGE_MS = 5 * 60_000;

/**
 * The planner's statistics of the messages' full-text vectors (which lexemes
 * are common, and about how many messages hold each), kept in memory and
 * read again only after the table has been analysed again. Reading them took
 * about 2 ms a search (the pg_stats view, a thousand array elements); the
 * query's own lexemes still come from the database (the stemmer is
 * PostgreSQL's), in a statement that also returns the table's ANALYZE count.
 *
 * One per database: the statistics are the table's, across all users and
 * tenants, and a search only learns from them which of its own words are
 * rare.
 */
export class LexemeStatistics {
  #version: string | null = null;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #estimates: ReadonlyMap<string, number> = new Map();
  #loading: Promise<void> | null = null;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * The lexemes of `text`, each with about how many messages contain it
   * (null: rarer than the common ones, or no statistics yet); reads the
   * statistics first when the table was analysed since they were read.
   */
  async lexemesOf(connection: CommonQueryMethods, text: string): Promise<QueryLexeme[]> {
    return this.estimate(connection, await selectQueryLexemes(connection, text));
  }

  /**
   * Lexemes the caller already has (with the statistics' version read in the
   * same statement), each with about how many messages contain it.
   */
  async estimate(connection: CommonQueryMethods, { lexemes, statisticsVersion }: QueryLexemes): Promise<QueryLexeme[]> {
    const stale =
      (statisticsVersion !== null && statisticsVersion !== this.#version) ||
      this.#now() - this.#loadedAt > LEXEME_STATISTICS_MAX_AGE_MS;
    if (stale) {
      // Another search reading them: wait for it (its failure, a cancelled
      // call say, is its own: this one goes on with what is held).
      if (this.#loading) await this.#loading.catch(() => undefined);
      else await this.#load(connection, statisticsVersion);
    }
    return lexemes.map((lexeme) => ({ lexeme, estimatedMessages: this.#estimates.get(lexeme) ?? null }));
  }

  /** Reads the statistics, sharing the read with searches that come meanwhile. */
  async #load(connection: CommonQueryMethods, version: string | null): Promise<void> {
    const started = this.#now();
    this.#loading = selectLexemeFrequencies(connection).then((frequencies) => {
      this.#estimates = new Map(frequencies.map((row) => [row.lexeme, row.estimated_messages]));
      this.#version = version;
      this.#loadedAt = started;
    });
    try {
      await this.#loading;
    } finally {
      this.#loading = null;
    }
  }
}

const perDatabase = new WeakMap<Database, LexemeStatistics>();

/** The statistics of this database's messages (one cache per Database). */
export function lexemeStatisticsOf(db: Database): LexemeStatistics {
  let statistics = perDatabase.get(db);
  if (!statistics) perDatabase.set(db, (statistics = new LexemeStatistics()));
  return statistics;
}
