-- Up Migration
-- API keys. A key is `ltst_<key_id>_<secret>`: the key id is visible (logs,
-- `ltst keys list`), the secret is 256 random bits shown once at creation.
-- Only SHA-256 of the whole key is stored: the secret has full entropy, so a
-- slow password hash would add nothing but latency to every call.
-- Not keyed by user: under Citus this is a reference table.
CREATE TABLE api_keys (
  key_id      text        PRIMARY KEY CHECK (key_id ~ '^[a-z0-9]{16}$'),
  tenant_id   text        NOT NULL,
  role        text        NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
  -- When set, the key may only act for this user_id.
  user_id     text,
  name        text        NOT NULL DEFAULT '',
  key_hash    bytea       NOT NULL CHECK (length(key_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Set once by `ltst keys revoke`; a revoked key never authenticates again.
  revoked_at  timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);

-- Down Migration
DROP TABLE api_keys;
