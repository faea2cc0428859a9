#!/usr/bin/env bash
# Functions shared by .ci/start-postgres.sh and .ci/citus-node.sh for the
# machine's PostgreSQL 15 clusters (Debian's pg_ctlcluster). Needs root.

# Starts the PostgreSQL 15 cluster `name` (it must exist) unless it is
# running, then waits until the superuser can query it on `port`.
pg_cluster_start() {
  local name="$1" port="$2"
  if ! pg_lsclusters -h | awk -v n="$name" '$1 == "15" && $2 == n { print $4 }' | grep -q online; then
    pg_ctlcluster 15 "$name" start >&2
  fi
  for _ in $(seq 1 30); do
    if su postgres -c "psql -p ${port} -qAtc 'SELECT 1'" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "PostgreSQL 15 cluster ${name} on port ${port} does not answer" >&2
  exit 1
}

# The role `ltst` (password `ltst`, allowed to create databases: each test
# file gets its own) and the database `database` it owns, on the cluster on
# `port`. Idempotent.
pg_cluster_ensure_ltst() {
  local port="$1" database="$2"
  su postgres -c "psql -p ${port} -d postgres -v ON_ERROR_STOP=1 -qAt" >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ltst') THEN
    CREATE ROLE ltst LOGIN PASSWORD 'ltst' CREATEDB;
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE ${database} OWNER ltst' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${database}')\gexec
SQL
}
