import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { UnauthenticatedError } from "../domain/errors.js";
import { roles, type Principal, type Role } from "./Principal.js";

/** How end-user tokens are checked and what their claims mean. */
export type JwtOptions = {
  /** Exactly one source of keys: a shared HS256 secret, a JWKS URL, or a JWKS file. */
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  jwksFile?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Claim holding the tenant (default "tenant"). */
  tenantClaim: string;
  /** Claim holding the end user's user_id (default "sub"). */
  userClaim: string;
  /** Claim holding the role (default "role"); tokens without it get `defaultRole`. */
  roleClaim: string;
  defaultRole: Role;
};

export type JwtVerifier = (token: string) => Promise<Principal>;

/**
 * Verifies end-user JWTs with `jose` (signature, expiry and not-before with
 * 30 s of clock tolerance, issuer and audience when configured) and maps
 * their claims to a principal restricted to the token's user: a request for
 * another user_id is then PERMISSION_DENIED. Remote JWKS are fetched and
 * cached by jose (and refetched for an unknown key id).
 */
export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[] | undefined;
  if (options.secret !== undefined) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ["HS256", "HS384", "HS512"];
  } else if (options.jwksUrl !== undefined) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
  } else if (options.jwksFile !== undefined) {
    key = createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile, "utf8")) as Parameters<typeof createLocalJWKSet>[0]);
  } else {
    throw new Error("createJwtVerifier needs a secret, a JWKS URL or a JWKS file");
  }
  const claim = (payload: JWTPayload, name: string): unknown => (payload as Record<string, unknown>)[name];
  return async (token) => {
    let payload: JWTPayload;
    try {
      const verified =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, {
              algorithms,
              clockTolerance: 30,
              ...(options.issuer ? { issuer: options.issuer } : {}),
              ...(options.audience ? { audience: options.audience } : {}),
            })
          : await jwtVerify(token, key, {
              clockTolerance: 30,
              ...(options.issuer ? { issuer: options.issuer } : {}),
              ...(options.audience ? { audience: options.audience } : {}),
            });
      payload = verified.payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new UnauthenticatedError("the token has expired", "TOKEN_EXPIRED");
      throw new UnauthenticatedError("the token is not valid", "INVALID_TOKEN");
    }
    const tenant = claim(payload, options.tenantClaim);
    const user = claim(payload, options.userClaim);
    const role = claim(payload, options.roleClaim) ?? options.defaultRole;
    if (typeof tenant !== "string" || tenant === "") {
      throw new UnauthenticatedError(`the token has no "${options.tenantClaim}" claim`, "INVALID_TOKEN");
    }
    if (typeof user !== "string" || user === "") {
      throw new UnauthenticatedError(`the token has no "${options.userClaim}" claim`, "INVALID_TOKEN");
    }
    if (typeof role !== "string" || !roles.includes(role as Role)) {
      throw new UnauthenticatedError(`the token's "${options.roleClaim}" claim is not reader, writer or admin`, "INVALID_TOKEN");
    }
    return { kind: "jwt", tenantId: tenant, userId: user, role: role as Role, credentialId: `jwt:${user}` };
  };
}
