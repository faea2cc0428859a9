import { afterAll, beforeAll, describe } from "vitest";
import { testBackends, type Backend } from "./backends.js";
import { startTestService, type TestService } from "./startTestService.js";

const backends = await testBackends();

/**
 * Declares `fn`'s tests once per backend, each with its own service and fresh
 * database (started before, removed after). A backend that cannot run here is
 * skipped, and testBackends() has printed why.
 */
export function describeEachBackend(
  title: string,
  fn: (service: () => TestService, backend: Backend) => void,
  options: { env?: Record<string, string>; only?: Backend["name"][] } = {},
): void {
  for (const backend of backends) {
    if (options.only && !options.only.includes(backend.name)) continue;
    describe.skipIf(backend.skipReason !== null)(`${title} [${backend.name}]`, () => {
      let service: TestService | undefined;
      beforeAll(async () => {
        service = await startTestService(backend, options.env);
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
