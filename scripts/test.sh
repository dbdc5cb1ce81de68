#!/usr/bin/env bash
# Every test: Rust (unit, integration, doctests), then the built package in Node (ESM, CJS,
# the installed tarball, TypeScript, Lambda, differential against jose), workerd (miniflare),
# Deno, Bun, Vercel's Edge Runtime and headless Chromium, then each fuzz target for 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
cargo test --quiet
scripts/build.sh
node --test --test-concurrency=1 tests/js/
scripts/fuzz.sh 15
