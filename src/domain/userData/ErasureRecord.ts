/** The audit record of one erasure of a user's data, as the domain and the gRPC layer see it. */
export type ErasureRecord = {
  readonly id: string;
  readonly userId: string;
  readonly requestedBy: string;
  readonly erasedAt: Date;
  /** erasedAt with microseconds, as text: the ListErasureRecords cursor. */
  readonly erasedCursor: string;
  /** Rows deleted, per table. */
  readonly deletedCounts: Record<string, number>;
};
