import * as grpc from "@grpc/grpc-js";
import { PreferenceServiceClient } from "../../gen/ts/ltst/memory/v1/preference.js";
import { callUnary } from "./clients.js";

/** Promisified PreferenceService client; close() when done. */
export function createPreferenceClients(address: string) {
  const client = new PreferenceServiceClient(address, grpc.credentials.createInsecure());
  return {
    set: (request: Parameters<typeof client.setPreference>[0], options?: Partial<grpc.CallOptions>) =>
      callUnary(client, client.setPreference, request, options),
    get: (request: Parameters<typeof client.getPreference>[0], options?: Partial<grpc.CallOptions>) =>
      callUnary(client, client.getPreference, request, options),
    list: (request: Parameters<typeof client.listPreferences>[0], options?: Partial<grpc.CallOptions>) =>
      callUnary(client, client.listPreferences, request, options),
    delete: (request: Parameters<typeof client.deletePreference>[0], options?: Partial<grpc.CallOptions>) =>
      callUnary(client, client.deletePreference, request, options),
    close: () => client.close(),
  };
}

export type PreferenceClients = ReturnType<typeof createPreferenceClients>;
