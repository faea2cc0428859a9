#!/usr/bin/env bash
# Builds and installs PostgreSQL 15 extensions from the vendored release
# sources (../shared/vendor beside the clone, or $LTST_VENDOR_DIR): no Debian
# package of these machines ships them and the machines cannot download them.
#
#   bash .ci/build-extensions.sh packages   # the build packages (before the cluster starts)
#   bash .ci/build-extensions.sh pgvector   # pgvector 0.8.6
#   bash .ci/build-extensions.sh citus      # Citus 13.2.2 (about 3 min on 2 cores)
#
# Idempotent: an extension whose installed version is already the vendored one
# is not rebuilt (LTST_REBUILD_EXTENSIONS=1 forces it). Progress goes to
# stderr with each build's duration. Needs root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Resolved only when a build needs the sources, so that a machine with
# everything installed does not need the vendored folder at all.
vendored_tarball() {
  local dir="${LTST_VENDOR_DIR:-../shared/vendor}" file
  if [ ! -d "$dir" ]; then
    echo "vendored extension sources not found: $(realpath -m "$dir") does not exist." >&2
    echo "CI expects a read-only copy of shared/ beside the clone (../shared/vendor); elsewhere set LTST_VENDOR_DIR to the folder holding $1." >&2
    exit 1
  fi
  file="$(realpath "$dir")/$1"
  if [ ! -f "$file" ]; then
    echo "vendored source missing: ${file} (see $(dirname "$file")/README.md)" >&2
    exit 1
  fi
  printf '%s\n' "$file"
}

# The version of `name` the server's extension directory holds, empty if none.
installed_version() {
  local control
  control="$(pg_config --sharedir 2>/dev/null)/extension/$1.control"
  [ -f "$control" ] || return 0
  sed -n "s/^default_version = '\(.*\)'/\1/p" "$control"
}

up_to_date() {
  local name="$1" want="$2" have
  have="$(installed_version "$name")"
  if [ "${LTST_REBUILD_EXTENSIONS:-0}" != 1 ] && [ "$have" = "$want" ]; then
    echo "${name} ${want} is already installed into $(pg_config --pkglibdir): not rebuilt" >&2
    return 0
  fi
  return 1
}

install_packages() {
  # postgresql-server-dev-15 upgrades the server packages to the newest 15.x:
  # a server already running would then fail to load plpgsql.so ("undefined
  # symbol"), so .ci/run calls this before starting PostgreSQL (and
  # start-postgres.sh restarts a cluster older than its binaries anyway).
  local packages=(postgresql-15 postgresql-server-dev-15 build-essential
    libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev libselinux1-dev
    libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev libicu-dev)
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -F 'install ok installed' >/dev/null || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "build packages already installed" >&2
    return 0
  fi
  echo "installing ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # A cluster that was already running is now older than its binaries.
  local cluster
  for cluster in $(pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $4 == "online" { print $2 }'); do
    echo "restarting PostgreSQL 15 cluster ${cluster}: its server packages were just upgraded" >&2
    as_root pg_ctlcluster 15 "$cluster" restart >&2
  done
}

build_pgvector() {
  local version=0.8.6 tarball build started
  up_to_date vector "$version" && return 0
  tarball="$(vendored_tarball "pgvector-${version}.tar.gz")"
  build="$(mktemp -d)"
  started=$SECONDS
  tar xzf "$tarball" -C "$build"
  # OPTFLAGS="": no -march=native, so the build runs on any x86-64 machine.
  make -s -C "$build/pgvector-${version}" OPTFLAGS="" >&2
  as_root make -s -C "$build/pgvector-${version}" OPTFLAGS="" install >&2
  rm -rf "$build"
  echo "pgvector ${version} built and installed in $((SECONDS - started)) s" >&2
}

build_citus() {
  local version=13.2.2 tarball build started have
  # citus.control's default_version carries a suffix ("13.2-1"); the library
  # reports the release itself. (Not grep -q: under pipefail, strings killed
  # by SIGPIPE would fail the check.)
  have="$(installed_version citus)"
  if [ "${LTST_REBUILD_EXTENSIONS:-0}" != 1 ] && [ -n "$have" ] \
    && strings "$(pg_config --pkglibdir)/citus.so" 2>/dev/null | grep -F "Citus ${version} " >/dev/null; then
    echo "citus ${version} is already installed into $(pg_config --pkglibdir): not rebuilt" >&2
    return 0
  fi
  tarball="$(vendored_tarball "citus-${version}-pg15.20.tar.gz")"
  build="$(mktemp -d)"
  started=$SECONDS
  tar xzf "$tarball" -C "$build"
  (
    cd "$build/citus-${version}"
    ./configure --quiet >&2
    make -s -j"$(nproc)" >&2
    as_root make -s install >&2
  )
  rm -rf "$build"
  echo "citus ${version} built and installed in $((SECONDS - started)) s" >&2
}

if [ "$#" -eq 0 ]; then set -- packages pgvector; fi
for what in "$@"; do
  case "$what" in
    packages) install_packages ;;
    pgvector) build_pgvector ;;
    citus) build_citus ;;
    *) echo "unknown extension '${what}' (packages, pgvector or citus)" >&2; exit 2 ;;
  esac
done
