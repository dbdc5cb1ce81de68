// Vercel Edge (Functions, Middleware, Next.js routes with `runtime = 'edge'`): the `edge-light`
// condition. Nothing may compile wasm from bytes there, so the browser build's `init()` cannot
// load it; a `?module` import is compiled by the platform (Next.js's bundler turns it into a
// WebAssembly.Module the runtime provides).
import module from '../../dist/web/jwtgate_bg.wasm?module';
import { startCompiled } from '../core/api.mjs';

startCompiled(module);

export * from './ready.mjs';
