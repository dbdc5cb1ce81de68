// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module.
import module from '../../dist/web/jwtgate_bg.wasm';
import { startCompiled } from '../core/api.mjs';

startCompiled(module);

export * from './ready.mjs';
