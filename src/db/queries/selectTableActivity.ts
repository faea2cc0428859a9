import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const tableActivity = z.object({
  table_name: z.string(),
  reltuples: z.number(),
  n_dead_tup: z.number(),
  n_mod_since_analyze: z.number(),
  n_ins_since_vacuum: z.number(),
});

export type TableActivity = z.infer<typeof tableActivity>;

/** Row estimates and the change counters autovacuum decides on, for the tables of the public schema. */
export async function selectTableActivity(db: CommonQueryMethods): Promise<readonly TableActivity[]> {
  return db.any(sql.type(tableActivity)`
    SELECT s.relname::text AS table_name, greatest(c.reltuples, 0)::float8 AS reltuples,
           s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = 'public'
  `);
}
