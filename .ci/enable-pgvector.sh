#!/usr/bin/env bash
# Creates pgvector in template1 of the PostgreSQL 15 cluster on port $1
# (default 5432), as the superuser. pgvector is not a trusted extension, so the
# role ltst (CREATEDB, not superuser) may not create it itself; every database
# created from template1 afterwards (each test file's scratch database) is born
# with it. Databases created FROM template0 are not, which is how the tests get
# a PostgreSQL without pgvector (test/support/backends.ts). Idempotent. Needs
# root.
set -euo pipefail
port="${1:-5432}"

su postgres -c "psql -p ${port} -d template1 -v ON_ERROR_STOP=1 -qAt" >&2 <<'SQL'
CREATE EXTENSION IF NOT EXISTS vector;
SELECT 'pgvector ' || extversion || ' in template1' FROM pg_extension WHERE extname = 'vector';
SQL
