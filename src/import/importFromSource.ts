import type pg from "pg";
import { sql, type DatabasePool } from "slonik";
import { z } from "zod";
import type { Keyring } from "../crypto/createKeyring.js";
import type { Database } from "../db/Database.js";
import { addImportedStatistics, type ImportedTotals } from "../db/queries/addImportedStatistics.js";
import { copyImportedMessages } from "../db/queries/copyImportedMessages.js";
import { enableVectorStorage } from "../db/queries/enableVectorStorage.js";
import { insertImportedContextEntries, type ImportedContextEntry } from "../db/queries/insertImportedContextEntries.js";
import { insertImportedMessages, type ImportedMessage } from "../db/queries/insertImportedMessages.js";
import { insertImportedPreferences, type ImportedPreference } from "../db/queries/insertImportedPreferences.js";
import { insertImportedRelationships, type ImportedRelationship } from "../db/queries/insertImportedRelationships.js";
import { insertImportedSessions, type ImportedSession } from "../db/queries/insertImportedSessions.js";
import { insertImportedSummaries, type ImportedSummary } from "../db/queries/insertImportedSummaries.js";
import { selectImportedMessageIds } from "../db/queries/selectImportedMessageIds.js";
import { selectImportHeads, type ImportHead } from "../db/queries/selectImportHeads.js";
import type { RelationName } from "../domain/relationships/Relationship.js";
import { contentHash, nextContextHash } from "../domain/messages/hashChain.js";
import { preferenceAad } from "../domain/preferences/openPreference.js";
import type { TokenCounter } from "../tokens/createTokenCounter.js";
import { codePointLength } from "../validation/codePointLength.js";
import { contextTypePattern, isId, limits } from "../validation/limits.js";
import { detectSourceSchema } from "./detectSourceSchema.js";
import { mapRole } from "./mapRole.js";
import {
  sourceContextEntry, sourceMessage, sourcePreference, sourceRelationship, sourceSession, sourceSummary,
  type SourceContextEntry, type SourceKind, type SourceMessage, type SourcePreference, type SourceRelationship,
  type SourceSession, type SourceSummary, type SqlFragment,
} from "./SourcePlan.js";
import { sourceUuid } from "./sourceUuid.js";

/** A source row that was not imported, and why. */
export type RejectedRow = { table: string; id: string; sessionId: string | null; reason: string };

export type ImportProgress = { phase: string; done: number; total: number | null };

export type ImportOptions = {
  tenantId: string;
  dryRun: boolean;
  /** Owner of sessions that have none in the source; without it they are rejected. */
  defaultUser: string | null;
  /** Which design to read when the source holds several (--source). */
  choice?: SourceKind | undefined;
  /** conversation_memory: field=column (--map). */
  mapping?: ReadonlyMap<string, string>;
  /** Source rows per page and per target transaction, at most (fewer when rows are large). Default 5000. */
  pageSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  onReject?: (row: RejectedRow) => void;
  /** Called inside each message batch's transaction, after its inserts and before its commit (the crash test's hook). */
  beforeCommit?: (batch: number) => Promise<void>;
  now?: () => Date;
};

export type ImportDeps = {
  source: DatabasePool;
  target: Database;
  keyring: Keyring;
  tokenCounter: TokenCounter;
  /**
   * A node-postgres client on the target (PostgreSQL only): messages are then
   * written with COPY on it, in its own transactions, instead of a multi-row
   * INSERT through the pool.
   */
  copyClient?: pg.Client | undefined;
};

type Counts = { read: number; imported: number; existing: number; rejected: number };
const counts = (): Counts => ({ read: 0, imported: 0, existing: 0, rejected: 0 });

export type ImportReport = {
  kind: SourceKind;
  found: readonly SourceKind[];
  tables: readonly string[];
  notes: readonly string[];
  dryRun: boolean;
  embeddingsQueued: boolean;
  sessions: Counts;
  messages: Counts & { total: number };
  contextEntries: Counts;
  preferences: Counts;
  relationships: Counts;
  summaries: Counts;
  rejectsByReason: Record<string, number>;
  elapsedMs: number;
  /**
   * Where the message phase waited: for the source (reads run ahead of the
   * rest), preparing rows (heads, token counts, hashes), and for the target
   * (writes overlap the next page's preparation).
   */
  messageTimings: { readMs: number; prepareMs: number; writeMs: number };
};

/** Rows of a source page: above this many bytes of content a page ends early, so memory stays bounded whatever the rows hold. */
const PAGE_BYTES = 16 * 1024 * 1024;
const SMALL_PAGE = 1000;

const countRow = z.object({ count: z.number() });

type SessionState =
  | { ok: false; reason: string }
  | {
      ok: true;
      userId: string;
      sessionId: string;
      count: number;
      lastHash: string | null;
      /** The session had messages when this run first met it: rows may be there already (a resumed or repeated run). */
      checkExisting: boolean;
      /** created_at for a message without one: the previous message's, else the session's. */
      lastCreatedAt: string;
    };

/**
 * Copies a source database of one of the earlier designs into the service's
 * tables, for one tenant. Phases, each in keyset pages: sessions,
 * messages, preferences, context entries, relationships, summaries.
 *
 * Messages are written in bulk (one multi-row INSERT per page, the
 * statistics of every session of the page in one UPDATE, one transaction per
 * page), with the hash chain, token counts and byte counts computed here, as
 * an append computes them, and queued for embedding as appends are.
 *
 * Safe to run again and to resume after a crash: target ids derive from
 * source ids (sourceUuid), a session met with messages already in it has its
 * rows looked up by id and skipped, and every other write leaves existing
 * rows alone. Since each page commits its messages and the session heads
 * together, what a killed run committed is a prefix of each session, and the
 * next run continues the chain from it. Rows that cannot be imported go to
 * onReject with the reason, every run (a resumed run lists them all again).
 */
export async function importFromSource(deps: ImportDeps, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 5000;
  const tenantId = options.tenantId;
  const rejectsByReason: Record<string, number> = {};
  const reject = (row: RejectedRow, tally: Counts) => {
    tally.rejected += 1;
    const reason = row.reason.replace(/"[^"]*"/g, "…");
    rejectsByReason[reason] = (rejectsByReason[reason] ?? 0) + 1;
    options.onReject?.(row);
  };

  return deps.source.connect(async (source) => {
    await source.query(sql.unsafe`SET TIME ZONE 'UTC'`);
    const detected = await detectSourceSchema(source, { choice: options.choice, mapping: options.mapping ?? new Map() });
    const plan = detected.plan;
    const total = await source.oneFirst(sql.type(countRow)`${plan.countMessages}`);
    const embeddingsQueued = options.dryRun
      ? false
      : await deps.target.withConnection(undefined, (connection) => enableVectorStorage(connection));
    const report: ImportReport = {
      kind: plan.kind, found: detected.found, tables: plan.tables, notes: plan.notes, dryRun: options.dryRun, embeddingsQueued,
      sessions: counts(), messages: { ...counts(), total }, contextEntries: counts(), preferences: counts(),
      relationships: counts(), summaries: counts(), rejectsByReason, elapsedMs: 0,
      messageTimings: { readMs: 0, prepareMs: 0, writeMs: 0 },
    };
    const timings = report.messageTimings;
    const owner = (userId: string | null) => userId ?? options.defaultUser;
    // Why a session cannot hold imported rows, or null when it can.
    const sessionProblem = (sessionId: string | null, userId: string | null, found: boolean): string | null => {
      if (sessionId === null) return "no session id";
      if (!found) return `orphan: session "${sessionId}" does not exist in the source`;
      if (userId === null) return `session "${sessionId}" has no owner (user_id is NULL; --default-user names one)`;
      if (!isId(sessionId)) return `session id "${sessionId}" is not a valid id (letters, digits, . _ : @ + -, at most ${limits.idMaxLength})`;
      if (!isId(userId)) return `user id "${userId}" is not a valid id (letters, digits, . _ : @ + -, at most ${limits.idMaxLength})`;
      return null;
    };
    // The source tables rejects name.
    const sessionTable = { minimal: "conversations", ltst: "conversation_sessions", conversation_memory: "conversation_memory" }[plan.kind];
    const summaryTable = plan.kind === "minimal" ? "conversation_summaries" : "conversation_sessions";
    const foreign = (sessionId: string) => `session "${sessionId}" already exists in the target and was not imported from the ${plan.kind} design`;
    const readPage = <T extends z.ZodType>(schema: T, query: SqlFragment) => source.any(sql.type(schema)`${query}`) as Promise<readonly z.infer<T>[]>;

    // --- Sessions ---------------------------------------------------------------
    options.onProgress?.({ phase: "sessions", done: 0, total: null });
    for (let after: string | null = null; ; ) {
      const rows: readonly SourceSession[] = await readPage(sourceSession, plan.sessions(after, SMALL_PAGE));
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      report.sessions.read += rows.length;
      const batch: ImportedSession[] = [];
      for (const row of rows) {
        const userId = owner(row.user_id);
        const problem = sessionProblem(row.id, userId, true);
        if (problem) {
          reject({ table: sessionTable, id: row.id, sessionId: row.id, reason: problem }, report.sessions);
          continue;
        }
        batch.push(toSession(plan.kind, row, userId!, now()));
      }
      const created = options.dryRun ? [] : await deps.target.withConnection(undefined, (c) => insertImportedSessions(c, tenantId, batch));
      const createdKeys = new Set(created.map((s) => `${s.user_id}\u0000${s.id}`));
      report.sessions.imported += created.length;
      const others = batch.filter((s) => !createdKeys.has(`${s.userId}\u0000${s.id}`));
      const heads = await deps.target.withConnection(undefined, (c) => selectImportHeads(c, tenantId, others));
      const byKey = new Map(heads.map((h) => [`${h.user_id}\u0000${h.id}`, h]));
      for (const session of others) {
        const head = byKey.get(`${session.userId}\u0000${session.id}`);
        if (!head) report.sessions.imported += 1; // dry run: would be created
        else if (head.imported_from === plan.kind) report.sessions.existing += 1;
        else reject({ table: sessionTable, id: session.id, sessionId: session.id, reason: foreign(session.id) }, report.sessions);
      }
      options.onProgress?.({ phase: "sessions", done: report.sessions.read, total: null });
    }

    // --- Messages ---------------------------------------------------------------
    const messageTable = plan.kind === "minimal" ? "messages" : plan.kind === "ltst" ? "conversation_messages" : "conversation_memory";
    const states = new Map<string, SessionState>();
    let limit = pageSize;
    let batchNumber = 0;
    options.onProgress?.({ phase: "messages", done: 0, total });
    // A pipeline: while page N is written (one transaction), page N+1 is
    // prepared (token counts on a worker thread, hashes) and page N+2 is read
    // from the source. The in-memory session states carry the chain from one
    // page to the next, so preparing does not wait for the write. What a page
    // needs from the target (the heads of sessions met for the first time,
    // which rows are there already) is asked before the previous page's write
    // starts: a session's rows are contiguous in the stream, so a session met
    // for the first time is in no write in flight, and on the embedded
    // database (one connection) the lookups do not queue behind a write.
    const swallow = (promise: Promise<unknown>) => promise.catch(() => undefined);
    let pendingWrite: Promise<void> = Promise.resolve();
    let nextPage: Promise<readonly SourceMessage[]> = readPage(sourceMessage, plan.messages(null, limit));
    swallow(nextPage);
    type Accepted = { row: SourceMessage; state: Extract<SessionState, { ok: true }>; role: ImportedMessage["role"]; content: string };

    // The next page from the source, starting the read of the one after it.
    const fetchPage = async (): Promise<readonly SourceMessage[] | null> => {
      const mark = performance.now();
      const rows = await nextPage;
      timings.readMs += performance.now() - mark;
      if (rows.length === 0) return null;
      report.messages.read += rows.length;
      let pageBytes = 0;
      for (const row of rows) pageBytes += row.content === null ? 0 : row.content.length;
      limit = Math.max(1, Math.min(pageSize, Math.floor(PAGE_BYTES / Math.max(1, pageBytes / rows.length))));
      nextPage = readPage(sourceMessage, plan.messages(rows.at(-1)!.k, limit));
      swallow(nextPage);
      return rows;
    };

    // Sorts a page's rows into accepted and rejected ones, with the target's
    // heads of the sessions met for the first time and, for sessions that
    // had messages already, the rows stored already.
    const resolvePage = async (rows: readonly SourceMessage[]): Promise<Accepted[]> => {
      const mark = performance.now();
      const fresh = new Map<string, { userId: string; id: string }>();
      for (const row of rows) {
        const key = row.session_id ?? "";
        if (states.has(key) || fresh.has(key)) continue;
        const userId = owner(row.user_id);
        const problem = sessionProblem(row.session_id, userId, row.session_found);
        if (problem) states.set(key, { ok: false, reason: problem });
        else fresh.set(key, { userId: userId!, id: row.session_id! });
      }
      const heads = new Map<string, ImportHead>();
      for (const head of await deps.target.withConnection(undefined, (c) => selectImportHeads(c, tenantId, [...fresh.values()]))) {
        heads.set(head.id, head);
      }
      for (const [key, session] of fresh) {
        const head = heads.get(session.id);
        if (head && head.user_id === session.userId && head.imported_from === plan.kind) {
          states.set(key, {
            ok: true, userId: session.userId, sessionId: session.id, count: head.message_count, lastHash: head.last_context_hash,
            checkExisting: head.message_count > 0, lastCreatedAt: head.last_message_at ?? head.created_at,
          });
        } else if (!head && options.dryRun) {
          states.set(key, { ok: true, userId: session.userId, sessionId: session.id, count: 0, lastHash: null, checkExisting: false, lastCreatedAt: now().toISOString() });
        } else {
          states.set(key, { ok: false, reason: head ? foreign(session.id) : `session "${session.id}" was not imported (see its own rejection)` });
        }
      }
      const toCheck = rows.flatMap((row) => {
        const state = states.get(row.session_id ?? "")!;
        return state.ok && state.checkExisting ? [{ userId: state.userId, id: sourceUuid(messageTable, row.source_id) }] : [];
      });
      const present = new Set(
        (await deps.target.withConnection(undefined, (c) => selectImportedMessageIds(c, tenantId, toCheck))).map((m) => `${m.user_id}\u0000${m.id}`),
      );
      const accepted: Accepted[] = [];
      for (const row of rows) {
        const state = states.get(row.session_id ?? "")!;
        const rejectRow = (reason: string) => reject({ table: messageTable, id: row.source_id, sessionId: row.session_id, reason }, report.messages);
        if (!state.ok) {
          rejectRow(state.reason);
          continue;
        }
        if (state.checkExisting && present.has(`${state.userId}\u0000${sourceUuid(messageTable, row.source_id)}`)) {
          report.messages.existing += 1;
          // A stored row's time, for a later row without one (as a single run would have used it).
          if (row.created_at !== null) state.lastCreatedAt = row.created_at;
          continue;
        }
        const role = mapRole(row.role);
        if (role === null) rejectRow(row.role === null ? "role is NULL" : `unknown role "${row.role}"`);
        else if (row.content === null) rejectRow("content is NULL");
        else if (row.content.trim() === "") rejectRow("content is empty");
        else accepted.push({ row, state, role, content: row.content });
      }
      timings.prepareMs += performance.now() - mark;
      return accepted;
    };

    // Token counts, hashes and statistics of the accepted rows, continuing each session's chain.
    const preparePage = async (accepted: readonly Accepted[]) => {
      const mark = performance.now();
      const tokenCounts = accepted.length === 0 ? [] : await deps.tokenCounter.count(accepted.map((a) => a.content), "cl100k_base");
      const messages: ImportedMessage[] = [];
      const totals = new Map<string, ImportedTotals>();
      accepted.forEach(({ row, state, role, content }, i) => {
        const hash = contentHash(content);
        const contextHash = nextContextHash(state.lastHash, role, hash);
        const createdAt = row.created_at ?? state.lastCreatedAt;
        const tokens = tokenCounts[i]!;
        messages.push({
          userId: state.userId, sessionId: state.sessionId, id: sourceUuid(messageTable, row.source_id), messageIndex: state.count,
          role, type: row.type?.trim() || "text", content, metadata: JSON.stringify(messageMetadata(plan.kind, messageTable, row, role)),
          parentMessageId: row.parent_source_id !== null && row.parent_same_session ? sourceUuid(messageTable, row.parent_source_id) : null,
          contentHash: hash, contextHash, tokenCount: tokens, createdAt,
        });
        state.count += 1;
        state.lastHash = contextHash;
        state.lastCreatedAt = createdAt;
        let t = totals.get(state.sessionId);
        if (!t) {
          t = { userId: state.userId, sessionId: state.sessionId, count: 0, user: 0, assistant: 0, system: 0, tool: 0, tokens: 0, characters: 0, bytes: 0, lastContextHash: "", firstAt: createdAt, lastAt: createdAt };
          totals.set(state.sessionId, t);
        }
        t.count += 1;
        t[role] += 1;
        t.tokens += tokens;
        t.characters += codePointLength(content);
        t.bytes += Buffer.byteLength(content, "utf8");
        t.lastContextHash = contextHash;
        if (createdAt < t.firstAt) t.firstAt = createdAt;
        if (createdAt > t.lastAt) t.lastAt = createdAt;
      });
      timings.prepareMs += performance.now() - mark;
      return { messages, totals: [...totals.values()] };
    };

    // One transaction per page: the messages, their queue entries, and the sessions' heads and statistics.
    const copyClient = deps.copyClient;
    const writeBatch = async (messages: readonly ImportedMessage[], totals: readonly ImportedTotals[], number: number): Promise<void> => {
      if (!copyClient) {
        await deps.target.withTransaction(undefined, async (tx) => {
          await insertImportedMessages(tx, tenantId, messages, { enqueueEmbeddings: embeddingsQueued });
          await addImportedStatistics(tx, tenantId, totals);
          await options.beforeCommit?.(number);
        });
        return;
      }
      await copyClient.query("BEGIN");
      try {
        await copyImportedMessages(copyClient, tenantId, messages, { enqueueEmbeddings: embeddingsQueued });
        await addImportedStatistics(copyClient, tenantId, totals);
        await options.beforeCommit?.(number);
        await copyClient.query("COMMIT");
      } catch (error) {
        await copyClient.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    };

    try {
      let rows = await fetchPage();
      let accepted = rows ? await resolvePage(rows) : [];
      while (rows) {
        const { messages, totals } = await preparePage(accepted);
        // Only the session the next page may continue is kept.
        const last = rows.at(-1)!.session_id ?? "";
        for (const key of states.keys()) if (key !== last) states.delete(key);
        const mark = performance.now();
        await pendingWrite;
        timings.writeMs += performance.now() - mark;
        const done = report.messages.read;
        rows = await fetchPage();
        accepted = rows ? await resolvePage(rows) : [];
        report.messages.imported += messages.length;
        if (!options.dryRun && messages.length > 0) {
          batchNumber += 1;
          const number = batchNumber;
          pendingWrite = writeBatch(messages, totals, number).then(() => options.onProgress?.({ phase: "messages", done, total }));
          swallow(pendingWrite);
        } else {
          options.onProgress?.({ phase: "messages", done, total });
        }
      }
      const mark = performance.now();
      await pendingWrite;
      timings.writeMs += performance.now() - mark;
    } finally {
      // Neither an unfinished write nor a read in flight may outlive the import (their errors are the loop's).
      await Promise.allSettled([pendingWrite, nextPage]);
    }

    // --- Preferences (before context entries: the preferences table wins over preference-typed entries) ---
    const writePreferences = async (batch: ImportedPreference[], tally: Counts) => {
      if (batch.length === 0) return;
      tally.imported += options.dryRun ? batch.length : await deps.target.withConnection(undefined, (c) => insertImportedPreferences(c, tenantId, batch));
    };
    const sealPreference = (userId: string, key: string, value: string, metadata: Record<string, unknown>, updatedAt: string): ImportedPreference => {
      const sealed = deps.keyring.seal(value, preferenceAad(tenantId, userId, key));
      return { userId, key, value: sealed.value, keyId: sealed.keyId, metadata, updatedAt };
    };
    const preferenceProblem = (userId: string | null, key: string | null, value: string | null): string | null => {
      if (userId === null) return "no user_id (--default-user names one)";
      if (!isId(userId)) return `user id "${userId}" is not a valid id`;
      if (key === null || key === "") return "preference key is empty";
      if (codePointLength(key) > limits.preferenceKeyMaxLength) return `preference key longer than ${limits.preferenceKeyMaxLength} characters`;
      if (value === null) return "preference value is NULL";
      if (Buffer.byteLength(value, "utf8") > limits.preferenceValueMaxBytes) return `preference value larger than ${limits.preferenceValueMaxBytes} bytes`;
      return null;
    };
    if (plan.preferences) {
      options.onProgress?.({ phase: "preferences", done: 0, total: null });
      for (let after: string | null = null; ; ) {
        const rows: readonly SourcePreference[] = await readPage(sourcePreference, plan.preferences(after, SMALL_PAGE));
        if (rows.length === 0) break;
        after = rows.at(-1)!.source_id;
        report.preferences.read += rows.length;
        const batch: ImportedPreference[] = [];
        for (const row of rows) {
          const userId = owner(row.user_id);
          const problem = preferenceProblem(userId, row.key, row.value);
          if (problem) reject({ table: "user_preferences", id: row.source_id, sessionId: null, reason: problem }, report.preferences);
          else batch.push(sealPreference(userId!, row.key!, row.value!, withProvenance(row.metadata, { source: plan.kind, table: "user_preferences", id: row.source_id }), row.updated_at ?? now().toISOString()));
        }
        await writePreferences(batch, report.preferences);
      }
    }

    // --- Context entries ---------------------------------------------------------
    if (plan.contextEntries) {
      options.onProgress?.({ phase: "context entries", done: 0, total: null });
      for (let after: string | null = null; ; ) {
        const rows: readonly SourceContextEntry[] = await readPage(sourceContextEntry, plan.contextEntries(after, SMALL_PAGE));
        if (rows.length === 0) break;
        after = rows.at(-1)!.source_id;
        report.contextEntries.read += rows.length;
        const entries: ImportedContextEntry[] = [];
        const preferences: ImportedPreference[] = [];
        for (const row of rows) {
          const userId = owner(row.user_id);
          const type = row.type?.trim().toLowerCase() ?? "";
          const problem =
            sessionProblem(row.session_id, userId, row.session_found) ??
            (!contextTypePattern.test(type) || type.length > limits.contextTypeMaxLength ? `context type "${row.type}" is not lowercase letters, digits and _ . - (at most ${limits.contextTypeMaxLength})` : null) ??
            (row.key === null || row.key === "" || codePointLength(row.key) > limits.contextKeyMaxLength ? `context key is empty or longer than ${limits.contextKeyMaxLength} characters` : null) ??
            (row.value === null ? "context value is NULL" : Buffer.byteLength(row.value, "utf8") > limits.contextValueMaxBytes ? `context value larger than ${limits.contextValueMaxBytes} bytes` : null) ??
            (row.expires_at !== null && new Date(row.expires_at).getTime() <= now().getTime() ? `expired at ${row.expires_at}` : null);
          if (problem) {
            reject({ table: "conversation_context", id: row.source_id, sessionId: row.session_id, reason: problem }, report.contextEntries);
            continue;
          }
          const { value: relevanceScore, original } = clampScore(row.relevance_score);
          const provenance = { source: plan.kind, table: "conversation_context", id: row.source_id, ...(original !== undefined ? { relevance_score: original } : {}) };
          entries.push({
            userId: userId!, sessionId: row.session_id!, type, key: row.key!, value: row.value!, relevanceScore,
            metadata: withProvenance(row.metadata, provenance), expiresAt: row.expires_at, createdAt: row.created_at ?? now().toISOString(),
          });
          // The LTST design kept preferences as context entries too: they become the user's preferences as well.
          if (type === "preference" && preferenceProblem(userId, row.key, row.value) === null) {
            preferences.push(sealPreference(userId!, row.key!, row.value!, withProvenance(row.metadata, provenance), row.created_at ?? now().toISOString()));
          }
        }
        report.contextEntries.imported += options.dryRun
          ? entries.length
          : await deps.target.withConnection(undefined, (c) => insertImportedContextEntries(c, tenantId, plan.kind, entries));
        await writePreferences(preferences, report.preferences);
      }
    }

    // --- Relationships --------------------------------------------------------------
    if (plan.relationships) {
      options.onProgress?.({ phase: "relationships", done: 0, total: null });
      for (let after: string | null = null; ; ) {
        const rows: readonly SourceRelationship[] = await readPage(sourceRelationship, plan.relationships(after, SMALL_PAGE));
        if (rows.length === 0) break;
        after = rows.at(-1)!.source_id;
        report.relationships.read += rows.length;
        const links: ImportedRelationship[] = [];
        for (const row of rows) {
          const relation = row.relation?.trim().toLowerCase() ?? "";
          const sourceUser = owner(row.source_user_id);
          const targetUser = owner(row.target_user_id);
          const problem =
            (!["continuation", "reference", "similar"].includes(relation) ? `unknown relationship type "${row.relation}"` : null) ??
            (row.source_session_id === null || row.target_session_id === null || sourceUser === null || targetUser === null
              ? "a linked session is missing in the source or has no owner"
              : null) ??
            (sourceUser !== targetUser ? "links sessions of two different users" : null) ??
            (row.source_session_id === row.target_session_id ? "links a session to itself" : null);
          if (problem) {
            reject({ table: "session_relationships", id: row.source_id, sessionId: row.source_session_id, reason: problem }, report.relationships);
            continue;
          }
          const { value: score, original } = clampScore(row.score);
          links.push({
            userId: sourceUser!, sourceSessionId: row.source_session_id!, targetSessionId: row.target_session_id!, relation: relation as RelationName, score,
            metadata: withProvenance(row.metadata, { source: plan.kind, table: "session_relationships", id: row.source_id, ...(original !== undefined ? { relationship_score: original } : {}) }),
            createdAt: row.created_at ?? now().toISOString(),
          });
        }
        report.relationships.imported += options.dryRun
          ? links.length
          : await deps.target.withConnection(undefined, (c) => insertImportedRelationships(c, tenantId, plan.kind, links));
      }
    }

    // --- Summaries ------------------------------------------------------------------
    if (plan.summaries) {
      options.onProgress?.({ phase: "summaries", done: 0, total: null });
      for (let after: string | null = null; ; ) {
        const rows: readonly SourceSummary[] = await readPage(sourceSummary, plan.summaries(after, SMALL_PAGE));
        if (rows.length === 0) break;
        after = rows.at(-1)!.session_id;
        report.summaries.read += rows.length;
        const accepted = rows.flatMap((row) => {
          const problem = sessionProblem(row.session_id, owner(row.user_id), row.session_found) ?? (row.summary === null || row.summary.trim() === "" ? "summary is empty" : null);
          if (problem) {
            reject({ table: summaryTable, id: row.session_id, sessionId: row.session_id, reason: problem }, report.summaries);
            return [];
          }
          return [{ row, userId: owner(row.user_id)! }];
        });
        const tokens = accepted.length === 0 ? [] : await deps.tokenCounter.count(accepted.map((a) => a.row.summary!), "cl100k_base");
        const summaries: ImportedSummary[] = accepted.map(({ row, userId }, i) => ({
          userId, sessionId: row.session_id, content: row.summary!, tokenCount: tokens[i]!,
          metadata: { ltst_import: { source: plan.kind, session_id: row.session_id } }, updatedAt: row.updated_at ?? now().toISOString(),
        }));
        report.summaries.imported += options.dryRun
          ? summaries.length
          : await deps.target.withConnection(undefined, (c) => insertImportedSummaries(c, tenantId, plan.kind, summaries));
      }
    }

    report.elapsedMs = performance.now() - started;
    return report;
  }) as Promise<ImportReport>;
}

/** A score in the service's range [0, 1]; the source's value when it was outside (NaN and NULL count as 0). */
function clampScore(score: number | null): { value: number; original?: number } {
  if (score === null || Number.isNaN(score)) return { value: 0 };
  if (score >= 0 && score <= 1) return { value: score };
  return { value: Math.min(1, Math.max(0, score)), original: score };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The source's metadata (an object; anything else is kept under "value"), with where the row came from under ltst_import. */
function withProvenance(metadata: unknown, provenance: Record<string, unknown>): Record<string, unknown> {
  const base = isObject(metadata) ? { ...metadata } : metadata === null || metadata === undefined ? {} : { value: metadata };
  return { ...base, ltst_import: provenance };
}

const statusNames = new Set(["active", "paused", "closed", "archived"]);
const statusSpellings: Record<string, ImportedSession["status"]> = { completed: "closed", ended: "closed", inactive: "closed", finished: "closed", deleted: "archived" };

function toSession(kind: SourceKind, row: z.infer<typeof sourceSession>, userId: string, now: Date): ImportedSession {
  const spelled = row.status?.trim().toLowerCase() ?? "active";
  const status = statusNames.has(spelled) ? (spelled as ImportedSession["status"]) : (statusSpellings[spelled] ?? "active");
  const { value: relevanceScore, original } = clampScore(row.relevance_score);
  const createdAt = row.created_at ?? row.last_activity ?? now.toISOString();
  return {
    userId, id: row.id, name: row.name ?? "", type: row.type ?? "", status, relevanceScore,
    metadata: withProvenance(row.metadata, {
      source: kind, id: row.id,
      ...(row.status !== null && row.status !== status ? { status: row.status } : {}),
      ...(original !== undefined ? { relevance_score: original } : {}),
      ...(row.created_at === null ? { created_at: null } : {}),
    }),
    createdAt, lastActivityAt: row.last_activity ?? createdAt,
  };
}

/** A message's metadata: the source's, and under ltst_import what the service has no column for (their hashes, index, ...). */
function messageMetadata(kind: SourceKind, table: string, row: SourceMessage, role: string): Record<string, unknown> {
  const provenance: Record<string, unknown> = { source: kind, table, id: row.source_id };
  if (row.role !== role) provenance.role = row.role;
  if (row.source_index !== null) provenance.message_index = row.source_index;
  if (row.content_hash !== null) provenance.content_hash = row.content_hash;
  if (row.context_hash !== null) provenance.context_hash = row.context_hash;
  if (row.relevance_score !== null) provenance.relevance_score = row.relevance_score;
  if (row.is_context_message !== null) provenance.is_context_message = row.is_context_message;
  if (row.parent_source_id !== null) provenance.parent_message_id = row.parent_source_id;
  if (row.created_at === null) provenance.created_at = null;
  return withProvenance(row.metadata, provenance);
}

