/** A context entry of a session (typed key/value state, optionally expiring), as the domain and the gRPC layer see it. */
export type ContextEntry = {
  readonly userId: string;
  readonly sessionId: string;
  readonly type: string;
  readonly key: string;
  readonly value: string;
  readonly relevanceScore: number;
  readonly metadata: Record<string, unknown>;
  /** null: it never expires. */
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};
