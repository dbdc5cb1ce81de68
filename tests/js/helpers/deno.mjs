// Runs a script inside real Deno (the `deno` npm package's binary) as a Deno user's app: the
// package linked as node_modules/jwtgate beside a package.json, so Deno resolves `jwtgate`
// through its exports map as it does after `npm install`.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '../../..');
const deno = join(root, 'node_modules/.bin/deno');

/**
 * Writes `files` (name → text) into a new app directory; returns `{ dir, run, dispose }`, where
 * `run(args)` runs `deno <args>` there and resolves to its stdout. `packages` are other
 * installed packages the app imports (linked from the repository's node_modules).
 */
export function createDenoApp(files, { packages = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-deno-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(root, 'pkg'), join(dir, 'node_modules/jwtgate'), 'dir');
  for (const name of packages) symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  const dependencies = Object.fromEntries(['jwtgate', ...packages].map((name) => [name, '*']));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'module', dependencies }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const run = async (args, { timeout = 120_000 } = {}) => {
    const { stdout } = await promisify(execFile)(deno, args, {
      cwd: dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout, maxBuffer: 16 << 20,
    });
    return stdout;
  };
  return { dir, run, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `deno --version`'s first line. */
export async function denoVersion() {
  const { stdout } = await promisify(execFile)(deno, ['--version']);
  return stdout.split('\n')[0];
}
