-- Up Migration
-- Search: full-text search on messages, the embedding work queue, and the
-- embeddings themselves (only where pgvector is available).

-- Full-text search. The tsvector is computed by PostgreSQL from the content,
-- so it can never disagree with it. Only the first 131072 characters are
-- indexed: a tsvector is limited to 1 MB, and a message of unique words near
-- the 1 MiB content limit would exceed it and fail the append.
ALTER TABLE messages
  ADD COLUMN content_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, left(content, 131072))) STORED;
CREATE INDEX messages_content_tsv_idx ON messages USING gin (content_tsv);

-- Lexical search matches any of the query's words (OR), ranked by
-- ts_rank_cd, rather than plainto_tsquery's all-words AND, which finds
-- nothing as soon as one word of a natural-language query is absent.
CREATE AGGREGATE ltst_tsquery_or_agg(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- The query for `query_text`: its English lexemes joined by OR. An empty
-- tsquery (only stop words) matches nothing.
CREATE FUNCTION ltst_any_word_tsquery(query_text text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- Each lexeme is quoted as a tsquery literal (quotes and backslashes doubled).
  SELECT coalesce(
           ltst_tsquery_or_agg(
             ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery),
           ''::tsquery)
  FROM unnest(tsvector_to_array(to_tsvector('english'::regconfig, query_text))) AS lexeme
$$;

-- Messages waiting for their embedding. Appends add a row in the same
-- statement as the message (only when embeddings are stored, see below);
-- workers on any replica claim rows with FOR UPDATE SKIP LOCKED by pushing
-- available_at forward by a lease, and delete them once the embedding is
-- written. A worker that dies mid-batch simply lets its lease run out, and
-- the rows are claimed again.
CREATE TABLE message_embedding_queue (
  user_id       text        NOT NULL,
  session_id    text        NOT NULL,
  message_index bigint      NOT NULL,
  enqueued_at   timestamptz NOT NULL DEFAULT now(),
  -- Not claimable before this time: the end of a claim's lease, or of a
  -- failed attempt's backoff.
  available_at  timestamptz NOT NULL DEFAULT now(),
  -- Claims so far (each failure or expired lease counts).
  attempts      integer     NOT NULL DEFAULT 0,
  -- The current claim; a worker only completes rows that still carry its token.
  claim_token   uuid,
  last_error    text,
  PRIMARY KEY (user_id, session_id, message_index),
  FOREIGN KEY (user_id, session_id, message_index)
    REFERENCES messages (user_id, session_id, message_index) ON DELETE CASCADE
);
CREATE INDEX message_embedding_queue_available_idx ON message_embedding_queue (available_at);

-- Creates the vector extension and the embeddings table when pgvector is
-- installed, and does nothing otherwise (native PostgreSQL without pgvector
-- runs the service with lexical search only). Returns whether the table
-- exists afterwards. Idempotent: the service calls it again at every start,
-- so installing pgvector later needs only a restart (the service then queues
-- every message that has no embedding yet).
CREATE FUNCTION ltst_enable_vector_storage() RETURNS boolean
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
    PRIMARY KEY (user_id, session_id, message_index),
    FOREIGN KEY (user_id, session_id, message_index)
      REFERENCES messages (user_id, session_id, message_index) ON DELETE CASCADE
  );
  -- Nearest neighbours by cosine distance. Searches filter by user, so they
  -- run with hnsw.iterative_scan to keep scanning until enough rows pass.
  CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops);
  -- Messages stored before the table existed wait for their embedding.
  INSERT INTO message_embedding_queue (user_id, session_id, message_index)
  SELECT user_id, session_id, message_index FROM messages
  ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;

SELECT ltst_enable_vector_storage();

-- Down Migration
DROP TABLE IF EXISTS message_embeddings;
DROP FUNCTION ltst_enable_vector_storage();
DROP TABLE message_embedding_queue;
DROP FUNCTION ltst_any_word_tsquery(text);
DROP AGGREGATE ltst_tsquery_or_agg(tsquery);
DROP INDEX messages_content_tsv_idx;
ALTER TABLE messages DROP COLUMN content_tsv;
