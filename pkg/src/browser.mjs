// Browsers (and other runtimes with fetch + WebAssembly): `await init()` before use.
import initWasm from '../dist/web/jwtgate.js';
import { isReady, markLoaded } from './api.mjs';

let loading;

/**
 * Loads the wasm module once. By default it is fetched from the package's dist/web/; pass a
 * URL, a Response, bytes or a WebAssembly.Module to load it from elsewhere.
 */
export function init(source) {
  if (isReady()) return Promise.resolve();
  // Written as `new URL('…', import.meta.url)`, which bundlers (webpack, Vite, Parcel) recognise
  // and ship the file for.
  const wasm = source ?? new URL('../dist/web/jwtgate_bg.wasm', import.meta.url);
  // A failed load (a network error fetching the .wasm) is forgotten, so the next call tries again.
  loading ??= initWasm({ module_or_path: wasm }).then(markLoaded, (error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';
