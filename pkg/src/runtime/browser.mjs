// Browsers (and other runtimes with fetch + WebAssembly): `await init()` before use.
import initWasm from '../../dist/web/jwtgate.js';
import { isReady, markLoaded, useAsyncBackend } from '../core/api.mjs';
import { webCryptoBackend } from '../crypto/webcrypto.mjs';

// Signatures are checked by WebCrypto (no synchronous native crypto here).
useAsyncBackend(webCryptoBackend);

let loading;

/**
 * Loads the wasm module once. By default it is fetched from the package's dist/web/; pass a
 * URL, a Response, bytes or a WebAssembly.Module to load it from elsewhere.
 */
export function init(source) {
  if (isReady()) return Promise.resolve();
  // A failed load (a network error fetching the .wasm) is forgotten, so the next call tries again.
  loading ??= load(source).then(markLoaded, (error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * Async, so that a default URL that cannot be made (no `import.meta.url` in a script bundle) is a
 * rejection like any other failed load. Written as `new URL('…', import.meta.url)`, which
 * bundlers (webpack, Vite, Parcel) recognise and ship the file for.
 */
async function load(source) {
  return initWasm({ module_or_path: source ?? new URL('../../dist/web/jwtgate_bg.wasm', import.meta.url) });
}

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from '../core/api.mjs';
export { RemoteKeySet, remoteKeySet, snapshotJwks } from '../io/jwks.mjs';
