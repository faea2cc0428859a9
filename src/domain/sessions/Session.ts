/** The lifecycle states of a session (closed and archived sessions refuse appends). */
export type SessionStatus = "active" | "paused" | "closed" | "archived";

/** A conversation session, as the domain and the gRPC layer see it. */
export type Session = {
  readonly userId: string;
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly status: SessionStatus;
  readonly metadata: Record<string, unknown>;
  readonly relevanceScore: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly lastActivityAt: Date;
  /** lastActivityAt with microseconds, as text: the ListSessions cursor. */
  readonly activityCursor: string;
  /** The next message index (messages ever appended); the session has messageCount - removedMessageCount. */
  readonly messageCount: number;
  /** Messages retention deleted from the start of the session, or hides until it does. */
  readonly removedMessageCount: number;
  /** The content of the session's summary, '' until one is written (or while retention hides it). */
  readonly summary: string;
};

/** Fields an update may change; undefined means "leave as is". */
export type SessionChanges = {
  name?: string;
  type?: string;
  status?: SessionStatus;
  metadata?: Record<string, unknown>;
  relevanceScore?: number;
};
