import { limits } from "../../validation/limits.js";

/** A lexeme of a query, and about how many messages (all users) contain it: null when rarer than the common ones the statistics list, or when there are no statistics. */
export type QueryLexeme = { lexeme: string; estimatedMessages: number | null };

/** How many of a query's selective lexemes lexical search matches and ranks with. */
export const MAX_SEARCH_TERMS = limits.lexicalMaxTerms;

/** How many lexemes a query of only common words keeps (the cost of ts_rank_cd grows with their matches). */
export const MAX_COMMON_SEARCH_TERMS = limits.lexicalMaxCommonTerms;

/**
 * How many candidate messages lexical search ranks at most (the most recent
 * of those that match), unless more hits are asked for; a lexeme found in
 * more messages than are ranked, by the statistics, is common and left out
 * while rarer ones exist.
 */
export const MAX_RANKED_CANDIDATES = limits.lexicalMaxRankedCandidates;

/**
 * The lexemes lexical search uses for a query: its selective ones (those
 * the statistics put in at most `maxCandidates` messages, or do not
 * list among the most common), rarest first, at most MAX_SEARCH_TERMS. A
 * query of only common words keeps its MAX_COMMON_SEARCH_TERMS least common
 * ones (the ranked candidates are then the newest that match). Ties go to the
 * longer lexeme (without statistics, the better guess at a rare word), then
 * to the alphabetical order, so the choice is the same on every call.
 *
 * Why: the query used to be an OR of every word, and a long message (the
 * default Rehydrate query) then matched nearly every message of the user,
 * each one ranked by ts_rank_cd, whose cost grows with the query's length:
 * work that grew with the history. A rare word says more about which
 * message is meant than a common one; common words only add matches.
 */
export function chooseSearchTerms(lexemes: readonly QueryLexeme[], maxCandidates: number = MAX_RANKED_CANDIDATES): string[] {
  const estimate = (lexeme: QueryLexeme) => lexeme.estimatedMessages ?? 0;
  const ordered = [...new Map(lexemes.map((lexeme) => [lexeme.lexeme, lexeme])).values()].sort(
    (a, b) =>
      estimate(a) - estimate(b) ||
      b.lexeme.length - a.lexeme.length ||
      (a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0),
  );
  const selective = ordered.filter((lexeme) => estimate(lexeme) <= maxCandidates);
  const chosen = selective.length > 0 ? selective.slice(0, MAX_SEARCH_TERMS) : ordered.slice(0, MAX_COMMON_SEARCH_TERMS);
  return chosen.map((lexeme) => lexeme.lexeme);
}
