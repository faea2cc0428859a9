import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/**
 * Lifts the pool's statement timeout for the rest of the transaction (SET
 * LOCAL): for statements whose work grows with a user's data (an erasure
 * deletes every row of the user), bounded by the call's deadline instead,
 * which cancels the statement when it passes.
 */
export async function liftStatementTimeout(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.type(noRows)`SET LOCAL statement_timeout = 0`);
}
