/** A session's rolling summary, as the domain and the gRPC layer see it. */
export type Summary = {
  readonly sessionId: string;
  readonly content: string;
  /** The index of the last message the summary covers. */
  readonly coversThroughIndex: number;
  readonly tokenCount: number;
  readonly metadata: Record<string, unknown>;
  readonly updatedAt: Date;
};
