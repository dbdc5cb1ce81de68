// What the entry points that load the wasm at import export (Node, workerd, Vercel Edge): the
// API, and an `init()` with nothing to wait for.
import { useAsyncBackend } from '../core/api.mjs';
import { webCryptoBackend } from '../crypto/webcrypto.mjs';

// Where no synchronous native crypto is installed (all but Node), signatures are checked by WebCrypto.
useAsyncBackend(webCryptoBackend);

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from '../core/api.mjs';
export { RemoteKeySet, remoteKeySet, snapshotJwks } from '../io/jwks.mjs';

/** Nothing to wait for here; present so isomorphic code can always `await init()`. */
export async function init() {}
