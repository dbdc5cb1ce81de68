#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently: quick when all is there.
#   scripts/setup.sh          toolchain + npm dependencies
#   scripts/setup.sh --browser  also what only the tests use: Debian's chromium (the browser
#                               tests), redis-server (the Redis store's tests), openssl (mTLS certificates), cfn-lint
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must be the exact version the lock file names.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # No --locked: the CLI's lock file names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "=$want" --force
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dev dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The package's own runtime dependencies (the command line's YAML reader), beside its sources.
if [ ! -d pkg/node_modules ] || [ pkg/package.json -nt pkg/node_modules ]; then
  log "installing the package's dependencies"
  npm install --prefix pkg --omit=dev --no-package-lock --no-audit --no-fund --loglevel=error
fi

# cfn-lint validates the SAM template of examples/lambda (tests only).
if [ "${1:-}" = "--browser" ]; then
  scripts/setup-python.sh
fi

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
  log "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

# The mutual-TLS tests make their certificates with openssl's command line.
if [ "${1:-}" = "--browser" ] && ! command -v openssl >/dev/null; then
  log "installing Debian's openssl"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi

# The Redis store's tests start a real redis-server of their own on a free port.
if [ "${1:-}" = "--browser" ] && ! command -v redis-server >/dev/null; then
  log "installing Debian's redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi
