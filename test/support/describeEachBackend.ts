import { afterAll, beforeAll, describe } from "vitest";
import type { Clock } from "../../src/domain/clock.js";
import { testBackends, type Backend } from "./backends.js";
import { startTestService, type TestService } from "./startTestService.js";

const allBackends = await testBackends({ optIn: true });
/** The backends every test file runs on (not the opt-in ones). */
const backends = allBackends.filter((backend) => !backend.optIn);

/**
 * Declares `fn`'s tests once per backend, each with its own service and fresh
 * database (started before, removed after). A backend that cannot run here is
 * skipped, and testBackends() has printed why. Opt-in backends (a PostgreSQL
 * without pgvector) run only when named in `also`.
 */
export function describeEachBackend(
  title: string,
  fn: (service: () => TestService, backend: Backend) => void,
  options: { env?: Record<string, string>; only?: Backend["name"][]; also?: Backend["name"][]; clock?: Clock } = {},
): void {
  for (const backend of allBackends) {
    if (backend.optIn && !options.also?.includes(backend.name)) continue;
    if (options.only && !options.only.includes(backend.name)) continue;
    describe.skipIf(backend.skipReason !== null)(`${title} [${backend.name}]`, () => {
      let service: TestService | undefined;
      beforeAll(async () => {
        service = await startTestService(backend, options.env, options.clock ? { clock: options.clock } : {});
      });
      afterAll(async () => {
        await service?.cleanup();
      });
      fn(() => {
        if (!service) throw new Error("service not started");
        return service;
      }, backend);
    });
  }
}

export { backends };
