// What the Rust core says about itself (`Manifest` in src/ffi/wire.rs): each algorithm's code
// and what a runtime's crypto needs to know of it, the option names, the limits, the detail
// levels of an outcome and the members of an event it reads. The package copies none of these:
// it reads them here, from the loaded wasm, once.
import * as wasm from '../../dist/web/jwtgate.js';

let manifest;

/** The core's manifest; only once the wasm is loaded. */
export function core() {
  manifest ??= JSON.parse(wasm.manifest());
  return manifest;
}
