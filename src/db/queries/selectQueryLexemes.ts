import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const queryLexeme = z.object({
  lexeme: z.string(),
  /**
   * About how many messages (all users) contain it, from the planner's
   * statistics: its share in pg_stats.most_common_elems of
   * messages.content_tsv times the table's row estimate. Null when it is not
   * among the most common lexemes (so rarer than all of them), or when the
   * table has no statistics yet (never analysed; on Citus the coordinator's
   * table holds none).
   */
  estimated_messages: z.number().nullable(),
});

export type QueryLexeme = z.infer<typeof queryLexeme>;

/**
 * The English lexemes of `text` (stemmed, stop words dropped, as the
 * content_tsv column indexes them), each with about how many messages
 * contain it. Only the catalog's statistics are read (no message), so this
 * costs the same at any history size; lexical search uses it to keep the
 * query's most selective words.
 */
export async function selectQueryLexemes(db: CommonQueryMethods, text: string): Promise<readonly QueryLexeme[]> {
  return db.any(sql.type(queryLexeme)`
    SELECT l.lexeme, s.frequency * greatest(s.reltuples, 0) AS estimated_messages
    FROM unnest(tsvector_to_array(to_tsvector('english'::regconfig, ${text}))) AS l(lexeme)
    LEFT JOIN (
      SELECT e.lexeme, e.frequency::float8 AS frequency, c.reltuples::float8 AS reltuples
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_stats p ON p.schemaname = n.nspname AND p.tablename = c.relname AND p.attname = 'content_tsv',
           unnest(p.most_common_elems::text::text[], p.most_common_elem_freqs) AS e(lexeme, frequency)
      WHERE c.oid = 'messages'::regclass
    ) s ON s.lexeme = l.lexeme
  `);
}
