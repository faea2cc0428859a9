-- Up Migration
-- Retention: the sweeper deletes sessions inactive for too long, messages
-- older than their tenant's limit, and expired idempotency records (see
-- src/maintenance/startRetentionSweeper.ts).
--
-- message_index stays gapless from 0 and message_count stays the next index
-- (appends, last_n windows and summaries count in index space), so the
-- messages retention deletes from the start of a session are counted apart:
-- the session has message_count - removed_message_count messages. The
-- per-role counts, tokens, characters and content_bytes are decremented
-- directly.
--
-- Each command on its own (EXECUTE in a DO block), and the columns apart
-- from their checks: on Citus, where sessions is distributed, DDL is sent on
-- to the workers command by command from its own text (several commands in
-- one string fail there), and ADD COLUMN with a constraint is refused.
--
-- removed_message_count: the messages retention deleted from the start.
-- chain_anchor_hash: context_hash of the last message retention deleted,
-- the previous hash of the first remaining message, where its chain now
-- starts (NULL: nothing was deleted, the chain starts from 32 zero bytes).
-- The indexes: the sweeper finds inactive sessions, sessions whose oldest
-- message is past a limit, and expired idempotency records, by time across
-- users (the existing indexes start with user_id).
DO $$
BEGIN
  EXECUTE 'ALTER TABLE sessions ADD COLUMN removed_message_count bigint NOT NULL DEFAULT 0';
  EXECUTE 'ALTER TABLE sessions ADD COLUMN chain_anchor_hash bytea';
  EXECUTE 'ALTER TABLE sessions ADD CONSTRAINT sessions_removed_message_count_check CHECK (removed_message_count >= 0)';
  EXECUTE 'ALTER TABLE sessions ADD CONSTRAINT sessions_chain_anchor_hash_check CHECK (chain_anchor_hash IS NULL OR length(chain_anchor_hash) = 32)';
  EXECUTE 'CREATE INDEX sessions_last_activity_idx ON sessions (last_activity_at)';
  EXECUTE 'CREATE INDEX sessions_first_message_idx ON sessions (first_message_at) WHERE first_message_at IS NOT NULL';
  EXECUTE 'CREATE INDEX message_append_requests_created_idx ON message_append_requests (created_at)';
END
$$;

-- Down Migration
DROP INDEX message_append_requests_created_idx;
DROP INDEX sessions_first_message_idx;
DROP INDEX sessions_last_activity_idx;
ALTER TABLE sessions DROP COLUMN chain_anchor_hash, DROP COLUMN removed_message_count;
