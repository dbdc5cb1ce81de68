// `jwtgate/stores`: the store interface's guard and the in-memory store. Each shared store has
// its own entry point (`jwtgate/stores/redis`, `…/dynamodb`, `…/cloudflare`), so that nobody
// loads a client they do not use; none of them loads the wasm.
export { guardStore, STORE_UNAVAILABLE } from './guard.mjs';
export { memoryStore } from './memory.mjs';
