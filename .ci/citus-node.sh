#!/usr/bin/env bash
# Functions for one node of a local Citus cluster, sourced by
# .ci/start-citus.sh and .ci/add-citus-worker.sh: each node is a PostgreSQL 15
# cluster of its own (pg_createcluster) on its own port, with Citus preloaded,
# and the role `ltst` (password `ltst`, CREATEDB) and the database `ltst`
# holding Citus and pgvector. Needs root.

citus_database=ltst

# shellcheck source=.ci/pg-cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/pg-cluster.sh"

citus_require_installed() {
  if [ ! -f "$(pg_config --pkglibdir)/citus.so" ]; then
    echo "Citus is not installed into $(pg_config --pkglibdir): run bash .ci/build-extensions.sh citus first" >&2
    exit 1
  fi
}

citus_psql_super() {
  local port="$1" db="$2"
  su postgres -c "psql -p ${port} -d ${db} -v ON_ERROR_STOP=1 -qAt"
}

# Creates the PostgreSQL 15 cluster `name` on `port` unless it exists, and
# starts it unless it is running; then waits until it answers.
citus_start_node() {
  local name="$1" port="$2"
  if ! pg_lsclusters -h | awk -v n="$name" '$1 == "15" && $2 == n' | grep . >/dev/null; then
    echo "creating PostgreSQL 15 cluster ${name} on port ${port}" >&2
    pg_createcluster 15 "$name" --port "$port" >&2
    # Citus must be loaded at server start, first of the preloaded libraries.
    pg_conftool 15 "$name" set shared_preload_libraries citus
    # Shard moves that let writes go on (citus_rebalance_start, the
    # 'force_logical' transfer mode) copy through logical replication.
    pg_conftool 15 "$name" set wal_level logical
    # Citus's own connections between the nodes (metadata sync, the
    # maintenance daemon) are made as the superuser, which has no password:
    # trusted from this machine only, ahead of the password rules. The role
    # ltst authenticates with its password (pg_dist_authinfo below).
    local hba="/etc/postgresql/15/${name}/pg_hba.conf"
    sed -i '0,/^local/s//host    all             postgres        127.0.0.1\/32            trust\n&/' "$hba"
  fi
  pg_cluster_start "$name" "$port"
}

# The role, the database and both extensions on the node on `port` (and
# pgvector in template1, as on the single node). Idempotent.
citus_prepare_node() {
  local port="$1"
  pg_cluster_ensure_ltst "$port" "$citus_database"
  citus_psql_super "$port" template1 >&2 <<<'CREATE EXTENSION IF NOT EXISTS vector;'
  citus_psql_super "$port" "$citus_database" >&2 <<'SQL'
-- Not IF NOT EXISTS: with Citus there, a worker refuses even that, as an
-- operation for the coordinator.
SELECT 'CREATE EXTENSION citus' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')\gexec
SELECT 'CREATE EXTENSION vector' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'vector')\gexec
-- The password Citus uses when it connects to a node as ltst (0: every node).
INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo)
SELECT 0, 'ltst', 'password=ltst'
WHERE NOT EXISTS (SELECT FROM pg_dist_authinfo WHERE nodeid = 0 AND rolename = 'ltst');
SQL
}

# Registers the worker on `worker_port` with the coordinator on
# `coordinator_port`, unless it is registered already.
citus_register_worker() {
  local coordinator_port="$1" worker_port="$2"
  echo "SELECT citus_add_node('127.0.0.1', ${worker_port}) WHERE NOT EXISTS (SELECT FROM pg_dist_node WHERE nodename = '127.0.0.1' AND nodeport = ${worker_port});" |
    citus_psql_super "$coordinator_port" "$citus_database" >/dev/null
}
