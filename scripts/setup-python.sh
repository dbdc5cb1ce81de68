#!/usr/bin/env bash
# Installs the Python tools the tests use, idempotently: cfn-lint (lints the SAM template of
# examples/lambda). Quick when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup-python] %s\n' "$*" >&2; }

if cfn-lint --version >/dev/null 2>&1; then
  exit 0
fi

log "installing cfn-lint with pip"
pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@" cfn-lint; }
if ! pip_install 2>/tmp/setup-python.$$.err; then
  if grep -q externally-managed /tmp/setup-python.$$.err; then
    # A distribution's Python (PEP 668): install for this user instead.
    log "the system Python is externally managed: installing with --user"
    pip_install --user --break-system-packages
  else
    cat /tmp/setup-python.$$.err >&2
    rm -f /tmp/setup-python.$$.err
    exit 1
  fi
fi
rm -f /tmp/setup-python.$$.err

# pyenv only sees new console scripts after a rehash.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
hash -r

if cfn-lint --version >/dev/null 2>&1; then
  log "installed $(cfn-lint --version)"
else
  # Installed, but its script directory is not on PATH (e.g. ~/.local/bin): the tests fall back
  # to running it through python3.
  python3 -c 'import cfnlint' >/dev/null
  bin=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  log "cfn-lint is installed but not on PATH (add $bin or ~/.local/bin); tests run it with python3"
fi
