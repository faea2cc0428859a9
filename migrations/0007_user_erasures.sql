-- Up Migration
-- The audit trail of EraseUserData: one row per erasure, with who asked,
-- when, and how many rows of each table went, but no content of the erased
-- user (only their user id, which the record is about). Erasures never
-- delete these rows. Keyed like every user table (tenant_id, user_id, ...),
-- so that on Citus it is distributed by user_id, co-located with sessions:
-- the erasure and its record commit together on the user's worker.
CREATE TABLE user_erasures (
  tenant_id      text        NOT NULL,
  user_id        text        NOT NULL,
  id             uuid        NOT NULL,
  -- The credential that asked (Principal.credentialId): a key id or a
  -- subject, never a secret.
  requested_by   text        NOT NULL,
  erased_at      timestamptz NOT NULL DEFAULT now(),
  -- {"<table>": rows deleted, ...}
  deleted_counts jsonb       NOT NULL,
  PRIMARY KEY (tenant_id, user_id, id)
);
-- ListErasureRecords: newest first, per tenant (and per user).
CREATE INDEX user_erasures_tenant_time_idx ON user_erasures (tenant_id, erased_at DESC, id DESC);

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    PERFORM create_distributed_table('user_erasures', 'user_id', colocate_with => 'sessions');
  END IF;
END
$$;

-- Down Migration
DROP TABLE user_erasures;
