import * as grpc from "@grpc/grpc-js";
import type { Role } from "../../src/auth/Principal.js";
import { issueApiKey } from "../../src/auth/issueApiKey.js";
import { createMemoryClient } from "../../src/client/createMemoryClient.js";
import { createApiKeyStore } from "../../src/db/createApiKeyStore.js";
import type { TestService } from "./startTestService.js";
import { waitFor } from "./waitFor.js";

/**
 * Issues an API key per requested role of `tenantId` on the service's
 * database, and returns them once the service requires keys: each replica
 * notices the first key within LTST_AUTH_CACHE_TTL_MS (it may have counted
 * none at start), so this polls, until a deadline, until a call without a
 * key is UNAUTHENTICATED. `credentials`: how to reach the service (TLS or not).
 */
export async function issueTestKeys<R extends Role>(
  service: TestService,
  tenantId: string,
  roles: readonly R[],
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): Promise<Record<R, string>> {
  const store = createApiKeyStore(service.service.db);
  const keys = {} as Record<R, string>;
  for (const role of roles) keys[role] = (await issueApiKey(store, { tenantId, role, userId: null, name: `test ${role}` })).key;
  const client = createMemoryClient({ address: `127.0.0.1:${service.service.port}`, credentials, defaultDeadlineMs: 5_000 });
  try {
    let code = grpc.status.OK;
    await waitFor(
      async () => {
        code = await client.sessions.getSession({ userId: "nobody", sessionId: "none" }).then(
          () => grpc.status.OK,
          (error: grpc.ServiceError) => error.code,
        );
        return code === grpc.status.UNAUTHENTICATED;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: () => `a call without a key to be refused (it still answers ${grpc.status[code]})` },
    );
    return keys;
  } finally {
    client.close();
  }
}
