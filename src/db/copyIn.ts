import type pg from "pg";

/**
 * `COPY ... FROM STDIN` with node-postgres and no extra package: a
 * submittable query that answers the server's CopyInResponse with the given
 * chunks (COPY text format), then CopyDone. What pg-copy-streams does,
 * without the stream plumbing that whole in-memory batches do not need.
 * PostgreSQL only: pglite-socket does not relay COPY FROM STDIN.
 */
export function copyIn(client: pg.Client, statement: string, chunks: Iterable<Buffer>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | undefined;
    const submittable = {
      text: statement,
      submit(connection: { query(text: string): void }) {
        connection.query(statement);
      },
      handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }) {
        for (const chunk of chunks) connection.sendCopyFromChunk(chunk);
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleError(error: Error) {
        failed = error;
      },
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve();
      },
    };
    client.query(submittable as never);
  });
}
