import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/**
 * VACUUM (ANALYZE) of one table of the public schema. VACUUM cannot run in a
 * transaction: pass a pool (each pool.query runs on its own), not a transaction.
 */
export async function vacuumTable(db: CommonQueryMethods, tableName: string): Promise<void> {
  await db.query(sql.type(noRows)`VACUUM (ANALYZE) ${sql.identifier(["public", tableName])}`);
}
