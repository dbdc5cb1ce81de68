// Runs a worker script that imports the package inside real workerd (miniflare@3), bundled the
// way a Workers user's is: the package linked as node_modules/jwtgate and resolved through its
// exports map ("workerd" condition), the .wasm left as a CompiledWasm module beside the bundle.
import { writeFileSync, copyFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { appDir } from './app-dir.mjs';

/**
 * Bundles and starts `source`; returns `{ mf, wasmFiles, dispose }`. `packages` are other
 * installed packages the worker imports (linked from the repository's node_modules);
 * `bindings` and `durableObjects` are miniflare's.
 */
export async function startWorker(source, { bindings, durableObjects, packages = [] } = {}) {
  const { dir, remove } = appDir('workerd', packages);
  try {
    writeFileSync(join(dir, 'worker.mjs'), source);
    const wasmFiles = new Set();
    await build({
      entryPoints: [join(dir, 'worker.mjs')], outfile: join(dir, 'out', 'worker.mjs'),
      bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'],
      logLevel: 'warning',
      plugins: [{
        name: 'wasm-beside-bundle',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => {
            const file = resolve(args.resolveDir, args.path);
            wasmFiles.add(file);
            return { path: `./${basename(file)}`, external: true };
          });
        },
      }],
    });
    for (const file of wasmFiles) copyFileSync(file, join(dir, 'out', basename(file)));
    const mf = new Miniflare({
      modules: true, scriptPath: join(dir, 'out', 'worker.mjs'), modulesRoot: join(dir, 'out'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2024-09-23',
      bindings,
      durableObjects,
    });
    await mf.ready;
    return {
      mf,
      wasmFiles: [...wasmFiles].map((f) => basename(f)),
      async dispose() {
        await mf.dispose();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
