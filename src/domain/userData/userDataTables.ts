/**
 * Every table that holds rows of a user (a user_id column), and what an
 * erasure does with it. test/api/userData.test.ts lists the tables
 * with a user_id column in the database and fails on any that is in neither
 * list: a new table keyed by user must be added here.
 *
 * Erased in this order, children before parents: the embedding queue first,
 * so that an embedding worker completing a batch it claimed for the user
 * either finishes before the erasure reads the embeddings (which it then
 * deletes) or finds its queue rows gone and writes nothing (storeEmbeddings
 * writes only the rows whose claim it removes from the queue).
 */
export const erasedTables = [
  "message_embedding_queue",
  "message_embeddings",
  "message_append_requests",
  "context_entries",
  "session_relationships",
  "session_summaries",
  "messages",
  "sessions",
  "user_preferences",
] as const;

export type ErasedTable = (typeof erasedTables)[number];

/** Tables with a user_id column that an erasure keeps, and why. */
export const keptTables: Readonly<Record<string, string>> = {
  api_keys:
    "credentials, not memory: a key restricted to the user keeps working for them (the same user id may store data again); revoke it with `ltst keys revoke`",
  user_erasures: "the audit trail of erasures itself: who asked, when, and counts, without content",
};
