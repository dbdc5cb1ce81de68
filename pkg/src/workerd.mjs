// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module.
import module from '../dist/web/jwtgate_bg.wasm';
import { startCompiled } from './api.mjs';

startCompiled(module);

export { KeySet, Verifier, Policy, decode, JwtGateError, isReady, wasmMemoryBytes } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';

/** Nothing to wait for in workerd; present so isomorphic code can always `await init()`. */
export async function init() {}
