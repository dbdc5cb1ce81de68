// Runs a route module that imports the package inside Vercel's Edge Runtime (the `edge-runtime`
// package: the sandbox `next dev` and `next start` run edge routes in), bundled the way Next.js
// bundles an edge route:
// - the package linked as node_modules/jwtgate and resolved through its exports map with Next's
//   edge conditions (`edge-light`, `worker`, then the web defaults);
// - a `*.wasm?module` import turned into a global WebAssembly.Module, compiled outside the
//   sandbox, as Next's wasm loader and sandbox do.
// Inside, wasm and code are never compiled from bytes or strings, as on Vercel.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { appDir } from './app-dir.mjs';

const pkg = resolve(import.meta.dirname, '../../../pkg');

/** Next.js's `edgeConditionNames`, then what its web target adds. */
export const EDGE_CONDITIONS = ['edge-light', 'worker', 'browser', 'module'];

/**
 * Bundles `source` (an ES module) and evaluates it in a fresh Edge Runtime; returns
 * `{ runtime, route, code, inputs, wasmFiles }`: `route` is the module's exports, `code` the
 * bundle, `inputs` the bundled files of the package and `wasmFiles` the `?module` imports bound
 * (relative to the package).
 */
export async function startEdgeRoute(source, { conditions = EDGE_CONDITIONS } = {}) {
  const { dir, remove } = appDir('edge-light');
  try {
    writeFileSync(join(dir, 'route.mjs'), source);
    const wasm = {}; // global binding name -> .wasm file
    const result = await build({
      entryPoints: [join(dir, 'route.mjs')], bundle: true, write: false, metafile: true,
      format: 'iife', globalName: 'route', platform: 'neutral', conditions, mainFields: ['module', 'main'],
      logLevel: 'warning',
      plugins: [{
        name: 'next-wasm-module',
        setup(b) {
          b.onResolve({ filter: /\.wasm\?module$/ }, (args) => {
            const file = resolve(args.resolveDir, args.path.slice(0, -'?module'.length));
            const name = `wasm_${Object.keys(wasm).length}`;
            wasm[name] = file;
            return { path: name, namespace: 'wasm-binding' };
          });
          b.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, (args) => ({ contents: `export default globalThis.${args.path};` }));
        },
      }],
    });
    const modules = {};
    for (const [name, file] of Object.entries(wasm)) modules[name] = await WebAssembly.compile(readFileSync(file));
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false },
      extend: (context) => Object.assign(context, modules),
    });
    const code = result.outputFiles[0].text;
    runtime.evaluate(code);
    // Metafile paths are relative to the working directory, the link to the package resolved.
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(input))
      .filter((file) => file.startsWith(`${pkg}/`)).map((file) => file.slice(pkg.length + 1));
    return { runtime, route: runtime.context.route, code, inputs, wasmFiles: Object.values(wasm).map((f) => f.slice(pkg.length + 1)) };
  } finally {
    remove();
  }
}
