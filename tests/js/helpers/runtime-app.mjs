// Runs a script inside another real JavaScript runtime, Deno or Bun (their npm packages bring the
// binaries), as that runtime's user's app: the package linked as node_modules/jwtgate beside a
// package.json, so the runtime resolves `jwtgate` through its exports map as it does after
// `npm install`.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { appDir } from './app-dir.mjs';

const root = resolve(import.meta.dirname, '../../..');

/** How each runtime runs a script: its binary, its arguments before the script, its environment. */
const RUNTIMES = {
  deno: { bin: 'deno', script: ['run', '--quiet', '--no-prompt', '--allow-read'], env: { DENO_NO_UPDATE_CHECK: '1' } },
  bun: { bin: 'bun', script: [], env: {} },
};

function binary(runtime) {
  if (!RUNTIMES[runtime]) throw new Error(`unknown runtime ${runtime}`);
  return join(root, 'node_modules/.bin', RUNTIMES[runtime].bin);
}

/**
 * Writes `files` (name → text) into a new app directory; returns `{ dir, run, script, dispose }`:
 * `run(args)` runs the runtime's binary with `args` there and resolves to its stdout;
 * `script(file, args)` runs a script file. `packages` are other installed packages the app
 * imports (linked from the repository's node_modules).
 */
export function createApp(runtime, files, { packages = [] } = {}) {
  const bin = binary(runtime);
  const { dir, remove } = appDir(runtime, packages);
  const dependencies = Object.fromEntries(['jwtgate', ...packages].map((name) => [name, '*']));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'module', dependencies }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const run = async (args, { timeout = 120_000 } = {}) => {
    const { stdout } = await promisify(execFile)(bin, args, {
      cwd: dir, env: { ...process.env, ...RUNTIMES[runtime].env, NO_COLOR: '1' }, timeout, maxBuffer: 16 << 20,
    });
    return stdout;
  };
  const script = (file, args = [], options) => run([...RUNTIMES[runtime].script, file, ...args], options);
  return { dir, run, script, dispose: remove };
}

/** The runtime's name and version, e.g. "deno 2.9.6 (…)" or "bun 1.4.5". */
export async function runtimeVersion(runtime) {
  const { stdout } = await promisify(execFile)(binary(runtime), ['--version']);
  const first = stdout.split('\n')[0];
  return first.startsWith(runtime) ? first : `${runtime} ${first}`;
}
