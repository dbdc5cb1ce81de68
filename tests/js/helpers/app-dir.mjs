// A temporary app directory as `npm install` leaves one: the package linked as
// node_modules/jwtgate (resolved through its exports map, as installed), and other installed
// packages the app imports linked from the repository's node_modules.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

/** The directory's path, and `remove()` to delete it. */
export function appDir(prefix, packages = []) {
  const dir = mkdtempSync(join(tmpdir(), `jwtgate-${prefix}-`));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(root, 'pkg'), join(dir, 'node_modules/jwtgate'), 'dir');
  for (const name of packages) symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
