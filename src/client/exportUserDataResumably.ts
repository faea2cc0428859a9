import { status, type ServiceError } from "@grpc/grpc-js";
import type { ExportUserDataResponse } from "../../gen/ts/ltst/memory/v1/user_data.js";
import type { MemoryClient } from "./createMemoryClient.js";

export type ResumableExportOptions = {
  /** Where to start: the cursor of a record of an earlier export ("" or absent: the beginning). */
  cursor?: string;
  /**
   * Deadline of each call, in milliseconds. The server caps it at its
   * LTST_MAX_DEADLINE_MS (5 minutes by default); an export that outlasts a
   * call continues in the next one. Default 300 000.
   */
  callDeadlineMs?: number;
  /** Calls in a row that may fail without a record before the error is thrown. Default 5. */
  maxRetries?: number;
  /** Told each time the export continues in a new call, with the cursor it continues from. */
  onResume?: (cursor: string, error: ServiceError) => void;
  /** Aborting it cancels the export. */
  signal?: AbortSignal;
};

const resumable = new Set<number>([status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);

/**
 * Every record of a user's export (UserDataService.ExportUserData), across
 * as many calls as it takes: when a call ends with DEADLINE_EXCEEDED (the
 * server's deadline cap) or UNAVAILABLE (a restart, a lost connection), the
 * next call continues right after the last record received, with its
 * cursor, so no record is missed or repeated. Other errors are thrown.
 */
export async function* exportUserDataResumably(
  client: MemoryClient,
  userId: string,
  options: ResumableExportOptions = {},
): AsyncGenerator<ExportUserDataResponse, void, undefined> {
  let cursor = options.cursor ?? "";
  let failures = 0;
  for (;;) {
    try {
      const call = client.userData.exportUserData(
        { userId, cursor },
        { deadline: Date.now() + (options.callDeadlineMs ?? 300_000), ...(options.signal ? { signal: options.signal } : {}) },
      );
      for await (const record of call) {
        cursor = record.cursor;
        failures = 0;
        yield record;
      }
      return;
    } catch (error) {
      const code = (error as Partial<ServiceError>).code;
      if (code === undefined || !resumable.has(code) || options.signal?.aborted) throw error;
      failures += 1;
      if (failures > (options.maxRetries ?? 5)) throw error;
      options.onResume?.(cursor, error as ServiceError);
      // A call that failed at once (server restarting) is retried after a short, growing pause.
      if (failures > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** failures)));
    }
  }
}
