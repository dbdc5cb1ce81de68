// Browsers (and other runtimes with fetch + WebAssembly): `await init()` before use.
import initWasm from '../dist/web/jwtgate.js';
import { isReady, markLoaded } from './api.mjs';

let loading;

/**
 * Loads the wasm module once. By default it is fetched from beside this file; pass a URL,
 * a Response, bytes or a WebAssembly.Module to load it from elsewhere.
 */
export function init(source) {
  if (isReady()) return Promise.resolve();
  // A failed load (a network error fetching the .wasm) is forgotten, so the next call tries again.
  loading ??= initWasm(source === undefined ? undefined : { module_or_path: source }).then(markLoaded, (error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';
