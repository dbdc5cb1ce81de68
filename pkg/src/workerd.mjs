// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module.
import module from '../dist/web/jwtgate_bg.wasm';
import { initSync } from '../dist/web/jwtgate.js';
import { markLoaded } from './api.mjs';

markLoaded(initSync({ module }));

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';

/** Nothing to wait for in workerd; present so isomorphic code can always `await init()`. */
export async function init() {}
