/** How one session relates to another. */
export type RelationName = "continuation" | "reference" | "similar";

/** A directed link from one session of a user to another, as the domain and the gRPC layer see it. */
export type Relationship = {
  readonly sourceSessionId: string;
  readonly targetSessionId: string;
  readonly relation: RelationName;
  readonly score: number;
  readonly metadata: Record<string, unknown>;
  readonly createdAt: Date;
};
