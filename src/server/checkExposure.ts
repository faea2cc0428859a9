import { isIP } from "node:net";

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
  if (isLoopback(hostOf(address))) {
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

/** The host of HOST:PORT or [IPV6]:PORT, without brackets. */
function hostOf(address: string): string {
  const colon = address.lastIndexOf(":");
  const host = colon === -1 ? address : address.slice(0, colon);
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === "localhost") return true;
  const v4 = lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
  if (isIP(v4) === 4) return v4.split(".")[0] === "127";
  if (isIP(lower) === 6) return expandsToLoopback(lower);
  return false;
}

/** ::1 in any spelling (0:0:0:0:0:0:0:1, ::0001). */
function expandsToLoopback(ipv6: string): boolean {
  const [head = "", tail = ""] = ipv6.includes("::") ? ipv6.split("::") : [ipv6, ""];
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
  const groups = [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.slice(0, 7).every((value) => value === 0) && groups[7] === 1;
}
