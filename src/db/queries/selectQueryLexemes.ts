import { sql, type CommonQueryMethods, type FragmentSqlToken } from "slonik";
import { z } from "zod";

const queryLexemes = z.object({
  lexemes: z.array(z.string()),
  statistics_version: z.string().nullable(),
});

/** A text's lexemes, and the version of the statistics when they were read (null: unknown). */
export type QueryLexemes = { lexemes: readonly string[]; statisticsVersion: string | null };

const lexemeFrequency = z.object({
  lexeme: z.string(),
  estimated_messages: z.number(),
});

/** A lexeme of messages.content_tsv's statistics, and about how many messages (all users) contain it. */
export type LexemeFrequency = z.infer<typeof lexemeFrequency>;

/**
 * Which analysis of the messages table the planner's statistics come from:
 * the count of ANALYZE runs on it, manual and automatic, as text. (Not on
 * Citus: the regclass would name the coordinator's table in a statement
 * shipped to a worker; there the coordinator holds no statistics anyway.)
 */
export const statisticsVersion: FragmentSqlToken = sql.fragment`
  (pg_stat_get_analyze_count('messages'::regclass) + pg_stat_get_autoanalyze_count('messages'::regclass))::text
`;

/**
 * The English lexemes of `text` (stemmed, stop words dropped, as the
 * content_tsv column indexes them), and the statistics' version
 * (statisticsVersion; null where the server keeps no count), so that a
 * caller that holds the statistics (selectLexemeFrequencies) knows when to
 * read them again. No message is read: the cost is the same at any
 * history size.
 */
export async function selectQueryLexemes(db: CommonQueryMethods, text: string): Promise<QueryLexemes> {
  const row = await db.one(sql.type(queryLexemes)`
    SELECT tsvector_to_array(to_tsvector('english'::regconfig, ${text})) AS lexemes,
           ${statisticsVersion} AS statistics_version
  `);
  return { lexemes: row.lexemes, statisticsVersion: row.statistics_version };
}

/**
 * The most common lexemes of messages.content_tsv (pg_stats.most_common_elems,
 * a few hundred to a thousand, by the column's statistics target), each with
 * about how many messages (all users) contain it: its share times the
 * table's row estimate. Empty when the table has no statistics yet (never
 * analysed; on Citus the coordinator's table holds none). A lexeme not
 * listed is rarer than all of these.
 */
export async function selectLexemeFrequencies(db: CommonQueryMethods): Promise<readonly LexemeFrequency[]> {
  return db.any(sql.type(lexemeFrequency)`
    SELECT e.lexeme, e.frequency::float8 * greatest(c.reltuples::float8, 0) AS estimated_messages
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_stats p ON p.schemaname = n.nspname AND p.tablename = c.relname AND p.attname = 'content_tsv',
         unnest(p.most_common_elems::text::text[], p.most_common_elem_freqs) AS e(lexeme, frequency)
    -- most_common_elem_freqs ends with three more numbers (the least and
    -- greatest frequency, and that of nulls), which pair with no lexeme.
    WHERE c.oid = 'messages'::regclass AND e.lexeme IS NOT NULL
  `);
}
