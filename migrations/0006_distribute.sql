-- Up Migration
-- On Citus (the extension is in this database), every table keyed by user
-- is distributed by user_id, all co-located with sessions: the rows of one
-- user, in every table, live in one shard group on one worker, so each
-- statement that names a user is routed to that worker whole (joins, foreign
-- keys, transactions), and users spread over the workers. api_keys (keyed by
-- key id, read on every call) is a reference table, copied to every worker.
-- Elsewhere this migration does nothing: the tables stay plain.
--
-- Distribution needs every unique index and foreign key to include user_id:
-- 0004 made every key (tenant_id, user_id, ...) and dropped the one index
-- that spanned users (sessions_id_key).
DO $$
DECLARE
  user_keyed text[] := ARRAY[
    'messages', 'message_append_requests', 'message_embedding_queue', 'context_entries',
    'user_preferences', 'session_relationships', 'session_summaries'];
  name text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  -- One connection per worker for the rest of this transaction: the tables
  -- were created (and may have been filled) in it, and foreign keys between
  -- distributed tables need their shards created over the same connections.
  SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
  -- The functions search and the embeddings table call, on every worker.
  PERFORM create_distributed_function('ltst_any_word_tsquery(text)');
  PERFORM create_distributed_function('ltst_tsquery_or_agg(tsquery)');
  PERFORM create_distributed_table('sessions', 'user_id');
  FOREACH name IN ARRAY user_keyed LOOP
    PERFORM create_distributed_table(name, 'user_id', colocate_with => 'sessions');
  END LOOP;
  IF to_regclass('message_embeddings') IS NOT NULL THEN
    PERFORM create_distributed_table('message_embeddings', 'user_id', colocate_with => 'sessions');
  END IF;
  PERFORM create_reference_table('api_keys');
END
$$;

-- As in 0004, and on Citus the embeddings table, created when pgvector
-- appears, is distributed like the rest.
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
  -- Only when missing: Citus refuses even CREATE EXTENSION IF NOT EXISTS
  -- of an existing extension to a role that does not own it.
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'vector') THEN
    BEGIN
      CREATE EXTENSION vector;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'pgvector is installed but this role may not CREATE EXTENSION vector: %', SQLERRM;
      RETURN false;
    END;
  END IF;
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
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    PERFORM create_distributed_table('message_embeddings', 'user_id', colocate_with => 'sessions');
  END IF;
  -- Nearest neighbours by cosine distance. Searches filter by tenant and
  -- user, so they run with hnsw.iterative_scan to keep scanning until enough
  -- rows pass. (On Citus: one index per shard, created on the workers.)
  CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops);
  -- Messages stored before the table existed wait for their embedding.
  INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
  SELECT tenant_id, user_id, session_id, message_index FROM messages
  ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;

-- Down Migration
-- Back to plain tables (undistribute_table copies the rows back to the
-- coordinator), and 0004's ltst_enable_vector_storage.
DO $$
DECLARE
  name text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  FOREACH name IN ARRAY ARRAY[
    'api_keys', 'message_embeddings', 'session_summaries', 'session_relationships', 'user_preferences',
    'context_entries', 'message_embedding_queue', 'message_append_requests', 'messages', 'sessions'] LOOP
    IF to_regclass(name) IS NOT NULL AND EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = to_regclass(name)) THEN
      PERFORM undistribute_table(name, cascade_via_foreign_keys => true);
    END IF;
  END LOOP;
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
    tenant_id     text        NOT NULL,
    PRIMARY KEY (tenant_id, user_id, session_id, message_index),
    CONSTRAINT message_embeddings_message_fkey FOREIGN KEY (tenant_id, user_id, session_id, message_index)
      REFERENCES messages (tenant_id, user_id, session_id, message_index) ON DELETE CASCADE
  );
  CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops);
  INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
  SELECT tenant_id, user_id, session_id, message_index FROM messages
  ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;
