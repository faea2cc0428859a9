import type { Role } from "./Principal.js";

/** An API key as stored: never the secret, only the hash of the whole key. */
export type ApiKeyRecord = {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly userId: string | null;
  readonly name: string;
  readonly keyHash: Buffer;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
};

/** Where API keys live (the database implements it; tests may fake it). */
export type ApiKeyStore = {
  find(keyId: string): Promise<ApiKeyRecord | null>;
  /** Keys not revoked, across tenants: whether the server must require credentials. */
  countActive(): Promise<number>;
  insert(record: Omit<ApiKeyRecord, "createdAt" | "revokedAt">): Promise<ApiKeyRecord>;
  /** Every key, or one tenant's, oldest first. */
  list(tenantId: string | null): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such key (or it was revoked already). */
  revoke(keyId: string): Promise<boolean>;
};
