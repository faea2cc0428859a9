#!/usr/bin/env bash
# Stops and deletes every PostgreSQL 15 cluster of the local Citus cluster
# named $1 (its clusters are named $1_coord, $1_w1, ...; see
# .ci/start-citus.sh), data included. For throwaway clusters such as the
# rebalancing test's; refuses the shared "citus" one. Needs root.
set -euo pipefail
prefix="${1:?usage: drop-citus.sh NAME}"
if [ "$prefix" = citus ]; then
  echo "refusing to drop the shared Citus cluster (citus_*)" >&2
  exit 1
fi
pg_lsclusters -h | awk -v p="${prefix}_" '$1 == "15" && index($2, p) == 1 { print $2 }' | while read -r name; do
  echo "dropping PostgreSQL 15 cluster ${name}" >&2
  pg_dropcluster --stop 15 "$name" >&2
done
