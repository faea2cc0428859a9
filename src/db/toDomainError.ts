import { ConflictError, DuplicateKeyError } from "../domain/errors.js";

/**
 * The one place where an error the database raised becomes a domain error,
 * when its SQLSTATE says what it means whatever the statement: a unique
 * violation (23505) is a DuplicateKeyError, a deadlock (40P01) or a
 * serialization failure (40001) a ConflictError. Anything else is returned
 * as it is (INTERNAL). A constraint a domain function expects (say, a foreign
 * key meaning "the session is gone") it catches itself, inside its routine,
 * before this runs. The original error is kept as the cause, for the log.
 */
export function toDomainError(error: unknown): unknown {
  const state = sqlState(error);
  if (state === "23505") return new DuplicateKeyError({ cause: error });
  if (state === "40P01" || state === "40001") return new ConflictError({ cause: error });
  return error;
}

/** The PostgreSQL SQLSTATE of an error or of one of its causes (slonik wraps the driver's error). */
function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
