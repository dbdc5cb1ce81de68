#!/usr/bin/env bash
# The main job: install what is missing, build the wasm package, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
node examples/demo.mjs
