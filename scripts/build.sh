#!/usr/bin/env bash
# Builds the wasm core into the npm package: pkg/dist/web (ESM glue + optimised .wasm)
# and pkg/dist/*.cjs (CommonJS entry points bundled from the ESM sources).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin

cargo build --quiet --release --target wasm32-unknown-unknown
rm -rf pkg/dist
# `web` glue: ESM with `initSync`, usable from Node, workerd and browsers alike.
wasm-bindgen target/wasm32-unknown-unknown/release/jwtgate.wasm \
  --target web --weak-refs --out-dir pkg/dist/web --out-name jwtgate
"$bin/wasm-opt" -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/dist/web/jwtgate_bg.wasm -o pkg/dist/web/jwtgate_bg.wasm

# CommonJS entry points: the same ESM sources, bundled; `import.meta.url` becomes the
# bundle's own file URL so the .wasm is found beside it.
for entry in index; do
  "$bin/esbuild" "pkg/src/node.mjs" --bundle --platform=node --format=cjs --log-level=warning \
    --define:import.meta.url=__jwtgate_url \
    --banner:js="const __jwtgate_url = require('node:url').pathToFileURL(__filename).href;" \
    --outfile="pkg/dist/$entry.cjs"
done
printf 'built pkg/dist: %s bytes of wasm (%s gzipped)\n' \
  "$(wc -c < pkg/dist/web/jwtgate_bg.wasm)" "$(gzip -9c pkg/dist/web/jwtgate_bg.wasm | wc -c)" >&2
