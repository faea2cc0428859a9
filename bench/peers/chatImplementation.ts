/** One prior message of a seeded session. */
export type PriorMessage = { role: "user" | "assistant"; content: string };

/** What an implementation fetched as the context of the next prompt. */
export type FetchedContext = {
  /** Messages in it (for Rehydrate: recent and relevant message chunks). */
  messages: number;
  /** The prompt text it amounts to: message contents, or Rehydrate's chunk texts. */
  text: string;
  /** The contents of the session's own messages in it, oldest first (the consistency check compares them with the final history). */
  contents: string[];
};

/** How an implementation finds a planted fact, and what it found. */
export type FactSearch = { how: string; found: boolean; ms: number } | { how: string; unsupported: true };

/**
 * A chat memory as the peer benchmark drives it. One session per
 * implementation per size; `turn` is what the benchmark times: append the
 * user's message, fetch the context for the next prompt, append the reply.
 */
export type ChatImplementation = {
  name: string;
  /** Creates the session (a new id per size) holding these prior messages, seeded in bulk. */
  seed(sessionKey: string, prior: readonly PriorMessage[]): Promise<void>;
  turn(user: string, reply: string): Promise<FetchedContext>;
  /** Uses the session `sessionKey` that another instance seeded, without writing (several clients on one session). */
  attach(sessionKey: string): void;
  /** Every message of the session, oldest first (the consistency check). */
  history(): Promise<string[]>;
  /** Looks for `needle` with the implementation's own search, given the user's question. */
  searchFact(question: string, needle: string): Promise<FactSearch>;
  /** Removes what seed and the turns stored (tables stay). */
  clear(): Promise<void>;
  close(): Promise<void>;
};
