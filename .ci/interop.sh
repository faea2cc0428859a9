#!/usr/bin/env bash
# Runs the generated Python and Go clients (gen/python, gen/go) against a
# running LTST Memory server. Installs nothing: .ci/run installs Debian's
# packages (python3-grpcio, python3-protobuf, python3-pip, python3-setuptools,
# python3-wheel, golang-go, golang-google-grpc-dev, golang-google-protobuf-dev,
# golang-github-golang-protobuf-1-5-dev), and docs/clients.md ("Python and Go
# clients") says the same for a developer machine. test/interop/ runs it from
# `npm test`, against a service on each database backend.
#
# Usage:
#   bash .ci/interop.sh check-python        exit 0 if the Python client can run here, else say why, exit 1
#   bash .ci/interop.sh check-python-package  the same for building the Python package
#   bash .ci/interop.sh check-go            the same for the Go client
#   bash .ci/interop.sh python HOST:PORT    the full scenario through the Python stubs
#   bash .ci/interop.sh python-bad-input HOST:PORT MAX_MESSAGE_BYTES
#                                           malformed, mistyped and oversized requests from Python
#   bash .ci/interop.sh python-package      builds gen/python into a wheel (offline, Debian's
#                                           setuptools and wheel), installs it into a temporary
#                                           directory and imports every module from there
#   bash .ci/interop.sh go HOST:PORT        builds the Go scenario offline and runs it
#   bash .ci/interop.sh [all]               builds the service, makes a CA and a server
#                                           certificate (openssl), a writer and a reader key
#                                           (`ltst keys create`), starts `ltst serve` with TLS
#                                           on a free port (temporary embedded database, no
#                                           model), runs python, python-bad-input and go against
#                                           it, stops it, then runs python-package
#
# The programs connect as the environment says:
#   LTST_INTEROP_CA_FILE     PEM file of the CA that signed the server's certificate:
#                            TLS checked against it (unset: plaintext, for loopback only)
#   LTST_INTEROP_API_KEY     a writer key, sent with every call (authorization: Bearer);
#                            unset: no key (a server that runs open)
#   LTST_INTEROP_READER_KEY  a reader key of the same tenant; with the writer key set,
#                            each program checks that a write without a key is
#                            UNAUTHENTICATED and one with this key PERMISSION_DENIED
# (keys go through the environment, not arguments, which other local users see).
#
# LTST_INTEROP_PYTHON picks the interpreter (default /usr/bin/python3, which
# has Debian's grpcio and protobuf; a python3 earlier on PATH may not).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
python="${LTST_INTEROP_PYTHON:-/usr/bin/python3}"
# Debian's Go packages install their sources here (GOPATH layout).
debian_gopath=/usr/share/gocode
go_module=github.com/ltst-memory/ltst-memory/gen/go

check_python() {
  if [ ! -x "$python" ]; then
    echo "$python not found (LTST_INTEROP_PYTHON; Debian: apt-get install python3 python3-grpcio python3-protobuf)"
    return 1
  fi
  if ! "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
    echo "$python cannot import grpc and google.protobuf (Debian: apt-get install python3-grpcio python3-protobuf)"
    return 1
  fi
}

check_go() {
  if ! command -v go >/dev/null; then
    echo "go not found on PATH (Debian: apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)"
    return 1
  fi
  local package
  for package in google.golang.org/grpc google.golang.org/protobuf google.golang.org/genproto/googleapis/rpc/errdetails github.com/golang/protobuf/proto; do
    if [ ! -d "$debian_gopath/src/$package" ]; then
      echo "$debian_gopath/src/$package is missing (Debian: apt-get install golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)"
      return 1
    fi
  done
}

# The package as a user installs it: a wheel built without network (Debian's
# setuptools and wheel, no build isolation), installed into a temporary
# directory; every generated module must import from there.
check_python_package() {
  check_python || return 1
  if ! "$python" -c 'import setuptools, wheel, pip' 2>/dev/null; then
    echo "$python cannot import setuptools, wheel and pip (Debian: apt-get install python3-pip python3-setuptools python3-wheel)"
    return 1
  fi
}

python_package() {
  check_python_package >&2 || exit 1
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" RETURN
  # A copy: setuptools writes build/ and *.egg-info next to the sources.
  cp -r "$repo/gen/python" "$work/source"
  "$python" -m pip wheel --quiet --disable-pip-version-check --no-build-isolation --no-deps --no-index -w "$work/wheel" "$work/source"
  "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --no-index --target "$work/installed" "$work"/wheel/*.whl
  (cd "$work" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$work/installed" "$python" - "$repo/gen/python/src/ltst/memory/v1" <<'PY'
import importlib, os, sys
names = sorted(n[:-3] for n in os.listdir(sys.argv[1]) if n.endswith(".py"))
for name in names:
    module = importlib.import_module(f"ltst.memory.v1.{name}")
    assert module.__file__.startswith(os.getcwd()), f"{name} imported from {module.__file__}, not the installed wheel"
stubs = sorted(n for n in os.listdir(os.path.join(os.getcwd(), "installed", "ltst", "memory", "v1")) if n.endswith(".pyi"))
assert len(stubs) * 2 == len(names), f"type stubs {stubs} for modules {names}"
print(f"[python-package] ok   the wheel installs {len(names)} modules and {len(stubs)} type stubs, and they import")
print("[python-package] 1 passed, 0 failed")
PY
  )
}

run_python() {
  check_python >&2 || exit 1
  # No __pycache__ in gen/ (the gen/ check would see it) nor in test/.
  PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$repo/gen/python/src" "$python" "$repo/test/interop/python/$1" "${@:2}"
}

# Builds test/interop/go offline: GOPATH mode, with Debian's sources and the
# generated module linked at its import path. No module proxy, no download.
run_go() {
  check_go >&2 || exit 1
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" RETURN
  mkdir -p "$work/src/$(dirname "$go_module")"
  ln -s "$repo/gen/go" "$work/src/$go_module"
  if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then export GOCACHE="$work/cache"; fi
  (
    export GO111MODULE=off GOPATH="$work:$debian_gopath" GOFLAGS= GOPROXY=off
    # gen/go/go.mod parses, and names the module the stubs are imported as.
    [ "$(cd "$repo/gen/go" && GO111MODULE=on GOFLAGS=-mod=mod go mod edit -json | sed -n 's/^[[:space:]]*"Path": "\(.*\)"$/\1/p' | head -1)" = "$go_module" ] \
      || { echo "gen/go/go.mod does not declare module $go_module" >&2; exit 1; }
    go vet "$go_module/ltst/memory/v1" && cd "$repo/test/interop/go" && go vet . && go build -o "$work/interop" .
  )
  "$work/interop" "$@"
}

run_all() {
  export PATH="$repo/node_modules/.bin:$PATH"
  command -v openssl >/dev/null || { echo "openssl not found on PATH (it makes the test certificates; Debian: apt-get install openssl)" >&2; exit 1; }
  npm run --silent build
  local work server_pid address="" status=0
  work="$(mktemp -d)"
  local max_message_bytes=262144
  # A throw-away CA and a server certificate for 127.0.0.1 and localhost (ECDSA P-256, one day).
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -subj "/CN=LTST interop CA" -days 1 -out "$work/ca.pem" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/server.key"
  openssl req -new -key "$work/server.key" -subj "/CN=localhost" -out "$work/server.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 1 -days 1 \
    -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
  local -a server_env=(env -u DATABASE_URL LTST_GRPC_ADDRESS=127.0.0.1:0 LTST_DATA_DIR="$work/data" LTST_MODEL_DIR="$work/no-model" LTST_LOG_LEVEL=info)
  # Keys before the server starts: the embedded database has one user at a time.
  LTST_INTEROP_API_KEY="$("${server_env[@]}" LTST_LOG_LEVEL=warn node dist/src/cli/main.js keys create --tenant interop --role writer --name "interop writer" 2>/dev/null)"
  LTST_INTEROP_READER_KEY="$("${server_env[@]}" LTST_LOG_LEVEL=warn node dist/src/cli/main.js keys create --tenant interop --role reader --name "interop reader" 2>/dev/null)"
  export LTST_INTEROP_API_KEY LTST_INTEROP_READER_KEY LTST_INTEROP_CA_FILE="$work/ca.pem"
  "${server_env[@]}" LTST_MAX_MESSAGE_BYTES="$max_message_bytes" LTST_TLS_CERT_FILE="$work/server.pem" LTST_TLS_KEY_FILE="$work/server.key" \
    node dist/src/cli/main.js serve >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    address="$(sed -n 's/.*"address":"\([^"]*\)","msg":"LTST Memory serving".*/\1/p' "$work/server.log")"
    [ -n "$address" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "ltst serve did not start:" >&2
    cat "$work/server.log" >&2
    kill "$server_pid" 2>/dev/null || true
    exit 1
  fi
  echo "ltst serve with TLS on $address (log: $work/server.log)"
  "$0" python "$address" || status=1
  "$0" python-bad-input "$address" "$max_message_bytes" || status=1
  "$0" go "$address" || status=1
  kill -TERM "$server_pid"
  wait "$server_pid" || status=1
  "$0" python-package || status=1
  if grep -q '"level":[56]0' "$work/server.log"; then
    echo "the server logged errors:" >&2
    grep '"level":[56]0' "$work/server.log" >&2
    status=1
  fi
  rm -rf "$work"
  exit "$status"
}

case "${1:-all}" in
  check-python) check_python ;;
  check-python-package) check_python_package ;;
  check-go) check_go ;;
  python) [ $# -eq 2 ] || { echo "usage: $0 python HOST:PORT" >&2; exit 2; }; run_python scenario.py "$2" ;;
  python-bad-input) [ $# -eq 3 ] || { echo "usage: $0 python-bad-input HOST:PORT MAX_MESSAGE_BYTES" >&2; exit 2; }; run_python bad_input.py "$2" "$3" ;;
  python-package) python_package ;;
  go) [ $# -eq 2 ] || { echo "usage: $0 go HOST:PORT" >&2; exit 2; }; run_go "$2" ;;
  all) run_all ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
esac
