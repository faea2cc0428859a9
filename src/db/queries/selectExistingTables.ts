import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Which of `names` are tables of the database (on the search path); message_embeddings exists only with pgvector. */
export async function selectExistingTables(db: CommonQueryMethods, names: readonly string[]): Promise<string[]> {
  const rows = await db.any(sql.type(z.object({ name: z.string() }))`
    SELECT name FROM unnest(${sql.array([...names], "text")}) AS name WHERE to_regclass(name) IS NOT NULL
  `);
  return rows.map((row) => row.name);
}
