-- Up Migration
-- Core schema: sessions and their append-only messages.
--
-- Every table is keyed by user_id first, so that it can be distributed by
-- user_id (Citus, co-located tables) without changing a query: every query
-- filters by user_id, and every foreign key includes it.

CREATE TABLE sessions (
  user_id                 text             NOT NULL,
  id                      text             NOT NULL,
  name                    text             NOT NULL DEFAULT '',
  type                    text             NOT NULL DEFAULT '',
  status                  text             NOT NULL DEFAULT 'active'
                            CHECK (status IN ('active', 'paused', 'closed', 'archived')),
  metadata                jsonb            NOT NULL DEFAULT '{}'::jsonb,
  relevance_score         double precision NOT NULL DEFAULT 0
                            CHECK (relevance_score >= 0 AND relevance_score <= 1),
  created_at              timestamptz      NOT NULL DEFAULT now(),
  updated_at              timestamptz      NOT NULL DEFAULT now(),
  last_activity_at        timestamptz      NOT NULL DEFAULT now(),
  -- Statistics, kept exact in the same transaction as every write.
  message_count           bigint           NOT NULL DEFAULT 0,
  user_message_count      bigint           NOT NULL DEFAULT 0,
  assistant_message_count bigint           NOT NULL DEFAULT 0,
  system_message_count    bigint           NOT NULL DEFAULT 0,
  tool_message_count      bigint           NOT NULL DEFAULT 0,
  total_tokens            bigint           NOT NULL DEFAULT 0,
  total_characters        bigint           NOT NULL DEFAULT 0,
  first_message_at        timestamptz,
  last_message_at         timestamptz,
  -- context_hash of the last message: the head of the hash chain.
  last_context_hash       bytea            CHECK (last_context_hash IS NULL OR length(last_context_hash) = 32),
  context_entry_count     bigint           NOT NULL DEFAULT 0,
  -- message_count at the time the summary was last written.
  summary_message_count   bigint           NOT NULL DEFAULT 0,
  summary_updated_at      timestamptz,
  PRIMARY KEY (user_id, id)
);

-- Session ids are unique across users (a create with another user's id is
-- ALREADY_EXISTS). Under Citus this constraint moves to a reference table of
-- ids, since a distributed unique index must include the distribution column.
CREATE UNIQUE INDEX sessions_id_key ON sessions (id);
-- ListSessions: newest activity first, optionally by status.
CREATE INDEX sessions_user_activity_idx ON sessions (user_id, last_activity_at DESC, id DESC);
CREATE INDEX sessions_user_status_activity_idx ON sessions (user_id, status, last_activity_at DESC, id DESC);

CREATE TABLE messages (
  user_id           text        NOT NULL,
  session_id        text        NOT NULL,
  -- Gapless position in the session, assigned under the session row lock.
  message_index     bigint      NOT NULL CHECK (message_index >= 0),
  id                uuid        NOT NULL,
  role              text        NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  type              text        NOT NULL DEFAULT 'text',
  content           text        NOT NULL,
  metadata          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  parent_message_id uuid,
  content_hash      bytea       NOT NULL CHECK (length(content_hash) = 32),
  context_hash      bytea       NOT NULL CHECK (length(context_hash) = 32),
  token_count       integer     NOT NULL CHECK (token_count >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- Listing by index (forward, backward, last N) uses the primary key.
  PRIMARY KEY (user_id, session_id, message_index),
  FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE
);

-- GetMessage by id, and parent_message_id checks.
CREATE UNIQUE INDEX messages_user_id_key ON messages (user_id, id);
-- Searches over a user's messages by time range.
CREATE INDEX messages_user_created_idx ON messages (user_id, created_at);

-- One row per AppendMessages call that carried an idempotency key: a retry
-- with the same key returns messages first_index .. first_index+count-1.
CREATE TABLE message_append_requests (
  user_id         text        NOT NULL,
  session_id      text        NOT NULL,
  idempotency_key text        NOT NULL,
  -- SHA-256 of the request's messages: a key reused with other messages is refused.
  request_hash    bytea       NOT NULL,
  first_index     bigint      NOT NULL,
  message_count   integer     NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, session_id, idempotency_key),
  FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE message_append_requests;
DROP TABLE messages;
DROP TABLE sessions;
