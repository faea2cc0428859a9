import { z } from "zod";
import { loadClientIdentities } from "./loadClientIdentities.js";

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = (defaultValue: "true" | "false") =>
  z.enum(["true", "false"]).default(defaultValue).transform((value) => value === "true");

/**
 * The transport-security and HTTP/2 entries of the configuration (issue 10,
 * parts 4 to 6), spread into loadConfig's schema. Cross-field rules are in
 * refineSecurityConfig below.
 */
export const securityConfigShape = {
  // Server certificate chain and private key (PEM). Both or neither; set: the server speaks only TLS.
  LTST_TLS_CERT_FILE: z.string().min(1).optional(),
  LTST_TLS_KEY_FILE: z.string().min(1).optional(),
  // CA bundle (PEM) for client certificates; set: mutual TLS, every client must present a certificate it signed.
  LTST_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  // How often the three files above are read again (a renewed certificate is served without a restart).
  LTST_TLS_RELOAD_INTERVAL_MS: positiveInt(1_000, 86_400_000).default(60_000),
  // JSON file mapping client-certificate subjects to tenant, role and user (read and validated at start-up).
  LTST_TLS_CLIENT_IDENTITIES: z
    .string()
    .min(1)
    .transform((file, context) => {
      const loaded = loadClientIdentities(file);
      if ("identities" in loaded) return loaded.identities;
      context.addIssue({ code: "custom", message: loaded.problem });
      return z.NEVER;
    })
    .optional(),
  // Explicitly allow plaintext or unauthenticated serving on a non-loopback address.
  LTST_INSECURE: flag("false"),
  // Server reflection (grpcurl, buf curl); false: not registered.
  LTST_REFLECTION: flag("true"),
  // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: calls at once on one connection.
  LTST_GRPC_MAX_CONCURRENT_STREAMS: positiveInt(1, 1_000_000).default(100),
  // A connection without calls for this long gets GOAWAY (clients reconnect on demand).
  LTST_GRPC_MAX_CONNECTION_IDLE_MS: positiveInt(1_000, 2_147_483_647).default(300_000),
  // A connection older than this gets GOAWAY, so that clients spread over new replicas.
  LTST_GRPC_MAX_CONNECTION_AGE_MS: positiveInt(1_000, 2_147_483_647).default(3_600_000),
  // After that GOAWAY, calls still open get this long before the connection is closed.
  LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS: positiveInt(0, 2_147_483_647).default(300_000),
};

type SecurityConfig = {
  LTST_TLS_CERT_FILE?: string | undefined;
  LTST_TLS_KEY_FILE?: string | undefined;
  LTST_TLS_CLIENT_CA_FILE?: string | undefined;
  LTST_TLS_CLIENT_IDENTITIES?: unknown;
};

/** Rules across the entries above; issues name the variable at fault. */
export function refineSecurityConfig(config: SecurityConfig, context: z.RefinementCtx): void {
  if ((config.LTST_TLS_CERT_FILE === undefined) !== (config.LTST_TLS_KEY_FILE === undefined)) {
    const missing = config.LTST_TLS_CERT_FILE === undefined ? "LTST_TLS_CERT_FILE" : "LTST_TLS_KEY_FILE";
    context.addIssue({
      code: "custom",
      path: [missing],
      message: "LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE are set together (the certificate and its private key)",
    });
  }
  if (config.LTST_TLS_CLIENT_CA_FILE !== undefined && config.LTST_TLS_CERT_FILE === undefined) {
    context.addIssue({
      code: "custom",
      path: ["LTST_TLS_CLIENT_CA_FILE"],
      message: "mutual TLS needs server TLS too: set LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE",
    });
  }
  if (config.LTST_TLS_CLIENT_IDENTITIES !== undefined && config.LTST_TLS_CLIENT_CA_FILE === undefined) {
    context.addIssue({
      code: "custom",
      path: ["LTST_TLS_CLIENT_IDENTITIES"],
      message: "client-certificate identities need mutual TLS: set LTST_TLS_CLIENT_CA_FILE",
    });
  }
}
