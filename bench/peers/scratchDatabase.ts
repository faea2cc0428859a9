import pg from "pg";

/**
 * Creates the benchmark's own database `name` on the server of `databaseUrl`
 * (dropped first when an earlier run left it), and returns its URL. The
 * role needs CREATEDB. Everything the benchmark stores goes there, so the
 * databases that tests use are not touched and nothing is left to clean.
 */
export async function scratchDatabase(databaseUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
