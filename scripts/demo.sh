#!/usr/bin/env bash
# The main job: install what is missing, build the wasm package, run the demo, then serve the
# token inspector (www/) on localhost until interrupted. `--no-serve` (or CI=true) stops after
# the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
node examples/demo.mjs
if [ "${1:-}" != "--no-serve" ] && [ "${CI:-}" != "true" ]; then
  echo
  exec node scripts/serve.mjs "${PORT:-8080}"
fi
