#!/usr/bin/env bash
# Adds a worker to a local Citus cluster started by .ci/start-citus.sh: a
# PostgreSQL 15 cluster named $1 on port $2, prepared like the other nodes
# (Citus preloaded, wal_level=logical, the role ltst, the database ltst with
# Citus and pgvector), registered with the coordinator on port $3 (default
# 5460). It holds no shards until the shards are rebalanced
# (citus_rebalance_start()). Idempotent. Needs root.
#
#   bash .ci/add-citus-worker.sh citus_w3 5463 5460
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source=citus-node.sh
source "$(dirname "$0")/citus-node.sh"

name="${1:?usage: add-citus-worker.sh NAME PORT [COORDINATOR_PORT]}"
port="${2:?usage: add-citus-worker.sh NAME PORT [COORDINATOR_PORT]}"
coordinator_port="${3:-5460}"

citus_require_installed
citus_start_node "$name" "$port"
citus_prepare_node "$port"
citus_register_worker "$coordinator_port" "$port"
echo "worker ${name} on port ${port} registered with the coordinator on port ${coordinator_port}" >&2
