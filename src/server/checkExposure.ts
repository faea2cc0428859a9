import { isLoopbackAddress } from "./isLoopbackAddress.js";

export type ExposureDecision =
  | { readonly start: true; readonly log: { readonly level: "info" | "warn"; readonly message: string } | null }
  | { readonly start: false; readonly message: string };

/**
 * Whether the server may start on `address` (HOST:PORT) as configured.
 *
 * - On a loopback address (127.0.0.0/8, ::1, localhost) only processes of
 *   this machine can connect: without authentication the server runs open,
 *   and says so in one line.
 * - On any other address it needs TLS and authentication, unless
 *   LTST_INSECURE=true says explicitly that something else protects it (a
 *   private network, a TLS-terminating proxy); the refusal is one line naming
 *   the variables that would fix it.
 *
 * `authConfigured`: API keys exist, JWT verification is configured, or
 * client certificates map to identities (mutual TLS).
 */
export function checkExposure(input: {
  address: string;
  tlsConfigured: boolean;
  authConfigured: boolean;
  insecure: boolean;
}): ExposureDecision {
  const { address, tlsConfigured, authConfigured, insecure } = input;
  // The same test that lets the authenticator run calls open (one definition of loopback).
  if (isLoopbackAddress(address)) {
    if (authConfigured) return { start: true, log: null };
    return {
      start: true,
      log: {
        level: "warn",
        message: `serving without authentication on loopback address ${address}: any local process can read and change every user's data (configure API keys, JWT or mutual TLS to require credentials)`,
      },
    };
  }
  if (tlsConfigured && authConfigured) return { start: true, log: null };
  const missing = [
    ...(tlsConfigured ? [] : ["TLS (LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE)"]),
    ...(authConfigured ? [] : ["authentication (API keys, JWT, or LTST_TLS_CLIENT_CA_FILE with LTST_TLS_CLIENT_IDENTITIES)"]),
  ].join(" and ");
  if (insecure) {
    return {
      start: true,
      log: { level: "warn", message: `LTST_INSECURE=true: serving on non-loopback address ${address} without ${missing}` },
    };
  }
  return {
    start: false,
    message: `refusing to serve on non-loopback address ${address} without ${missing}; configure them, bind LTST_GRPC_ADDRESS to 127.0.0.1, or set LTST_INSECURE=true to serve anyway`,
  };
}
