import pg from "pg";

/**
 * A connected pg client for a test's own statements, with an 'error'
 * listener: without one, a session the server ends (57P01 "terminating
 * connection due to administrator command" when a test file drops its
 * database, or the server restarts) is an uncaught exception that fails
 * whichever test happens to be running. The query in flight, if any, still
 * rejects with the error; an idle client just stops being usable.
 */
export async function connectClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}
