// What the Rust core says about itself (`Manifest` in src/ffi/manifest.rs): each algorithm's code
// and what a runtime's crypto needs to know of it, the option names, the limits, the detail
// levels of an outcome and the members of an event it reads. The package copies none of these:
// scripts/build.sh asks the core for them when it builds the wasm, and writes them beside it.
import manifest from '../../dist/manifest.mjs';

/** The core's manifest. */
export function core() {
  return manifest;
}
