// Node.js (ESM, and CommonJS through the bundled dist/index.cjs): ready at import.
// The wasm comes from a base64 module so that bundlers (esbuild for Lambda) carry it along.
import { initSync } from '../../dist/web/jwtgate.js';
import wasmBase64 from '../../dist/wasm-base64.mjs';
import { markLoaded, useNativeBackend } from '../core/api.mjs';
import { core } from '../core/manifest.mjs';
import { nodeBackend } from '../crypto/node.mjs';

markLoaded(initSync({ module: Buffer.from(wasmBase64, 'base64') }));
// Signatures are checked by OpenSSL through node:crypto: several times faster than wasm.
useNativeBackend(nodeBackend(core().algorithms));

export * from './ready.mjs';
