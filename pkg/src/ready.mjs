// What the entry points that load the wasm at import export (Node, workerd, Vercel Edge): the
// API, and an `init()` with nothing to wait for.
export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';

/** Nothing to wait for here; present so isomorphic code can always `await init()`. */
export async function init() {}
