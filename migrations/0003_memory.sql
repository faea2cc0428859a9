-- Up Migration
-- Memory beyond messages: context entries, user preferences, links between
-- sessions, and session summaries. Keyed by user_id first, like every table.

-- Keyed facts of a session. An entry whose expires_at has passed is never
-- returned, and the sweeper deletes it. Type and key sort bytewise
-- (COLLATE "C"), so ListContextEntries pages by type then key in the same
-- order on every database, straight from the primary key.
CREATE TABLE context_entries (
  user_id         text             NOT NULL,
  session_id      text             NOT NULL,
  type            text             COLLATE "C" NOT NULL,
  key             text             COLLATE "C" NOT NULL,
  value           text             NOT NULL,
  relevance_score double precision NOT NULL DEFAULT 0
                    CHECK (relevance_score >= 0 AND relevance_score <= 1),
  metadata        jsonb            NOT NULL DEFAULT '{}'::jsonb,
  expires_at      timestamptz,
  created_at      timestamptz      NOT NULL DEFAULT now(),
  updated_at      timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, session_id, type, key),
  FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE
);
-- The sweeper finds expired entries by time.
CREATE INDEX context_entries_expires_idx ON context_entries (expires_at) WHERE expires_at IS NOT NULL;

-- Per-user preferences. `value` is the UTF-8 text when key_id is NULL, and
-- otherwise AES-256-GCM output (nonce, ciphertext, tag) under the key named
-- key_id, so that keys can rotate: old rows stay readable with their key.
-- Keys sort bytewise (COLLATE "C"), so ListPreferences pages in the same order
-- on every database, straight from the primary key.
CREATE TABLE user_preferences (
  user_id    text        NOT NULL,
  key        text        COLLATE "C" NOT NULL,
  value      bytea       NOT NULL,
  key_id     text,
  metadata   jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- Links between two sessions of one user.
CREATE TABLE session_relationships (
  user_id           text             NOT NULL,
  source_session_id text             NOT NULL,
  target_session_id text             NOT NULL,
  relation          text             NOT NULL CHECK (relation IN ('continuation', 'reference', 'similar')),
  score             double precision NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
  metadata          jsonb            NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz      NOT NULL DEFAULT now(),
  updated_at        timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, source_session_id, target_session_id, relation),
  CHECK (source_session_id <> target_session_id),
  FOREIGN KEY (user_id, source_session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, target_session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE
);
-- Incoming links of a session.
CREATE INDEX session_relationships_target_idx ON session_relationships (user_id, target_session_id);

-- One summary per session, overwritten by each UpdateSummary.
CREATE TABLE session_summaries (
  user_id              text        NOT NULL,
  session_id           text        NOT NULL,
  content              text        NOT NULL,
  covers_through_index bigint      NOT NULL CHECK (covers_through_index >= -1),
  token_count          integer     NOT NULL CHECK (token_count >= 0),
  metadata             jsonb       NOT NULL DEFAULT '{}'::jsonb,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, session_id),
  FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE session_summaries;
DROP TABLE session_relationships;
DROP TABLE user_preferences;
DROP TABLE context_entries;
