-- Up Migration
-- Tenants. The tenant comes from the caller's credential, never from the
-- request, and is part of every key, unique index, foreign key and query:
-- two tenants may use the same user ids and session ids without ever seeing
-- each other's rows. Existing rows move to the tenant 'default'.
--
-- Keys are (tenant_id, user_id, ...): user_id stays in every key, since the
-- tables will be distributed by user_id (Citus, co-located), and a
-- distributed unique index or foreign key must include the distribution
-- column. The column is added with DEFAULT 'default' (existing rows get it
-- without a table rewrite), and the default is dropped at once, so that an
-- INSERT that forgets tenant_id fails instead of landing in 'default'.

-- Foreign keys go first: the keys they reference are replaced below. The
-- embeddings table exists only where pgvector is (see 0002).
DO $$
BEGIN
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    ALTER TABLE message_embeddings DROP CONSTRAINT message_embeddings_user_id_session_id_message_index_fkey;
  END IF;
END
$$;
ALTER TABLE messages DROP CONSTRAINT messages_user_id_session_id_fkey;
ALTER TABLE message_append_requests DROP CONSTRAINT message_append_requests_user_id_session_id_fkey;
ALTER TABLE message_embedding_queue DROP CONSTRAINT message_embedding_queue_user_id_session_id_message_index_fkey;
ALTER TABLE context_entries DROP CONSTRAINT context_entries_user_id_session_id_fkey;
ALTER TABLE session_relationships DROP CONSTRAINT session_relationships_user_id_source_session_id_fkey;
ALTER TABLE session_relationships DROP CONSTRAINT session_relationships_user_id_target_session_id_fkey;
ALTER TABLE session_summaries DROP CONSTRAINT session_summaries_user_id_session_id_fkey;

-- Session ids were unique across users, so a CreateSession with another
-- user's id answered ALREADY_EXISTS and revealed that the session existed.
-- They are now unique per (tenant, user): each user has their own namespace.
DROP INDEX sessions_id_key;

ALTER TABLE sessions
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  -- UTF-8 bytes of the content of all the session's messages, kept exact by
  -- every append like the other statistics: the per-tenant storage quota
  -- sums it.
  ADD COLUMN content_bytes bigint NOT NULL DEFAULT 0 CHECK (content_bytes >= 0),
  DROP CONSTRAINT sessions_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, id);
ALTER TABLE sessions ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX sessions_user_activity_idx;
DROP INDEX sessions_user_status_activity_idx;
CREATE INDEX sessions_user_activity_idx ON sessions (tenant_id, user_id, last_activity_at DESC, id DESC);
CREATE INDEX sessions_user_status_activity_idx ON sessions (tenant_id, user_id, status, last_activity_at DESC, id DESC);

UPDATE sessions s SET content_bytes = m.bytes
FROM (
  SELECT user_id, session_id, sum(octet_length(content))::bigint AS bytes
  FROM messages
  GROUP BY user_id, session_id
) m
WHERE s.user_id = m.user_id AND s.id = m.session_id;

ALTER TABLE messages
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT messages_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, session_id, message_index),
  ADD CONSTRAINT messages_session_fkey FOREIGN KEY (tenant_id, user_id, session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE;
ALTER TABLE messages ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX messages_user_id_key;
DROP INDEX messages_user_created_idx;
CREATE UNIQUE INDEX messages_user_id_key ON messages (tenant_id, user_id, id);
CREATE INDEX messages_user_created_idx ON messages (tenant_id, user_id, created_at);

ALTER TABLE message_append_requests
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT message_append_requests_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, session_id, idempotency_key),
  ADD CONSTRAINT message_append_requests_session_fkey FOREIGN KEY (tenant_id, user_id, session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE;
ALTER TABLE message_append_requests ALTER COLUMN tenant_id DROP DEFAULT;

ALTER TABLE message_embedding_queue
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT message_embedding_queue_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, session_id, message_index),
  ADD CONSTRAINT message_embedding_queue_message_fkey FOREIGN KEY (tenant_id, user_id, session_id, message_index)
    REFERENCES messages (tenant_id, user_id, session_id, message_index) ON DELETE CASCADE;
ALTER TABLE message_embedding_queue ALTER COLUMN tenant_id DROP DEFAULT;

ALTER TABLE context_entries
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT context_entries_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, session_id, type, key),
  ADD CONSTRAINT context_entries_session_fkey FOREIGN KEY (tenant_id, user_id, session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE;
ALTER TABLE context_entries ALTER COLUMN tenant_id DROP DEFAULT;

ALTER TABLE user_preferences
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT user_preferences_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, key);
ALTER TABLE user_preferences ALTER COLUMN tenant_id DROP DEFAULT;

ALTER TABLE session_relationships
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT session_relationships_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, source_session_id, target_session_id, relation),
  ADD CONSTRAINT session_relationships_source_fkey FOREIGN KEY (tenant_id, user_id, source_session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT session_relationships_target_fkey FOREIGN KEY (tenant_id, user_id, target_session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE;
ALTER TABLE session_relationships ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX session_relationships_target_idx;
CREATE INDEX session_relationships_target_idx ON session_relationships (tenant_id, user_id, target_session_id);

ALTER TABLE session_summaries
  ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
  DROP CONSTRAINT session_summaries_pkey,
  ADD PRIMARY KEY (tenant_id, user_id, session_id),
  ADD CONSTRAINT session_summaries_session_fkey FOREIGN KEY (tenant_id, user_id, session_id)
    REFERENCES sessions (tenant_id, user_id, id) ON DELETE CASCADE;
ALTER TABLE session_summaries ALTER COLUMN tenant_id DROP DEFAULT;

-- The embeddings table, where it exists; otherwise ltst_enable_vector_storage
-- below creates it in its new shape once pgvector appears.
DO $$
BEGIN
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    ALTER TABLE message_embeddings
      ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
      DROP CONSTRAINT message_embeddings_pkey,
      ADD PRIMARY KEY (tenant_id, user_id, session_id, message_index),
      ADD CONSTRAINT message_embeddings_message_fkey FOREIGN KEY (tenant_id, user_id, session_id, message_index)
        REFERENCES messages (tenant_id, user_id, session_id, message_index) ON DELETE CASCADE;
    ALTER TABLE message_embeddings ALTER COLUMN tenant_id DROP DEFAULT;
  END IF;
END
$$;

-- As in 0002, with tenant_id in the embeddings table's key and foreign key.
CREATE OR REPLACE FUNCTION ltst_enable_vector_storage() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  -- Replicas starting together create the table once.
  PERFORM pg_advisory_xact_lock(hashtext('ltst_enable_vector_storage'));
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RETURN false;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'pgvector is installed but this role may not CREATE EXTENSION vector: %', SQLERRM;
    RETURN false;
  END;
  -- One embedding per message, for the model named in `model`.
  CREATE TABLE message_embeddings (
    user_id       text        NOT NULL,
    session_id    text        NOT NULL,
    message_index bigint      NOT NULL,
    model         text        NOT NULL,
    embedding     vector(384) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    tenant_id     text        NOT NULL,
    PRIMARY KEY (tenant_id, user_id, session_id, message_index),
    CONSTRAINT message_embeddings_message_fkey FOREIGN KEY (tenant_id, user_id, session_id, message_index)
      REFERENCES messages (tenant_id, user_id, session_id, message_index) ON DELETE CASCADE
  );
  -- Nearest neighbours by cosine distance. Searches filter by tenant and
  -- user, so they run with hnsw.iterative_scan to keep scanning until enough
  -- rows pass.
  CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops);
  -- Messages stored before the table existed wait for their embedding.
  INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
  SELECT tenant_id, user_id, session_id, message_index FROM messages
  ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;

-- Down Migration
-- Back to one implicit tenant. Refused while any tenant other than 'default'
-- holds data: its rows would collide with the default tenant's keys.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM sessions WHERE tenant_id <> 'default')
     OR EXISTS (SELECT 1 FROM user_preferences WHERE tenant_id <> 'default') THEN
    RAISE EXCEPTION 'tenants other than ''default'' hold data: delete it before migrating down';
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION ltst_enable_vector_storage() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ltst_enable_vector_storage'));
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RETURN false;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'pgvector is installed but this role may not CREATE EXTENSION vector: %', SQLERRM;
    RETURN false;
  END;
  CREATE TABLE message_embeddings (
    user_id       text        NOT NULL,
    session_id    text        NOT NULL,
    message_index bigint      NOT NULL,
    model         text        NOT NULL,
    embedding     vector(384) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id, message_index),
    FOREIGN KEY (user_id, session_id, message_index)
      REFERENCES messages (user_id, session_id, message_index) ON DELETE CASCADE
  );
  CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops);
  INSERT INTO message_embedding_queue (user_id, session_id, message_index)
  SELECT user_id, session_id, message_index FROM messages
  ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;

DO $$
BEGIN
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    ALTER TABLE message_embeddings DROP CONSTRAINT message_embeddings_message_fkey;
  END IF;
END
$$;
ALTER TABLE session_summaries DROP CONSTRAINT session_summaries_session_fkey;
ALTER TABLE session_relationships DROP CONSTRAINT session_relationships_source_fkey;
ALTER TABLE session_relationships DROP CONSTRAINT session_relationships_target_fkey;
ALTER TABLE context_entries DROP CONSTRAINT context_entries_session_fkey;
ALTER TABLE message_embedding_queue DROP CONSTRAINT message_embedding_queue_message_fkey;
ALTER TABLE message_append_requests DROP CONSTRAINT message_append_requests_session_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_session_fkey;

ALTER TABLE sessions DROP CONSTRAINT sessions_pkey, ADD PRIMARY KEY (user_id, id);
ALTER TABLE sessions DROP COLUMN tenant_id, DROP COLUMN content_bytes;
CREATE UNIQUE INDEX sessions_id_key ON sessions (id);
DROP INDEX IF EXISTS sessions_user_activity_idx;
DROP INDEX IF EXISTS sessions_user_status_activity_idx;
CREATE INDEX sessions_user_activity_idx ON sessions (user_id, last_activity_at DESC, id DESC);
CREATE INDEX sessions_user_status_activity_idx ON sessions (user_id, status, last_activity_at DESC, id DESC);

ALTER TABLE messages DROP CONSTRAINT messages_pkey, ADD PRIMARY KEY (user_id, session_id, message_index);
DROP INDEX messages_user_id_key;
DROP INDEX messages_user_created_idx;
ALTER TABLE messages DROP COLUMN tenant_id;
CREATE UNIQUE INDEX messages_user_id_key ON messages (user_id, id);
CREATE INDEX messages_user_created_idx ON messages (user_id, created_at);
ALTER TABLE messages ADD FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE;

ALTER TABLE message_append_requests DROP CONSTRAINT message_append_requests_pkey,
  ADD PRIMARY KEY (user_id, session_id, idempotency_key);
ALTER TABLE message_append_requests DROP COLUMN tenant_id,
  ADD FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE;

ALTER TABLE message_embedding_queue DROP CONSTRAINT message_embedding_queue_pkey,
  ADD PRIMARY KEY (user_id, session_id, message_index);
ALTER TABLE message_embedding_queue DROP COLUMN tenant_id,
  ADD FOREIGN KEY (user_id, session_id, message_index)
    REFERENCES messages (user_id, session_id, message_index) ON DELETE CASCADE;

DO $$
BEGIN
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    ALTER TABLE message_embeddings DROP CONSTRAINT message_embeddings_pkey,
      ADD PRIMARY KEY (user_id, session_id, message_index);
    ALTER TABLE message_embeddings DROP COLUMN tenant_id,
      ADD FOREIGN KEY (user_id, session_id, message_index)
        REFERENCES messages (user_id, session_id, message_index) ON DELETE CASCADE;
  END IF;
END
$$;

ALTER TABLE context_entries DROP CONSTRAINT context_entries_pkey, ADD PRIMARY KEY (user_id, session_id, type, key);
ALTER TABLE context_entries DROP COLUMN tenant_id,
  ADD FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE;

ALTER TABLE user_preferences DROP CONSTRAINT user_preferences_pkey, ADD PRIMARY KEY (user_id, key);
ALTER TABLE user_preferences DROP COLUMN tenant_id;

ALTER TABLE session_relationships DROP CONSTRAINT session_relationships_pkey,
  ADD PRIMARY KEY (user_id, source_session_id, target_session_id, relation);
DROP INDEX session_relationships_target_idx;
ALTER TABLE session_relationships DROP COLUMN tenant_id,
  ADD FOREIGN KEY (user_id, source_session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE,
  ADD FOREIGN KEY (user_id, target_session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE;
CREATE INDEX session_relationships_target_idx ON session_relationships (user_id, target_session_id);

ALTER TABLE session_summaries DROP CONSTRAINT session_summaries_pkey, ADD PRIMARY KEY (user_id, session_id);
ALTER TABLE session_summaries DROP COLUMN tenant_id,
  ADD FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE;
