import type { Metadata } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { UnauthenticatedError } from "../domain/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "./ApiKeyStore.js";
import { apiKeyMatches, parseApiKey } from "./apiKeyFormat.js";
import type { JwtVerifier } from "./createJwtVerifier.js";
import { openPrincipal, type Principal } from "./Principal.js";

export type Authenticator = {
  /** The principal of a call, from its `authorization` metadata or client certificate; UnauthenticatedError otherwise. */
  authenticate(input: { metadata: Metadata; peerCertificate: PeerCertificate | null }): Promise<Principal>;
  /** Whether calls without credentials are refused now (false: the server runs open). */
  credentialsRequired(): Promise<boolean>;
};

export type AuthenticatorOptions = {
  keys: ApiKeyStore;
  /** How long a key looked up (or found missing) and the active-key count are trusted: revocation takes effect within this. */
  cacheTtlMs: number;
  jwt: JwtVerifier | null;
  /** Maps a verified client certificate to a principal (mutual TLS), or null when it maps to none. */
  certificates: ((certificate: PeerCertificate) => Principal | null) | null;
  /** Whether calls without credentials run open while nothing is configured (loopback address, no keys, no JWT, no mTLS). */
  openWhenUnconfigured: boolean;
  now?: () => number;
};

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const maxCachedKeys = 10_000;

/**
 * Authentication: API keys (`authorization: Bearer ltst_<id>_<secret>`),
 * end-user JWTs (`Bearer <jwt>`) and client certificates under mutual TLS.
 * Keys are looked up by id and their hash compared in constant time; lookups
 * are cached for `cacheTtlMs` on each replica, which bounds how long a revoked
 * key keeps working. With nothing configured on a loopback address, calls
 * without credentials run open as tenant "default" with the admin role.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { record: ApiKeyRecord | null; expiresAt: number }>();
  let active: { count: number; expiresAt: number } | null = null;
  let activeLoading: Promise<number> | null = null;

  const activeKeys = async (): Promise<number> => {
    if (active && active.expiresAt > now()) return active.count;
    activeLoading ??= options.keys.countActive().then(
      (count) => {
        active = { count, expiresAt: now() + options.cacheTtlMs };
        activeLoading = null;
        return count;
      },
      (error: unknown) => {
        activeLoading = null;
        throw error;
      },
    );
    return activeLoading;
  };

  const findKey = async (keyId: string): Promise<ApiKeyRecord | null> => {
    const cached = cache.get(keyId);
    if (cached && cached.expiresAt > now()) return cached.record;
    const record = await options.keys.find(keyId);
    cache.delete(keyId);
    if (cache.size >= maxCachedKeys) cache.delete(cache.keys().next().value!);
    cache.set(keyId, { record, expiresAt: now() + options.cacheTtlMs });
    return record;
  };

  const fromApiKey = async (key: string): Promise<Principal> => {
    const parsed = parseApiKey(key);
    if (!parsed) throw new UnauthenticatedError("the bearer credential is not a well-formed API key or token", "MALFORMED_CREDENTIALS");
    const record = await findKey(parsed.keyId);
    // An unknown id and a wrong secret answer alike: the id alone reveals nothing.
    if (!record || !apiKeyMatches(key, record.keyHash)) {
      throw new UnauthenticatedError("the API key is not valid", "INVALID_API_KEY");
    }
    if (record.revokedAt !== null) throw new UnauthenticatedError("the API key has been revoked", "API_KEY_REVOKED");
    return { kind: "api_key", tenantId: record.tenantId, role: record.role, userId: record.userId, credentialId: record.keyId };
  };

  const nothingConfigured = async () => options.jwt === null && options.certificates === null && (await activeKeys()) === 0;

  return {
    async authenticate({ metadata, peerCertificate }) {
      const values = metadata.get("authorization");
      if (values.length > 1) throw new UnauthenticatedError("more than one authorization header", "MALFORMED_CREDENTIALS");
      const header = values[0];
      if (header !== undefined) {
        const match = typeof header === "string" ? /^Bearer +(\S+) *$/i.exec(header) : null;
        if (!match) throw new UnauthenticatedError('authorization must be "Bearer <API key or token>"', "MALFORMED_CREDENTIALS");
        const token = match[1]!;
        if (jwtShape.test(token)) {
          if (!options.jwt) throw new UnauthenticatedError("this server does not accept tokens (no JWT verification is configured)", "TOKENS_NOT_ACCEPTED");
          return options.jwt(token);
        }
        return fromApiKey(token);
      }
      if (peerCertificate && options.certificates) {
        const principal = options.certificates(peerCertificate);
        if (!principal) throw new UnauthenticatedError("the client certificate's subject maps to no identity", "UNKNOWN_CERTIFICATE");
        return principal;
      }
      if (options.openWhenUnconfigured && (await nothingConfigured())) return openPrincipal;
      throw new UnauthenticatedError("credentials are required: authorization: Bearer <API key or token>", "MISSING_CREDENTIALS");
    },
    async credentialsRequired() {
      return !(options.openWhenUnconfigured && (await nothingConfigured()));
    },
  };
}
