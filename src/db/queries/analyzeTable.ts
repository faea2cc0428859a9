import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/** ANALYZE of one table of the public schema: fresh planner statistics. */
export async function analyzeTable(db: CommonQueryMethods, tableName: string): Promise<void> {
  await db.query(sql.type(noRows)`ANALYZE ${sql.identifier(["public", tableName])}`);
}
