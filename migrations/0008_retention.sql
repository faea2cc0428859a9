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
ALTER TABLE sessions
  ADD COLUMN removed_message_count bigint NOT NULL DEFAULT 0 CHECK (removed_message_count >= 0),
  -- context_hash of the last message retention deleted: the previous hash of
  -- the first remaining message, where its chain now starts (NULL: nothing
  -- was deleted, the chain starts from 32 zero bytes).
  ADD COLUMN chain_anchor_hash bytea CHECK (chain_anchor_hash IS NULL OR length(chain_anchor_hash) = 32);

-- The sweeper finds inactive sessions, and sessions whose oldest message is
-- past a limit, by time across users (the existing indexes start with user_id).
CREATE INDEX sessions_last_activity_idx ON sessions (last_activity_at);
CREATE INDEX sessions_first_message_idx ON sessions (first_message_at) WHERE first_message_at IS NOT NULL;
-- ... and expired idempotency records.
CREATE INDEX message_append_requests_created_idx ON message_append_requests (created_at);

-- Down Migration
DROP INDEX message_append_requests_created_idx;
DROP INDEX sessions_first_message_idx;
DROP INDEX sessions_last_activity_idx;
ALTER TABLE sessions DROP COLUMN chain_anchor_hash, DROP COLUMN removed_message_count;
