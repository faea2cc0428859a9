#!/usr/bin/env bash
# Starts a local Citus cluster for the tests: a coordinator and two workers,
# each its own PostgreSQL 15 cluster on its own port (pg_createcluster), with
# Citus preloaded and pgvector on every node, the role `ltst` (password `ltst`,
# CREATEDB) and the database `ltst` holding both extensions on every node, the
# workers registered with the coordinator. Prints the CITUS_URL to use.
#
# Needs Citus and pgvector installed (bash .ci/build-extensions.sh citus
# pgvector). Idempotent: what exists is left as it is, what is stopped is
# started. Needs root. Ports: $CITUS_PORT (default 5460) for the coordinator,
# the next two for the workers.
set -euo pipefail
shopt -s inherit_errexit

coordinator_port="${CITUS_PORT:-5460}"
nodes=("citus_coord:${coordinator_port}" "citus_w1:$((coordinator_port + 1))" "citus_w2:$((coordinator_port + 2))")
database=ltst

if [ ! -f "$(pg_config --pkglibdir)/citus.so" ]; then
  echo "Citus is not installed into $(pg_config --pkglibdir): run bash .ci/build-extensions.sh citus first" >&2
  exit 1
fi

psql_super() {
  local port="$1" db="$2"
  su postgres -c "psql -p ${port} -d ${db} -v ON_ERROR_STOP=1 -qAt"
}

for node in "${nodes[@]}"; do
  name="${node%%:*}" port="${node##*:}"
  if ! pg_lsclusters -h | awk -v n="$name" '$1 == "15" && $2 == n' | grep . >/dev/null; then
    echo "creating PostgreSQL 15 cluster ${name} on port ${port}" >&2
    pg_createcluster 15 "$name" --port "$port" >&2
    # Citus must be loaded at server start, first of the preloaded libraries.
    pg_conftool 15 "$name" set shared_preload_libraries citus
    # Citus's own connections between the nodes (metadata sync, the
    # maintenance daemon) are made as the superuser, which has no password:
    # trusted from this machine only, ahead of the password rules. The role
    # ltst authenticates with its password (pg_dist_authinfo below).
    hba="/etc/postgresql/15/${name}/pg_hba.conf"
    sed -i '0,/^local/s//host    all             postgres        127.0.0.1\/32            trust\n&/' "$hba"
  fi
  if ! pg_lsclusters -h | awk -v n="$name" '$1 == "15" && $2 == n { print $4 }' | grep online >/dev/null; then
    pg_ctlcluster 15 "$name" start >&2
  fi
done

for node in "${nodes[@]}"; do
  port="${node##*:}"
  for _ in $(seq 1 30); do
    if su postgres -c "psql -p ${port} -qAtc 'SELECT 1'" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  # Every node: the role, the database, both extensions (and pgvector in
  # template1, as on the single node). The role is created on each node before
  # the workers are added; Citus then finds it there.
  psql_super "$port" postgres >&2 <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ltst') THEN
    CREATE ROLE ltst LOGIN PASSWORD 'ltst' CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE ltst OWNER ltst' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ltst')\gexec
SQL
  psql_super "$port" template1 >&2 <<<'CREATE EXTENSION IF NOT EXISTS vector;'
  psql_super "$port" "$database" >&2 <<'SQL'
-- Not IF NOT EXISTS: with Citus there, a worker refuses even that, as an
-- operation for the coordinator.
SELECT 'CREATE EXTENSION citus' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')\gexec
SELECT 'CREATE EXTENSION vector' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'vector')\gexec
-- The password Citus uses when it connects to a node as ltst (0: every node).
INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo)
SELECT 0, 'ltst', 'password=ltst'
WHERE NOT EXISTS (SELECT FROM pg_dist_authinfo WHERE nodeid = 0 AND rolename = 'ltst');
SQL
done

echo "registering the workers with the coordinator on port ${coordinator_port}" >&2
{
  echo "SELECT citus_set_coordinator_host('127.0.0.1', ${coordinator_port});"
  for node in "${nodes[@]:1}"; do
    port="${node##*:}"
    echo "SELECT citus_add_node('127.0.0.1', ${port}) WHERE NOT EXISTS (SELECT FROM pg_dist_node WHERE nodename = '127.0.0.1' AND nodeport = ${port});"
  done
} | psql_super "$coordinator_port" "$database" >/dev/null

url="postgres://ltst:ltst@127.0.0.1:${coordinator_port}/${database}"
workers="$(psql "$url" -qAtc 'SELECT count(*) FROM citus_get_active_worker_nodes()')"
version="$(psql "$url" -qAtc "SELECT extversion FROM pg_extension WHERE extname = 'citus'")"
if [ "$workers" != 2 ]; then
  echo "expected 2 active Citus workers, the coordinator reports ${workers}" >&2
  exit 1
fi
echo "Citus ${version}: coordinator on ${coordinator_port}, ${workers} workers" >&2
echo "$url"
