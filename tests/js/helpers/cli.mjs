// Runs the `jwtgate` command (pkg/bin/jwtgate.mjs) as a user does: a real subprocess in `dir`,
// with only PATH and the given variables in its environment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../../pkg/bin/jwtgate.mjs');

/** Runs the command; resolves to `{ code, stdout, stderr }`, and fails on a stack trace. */
export function runJwtgate(dir, args, { env = {}, input } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', fail);
    child.on('close', (code) => {
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      done({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}
