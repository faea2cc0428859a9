import type { RunningService } from "../../src/server/startService.js";
import { waitFor, type WaitForOptions } from "./waitFor.js";

/**
 * Waits until exactly `count` calls are being handled by the service (its
 * callsInFlight hook): 0 once every call, cancelled ones included, has
 * finished on the server; n once n calls have reached their handlers.
 */
export async function waitForCallsInFlight(
  service: Pick<RunningService, "callsInFlight">,
  count: number,
  options: WaitForOptions = {},
): Promise<void> {
  await waitFor(() => service.callsInFlight() === count, {
    message: () => `${count} call(s) in flight on the server (last seen: ${service.callsInFlight()})`,
    ...options,
  });
}
