// Runs a worker script that imports the package inside real workerd (miniflare@3), bundled the
// way a Workers user's is: the package linked as node_modules/jwtgate and resolved through its
// exports map ("workerd" condition), the .wasm left as a CompiledWasm module beside the bundle.
import { writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { appDir } from './app-dir.mjs';

/**
 * Bundles and starts `source`; returns `{ mf, wasmFiles, dispose }`. `packages` are other
 * installed packages the worker imports (linked from the repository's node_modules);
 * `bindings` and `durableObjects` are miniflare's. With `isolates: 2`, the same script runs as
 * two workers, `a` (miniflare's default) and `b` (`mf.getWorker('b')`), `b`'s Durable Object
 * bindings bound to `a`'s classes: two isolates sharing one state, as two data centres do.
 */
export async function startWorker(source, { bindings, durableObjects, packages = [], isolates = 1 } = {}) {
  const { dir, remove } = appDir('workerd', packages);
  try {
    const { scriptPath, wasmFiles } = await bundle(dir, source);
    const common = {
      modules: true, scriptPath, modulesRoot: join(dir, 'out'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2024-09-23',
      bindings,
    };
    const shared = durableObjects && Object.fromEntries(Object.entries(durableObjects)
      .map(([name, className]) => [name, { className: className.className ?? className, scriptName: 'a' }]));
    const workers = [{ ...common, name: 'a', durableObjects }, { ...common, name: 'b', durableObjects: shared }].slice(0, isolates);
    const mf = new Miniflare(isolates === 1 ? { ...common, durableObjects } : { workers });
    await mf.ready;
    return {
      mf,
      wasmFiles,
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

/** `source` as a Workers user's bundler leaves it in `dir/out`: the bundle, the .wasm beside it. */
async function bundle(dir, source) {
  writeFileSync(join(dir, 'worker.mjs'), source);
  mkdirSync(join(dir, 'out'), { recursive: true });
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
  return { scriptPath: join(dir, 'out', 'worker.mjs'), wasmFiles: [...wasmFiles].map((f) => basename(f)) };
}
