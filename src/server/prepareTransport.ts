import type { ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ConfigError, type Config } from "../config/loadConfig.js";
import { checkExposure } from "./checkExposure.js";
import { createServerCredentials } from "./createServerCredentials.js";

/**
 * Decides whether the server may listen where it is configured to
 * (checkExposure; a refusal is a ConfigError on LTST_GRPC_ADDRESS, one line)
 * and builds its credentials (createServerCredentials). Runs before anything
 * is opened, so a refused or misconfigured start leaves nothing behind.
 *
 * `authConfigured`: whether calls must carry credentials (API keys exist,
 * JWT verification is configured, or client certificates map to identities).
 */
export function prepareTransport(config: Config, logger: Logger, authConfigured: boolean): ServerCredentials {
  const tls =
    config.LTST_TLS_CERT_FILE !== undefined && config.LTST_TLS_KEY_FILE !== undefined
      ? {
          certFile: config.LTST_TLS_CERT_FILE,
          keyFile: config.LTST_TLS_KEY_FILE,
          clientCaFile: config.LTST_TLS_CLIENT_CA_FILE,
          reloadIntervalMs: config.LTST_TLS_RELOAD_INTERVAL_MS,
        }
      : null;
  const decision = checkExposure({
    address: config.LTST_GRPC_ADDRESS,
    tlsConfigured: tls !== null,
    authConfigured,
    insecure: config.LTST_INSECURE,
  });
  if (!decision.start) throw new ConfigError([{ variable: "LTST_GRPC_ADDRESS", message: decision.message }]);
  if (decision.log) logger[decision.log.level](decision.log.message);
  const credentials = createServerCredentials(tls, (level, message, fields) => logger[level]({ component: "tls", ...fields }, message));
  if (tls) logger.info({ mutualTls: tls.clientCaFile !== undefined, reloadIntervalMs: tls.reloadIntervalMs }, "serving TLS");
  return credentials;
}
