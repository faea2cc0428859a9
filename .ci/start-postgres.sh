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

# shellcheck source=.ci/pg-cluster.sh
. "$(dirname "$0")/pg-cluster.sh"
pg_cluster_start main 5432
pg_cluster_ensure_ltst 5432 ltst_ci

echo "postgres://ltst:ltst@127.0.0.1:5432/ltst_ci"
