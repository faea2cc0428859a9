#!/usr/bin/env bash
# Starts the machine's native PostgreSQL 15 (installing it from Debian's
# packages if it is missing), creates the role `ltst` (password `ltst`, allowed
# to create databases: each test file gets its own) and the database
# `ltst_ci`, and prints the DATABASE_URL to use. Needs root.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! pg_lsclusters 2>/dev/null | grep -q '^15 '; then
  echo "installing PostgreSQL 15 from Debian packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi

if ! pg_lsclusters | awk '$1 == "15" && $2 == "main" { print $4 }' | grep -q online; then
  pg_ctlcluster 15 main start >&2
fi

for _ in $(seq 1 30); do
  if su postgres -c "psql -qAtc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done

su postgres -c "psql -v ON_ERROR_STOP=1 -qAt" >&2 <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ltst') THEN
    CREATE ROLE ltst LOGIN PASSWORD 'ltst' CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE ltst_ci OWNER ltst' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ltst_ci')\gexec
SQL

echo "postgres://ltst:ltst@127.0.0.1:5432/ltst_ci"
