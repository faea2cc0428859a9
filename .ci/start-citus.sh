#!/usr/bin/env bash
# Starts a local Citus cluster for the tests: a coordinator and two workers,
# each its own PostgreSQL 15 cluster on its own port (pg_createcluster), with
# Citus preloaded, wal_level=logical (for shard moves that let writes go on)
# and pgvector on every node, the role `ltst` (password `ltst`, CREATEDB) and
# the database `ltst` holding both extensions on every node, the workers
# registered with the coordinator. Prints the CITUS_URL to use.
#
# Needs Citus and pgvector installed (bash .ci/build-extensions.sh citus
# pgvector). Idempotent: what exists is left as it is, what is stopped is
# started. Needs root. Ports: $CITUS_PORT (default 5460) for the coordinator,
# the next two for the workers. The PostgreSQL clusters are named
# ${CITUS_NAME}_coord, ${CITUS_NAME}_w1 and ${CITUS_NAME}_w2 (CITUS_NAME
# defaults to citus): the rebalancing test starts a second cluster of its
# own this way (test/citus/rebalance.test.ts), and .ci/add-citus-worker.sh
# adds workers.
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source=citus-node.sh
source "$(dirname "$0")/citus-node.sh"

coordinator_port="${CITUS_PORT:-5460}"
prefix="${CITUS_NAME:-citus}"
nodes=("${prefix}_coord:${coordinator_port}" "${prefix}_w1:$((coordinator_port + 1))" "${prefix}_w2:$((coordinator_port + 2))")

citus_require_installed

for node in "${nodes[@]}"; do
  citus_start_node "${node%%:*}" "${node##*:}"
done

# Every node: the role, the database, both extensions. The role is created on
# each node before the workers are added; Citus then finds it there.
for node in "${nodes[@]}"; do
  citus_prepare_node "${node##*:}"
done

echo "registering the workers with the coordinator on port ${coordinator_port}" >&2
echo "SELECT citus_set_coordinator_host('127.0.0.1', ${coordinator_port});" | citus_psql_super "$coordinator_port" "$citus_database" >/dev/null
for node in "${nodes[@]:1}"; do
  citus_register_worker "$coordinator_port" "${node##*:}"
done

url="postgres://ltst:ltst@127.0.0.1:${coordinator_port}/${citus_database}"
workers="$(psql "$url" -qAtc 'SELECT count(*) FROM citus_get_active_worker_nodes()')"
version="$(psql "$url" -qAtc "SELECT extversion FROM pg_extension WHERE extname = 'citus'")"
if [ "$workers" -lt 2 ]; then
  echo "expected at least 2 active Citus workers, the coordinator reports ${workers}" >&2
  exit 1
fi
echo "Citus ${version}: coordinator on ${coordinator_port}, ${workers} workers" >&2
echo "$url"
