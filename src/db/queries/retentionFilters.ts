import { sql, type FragmentSqlToken } from "slonik";
import type { RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { timestamptz } from "./contextEntryRow.js";

// Conditions that hide what is past the tenant's retention policy before the
// sweeper deletes it. Without a policy (a null cutoff) each is the constant
// TRUE, which the planner folds away: the statement and its plan are those
// of a service without retention.
//
// The subqueries name the user (`userId`, the user the statement reads)
// rather than only correlating on the outer row's user_id: on Citus a
// subquery correlated on the distribution column alone is pushed down to
// every shard, or refused ("complex joins are only supported when ...") in
// a select list or a join, while with the user named the statement is
// routed whole to the user's worker. On one node the condition is the same.

/** Whether the session `s` is within its tenant's inactivity limit. */
export const sessionRetained = (cutoffs: RetentionCutoffs): FragmentSqlToken =>
  cutoffs.sessionsActiveSince === null ? sql.fragment`TRUE` : sql.fragment`s.last_activity_at >= ${timestamptz(cutoffs.sessionsActiveSince)}`;

/** Whether the message `m` is within its tenant's age limit. */
export const messageRetained = (cutoffs: RetentionCutoffs): FragmentSqlToken =>
  cutoffs.messagesSince === null ? sql.fragment`TRUE` : sql.fragment`m.created_at >= ${timestamptz(cutoffs.messagesSince)}`;

/**
 * Whether the message `m` is within its age limit and its session within
 * its inactivity limit (for statements over many sessions, such as Search).
 */
export const messageAndSessionRetained = (cutoffs: RetentionCutoffs, userId: string): FragmentSqlToken =>
  cutoffs.sessionsActiveSince === null
    ? messageRetained(cutoffs)
    : sql.fragment`${messageRetained(cutoffs)} AND EXISTS (
        SELECT FROM sessions s
        WHERE s.tenant_id = m.tenant_id AND s.user_id = ${userId} AND s.id = m.session_id AND ${sessionRetained(cutoffs)})`;

/**
 * Whether the summary `ss` is still shown: always when summaries outlive
 * their messages; otherwise only while no message it covers is past the age
 * limit (the sweeper deletes it with the first such message). Reads the
 * user's messages past the limit, by time: only those not swept yet.
 */
export const summaryRetained = (cutoffs: RetentionCutoffs, userId: string): FragmentSqlToken =>
  cutoffs.messagesSince === null || cutoffs.keepSummaries
    ? sql.fragment`TRUE`
    : sql.fragment`NOT EXISTS (
        SELECT FROM messages m
        WHERE m.tenant_id = ss.tenant_id AND m.user_id = ${userId} AND m.created_at < ${timestamptz(cutoffs.messagesSince)}
          AND m.session_id = ss.session_id AND m.message_index <= ss.covers_through_index)`;

/**
 * removed_message_count of the session `s` as reads report it: the messages
 * retention deleted, plus those past the age limit not swept yet.
 */
export const removedOrHidden = (cutoffs: RetentionCutoffs, userId: string): FragmentSqlToken =>
  cutoffs.messagesSince === null
    ? sql.fragment`s.removed_message_count`
    : sql.fragment`s.removed_message_count + (
        SELECT count(*) FROM messages m
        WHERE m.tenant_id = s.tenant_id AND m.user_id = ${userId} AND m.created_at < ${timestamptz(cutoffs.messagesSince)} AND m.session_id = s.id)`;
