/** Who wrote a message. */
export type RoleName = "user" | "assistant" | "system" | "tool";

/** A message of a session's append-only log, as the domain and the gRPC layer see it (hashes as lowercase hex). */
export type Message = {
  readonly id: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly messageIndex: number;
  readonly role: RoleName;
  readonly type: string;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  readonly parentMessageId: string | null;
  readonly contentHash: string;
  /** The hash chain's link: sha256 of the previous message's contextHash, the role and the contentHash. */
  readonly contextHash: string;
  readonly tokenCount: number;
  readonly createdAt: Date;
};
