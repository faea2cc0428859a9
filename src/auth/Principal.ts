/**
 * Roles a credential can carry. `reader` may read (get, list, search,
 * rehydrate); `writer` may also change memory; `admin` may also erase and
 * export users' data and manage keys.
 */
export type Role = "reader" | "writer" | "admin";

export const roles: readonly Role[] = ["reader", "writer", "admin"];

/**
 * What a method needs. "read" and "write" are the reader's and writer's;
 * "delete" needs a writer too, but frees storage (no quota check); "admin"
 * is the admin's alone.
 */
export type Access = "read" | "write" | "delete" | "admin";

const rank: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };
const needed: Record<Access, number> = { read: 0, write: 1, delete: 1, admin: 2 };

/** Whether `role` may call a method that needs `access`. */
export function roleAllows(role: Role, access: Access): boolean {
  return rank[role] >= needed[access];
}

/**
 * Who a call acts for, established by the transport from its credential,
 * never from the request.
 */
export type Principal = {
  /** How the caller proved who it is. "open": the server runs without authentication (loopback, nothing configured). */
  readonly kind: "open" | "api_key" | "jwt" | "certificate";
  /** The tenant every read and write of the call is scoped to. */
  readonly tenantId: string;
  readonly role: Role;
  /** When set, the call may only act for this user_id (a gateway for one end user, an end-user token). */
  readonly userId: string | null;
  /** The API key's id, the token's subject or the certificate's subject: for logs and metrics, never a secret. */
  readonly credentialId: string;
};

/** The principal of every call on a server that runs open. */
export const openPrincipal: Principal = {
  kind: "open",
  tenantId: "default",
  role: "admin",
  userId: null,
  credentialId: "open",
};
