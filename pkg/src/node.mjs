// Node.js (ESM, and CommonJS through the bundled dist/index.cjs): ready at import.
import { readFileSync } from 'node:fs';
import { initSync } from '../dist/web/jwtgate.js';
import { markLoaded } from './api.mjs';

initSync({ module: readFileSync(new URL('../dist/web/jwtgate_bg.wasm', import.meta.url)) });
markLoaded();

export { KeySet, Verifier, decode, JwtGateError, isReady } from './api.mjs';
export { RemoteKeySet, remoteKeySet } from './jwks.mjs';

/** Nothing to wait for in Node; present so isomorphic code can always `await init()`. */
export async function init() {}
