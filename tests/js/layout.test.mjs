// The import graphs of src/ and pkg/src/ (scripts/graph.mjs): no cycles, and each folder keeps
// to its role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { cycles, packageGraph, rustGraph } from '../../scripts/graph.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('the Rust modules import each other without cycles, and none imports the bindings', () => {
  const graph = rustGraph();
  assert.ok(graph['apigw::event'].includes('apigw::token'), 'the graph sees `use super::…` paths');
  assert.deepEqual(cycles(graph), []);
  const users = Object.entries(graph).filter(([module, uses]) => !module.startsWith('ffi') && uses.some((u) => u.startsWith('ffi')));
  assert.deepEqual(users, []);
});

test('only src/ffi/ knows JavaScript exists', () => {
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true }).filter((f) => f.endsWith('.rs') && !f.startsWith('ffi'));
  const knowing = files.filter((f) => /wasm_bindgen|js_sys|JsValue/.test(readFileSync(path.join(ROOT, 'src', f), 'utf8')));
  assert.deepEqual(knowing, []);
});

test('the package files import each other without cycles, each folder within its role', async () => {
  const graph = await packageGraph();
  assert.deepEqual(cycles(graph), []);
  // Which folders each folder may import from: core is the API over the wasm; crypto and io
  // build on it (io's key sets on its stores); adapters on core and io (the runtime entries install the crypto backends;
  // Lambda's and the backend's adapters load Node's entry, Lambda being Node); the runtime entries load the wasm,
  // install the backends and export the API; testing (`jwtgate/testing`) signs with the
  // WebCrypto parameters the crypto backend verifies with; the command line (cli) is built on the
  // public exports alone, which it imports by the package's name (`jwtgate`, `jwtgate/lambda`, …).
  const allowed = {
    core: ['core'],
    crypto: ['core'],
    io: ['core', 'io'],
    adapters: ['adapters', 'core', 'io'],
    runtime: ['runtime', 'core', 'crypto', 'io', 'adapters'],
    testing: ['testing', 'core', 'crypto'],
    cli: ['cli'],
    tools: ['core'],
  };
  const exceptions = new Set(['adapters/lambda.mjs → runtime/node.mjs', 'adapters/backend.mjs → runtime/node.mjs']);
  const strays = [];
  for (const [file, imports] of Object.entries(graph)) {
    const folder = file.split('/')[0];
    if (!(folder in allowed)) continue; // the generated dist/ files
    for (const imported of imports) {
      const target = imported.split('/')[0];
      if (target !== '..' && !allowed[folder].includes(target) && !exceptions.has(`${file} → ${imported}`)) strays.push(`${file} → ${imported}`);
    }
  }
  assert.deepEqual(strays, []);
  assert.deepEqual(Object.keys(graph).map((f) => f.split('/')[0]).filter((f) => !(f in allowed) && f !== '..'), []);
});

test('the command line\'s YAML reader stays out of the runtime entries\' import graphs', async () => {
  const graph = await packageGraph();
  const importers = Object.keys(graph).filter((file) => /from 'yaml'/.test(readFileSync(path.join(ROOT, 'pkg/src', file), 'utf8')));
  assert.deepEqual(importers, ['cli/api-definition.mjs']);
  // Nothing outside cli/ imports from cli/, so no entry point reaches it.
  assert.deepEqual(Object.entries(graph).filter(([file, imports]) => !file.startsWith('cli/') && imports.some((i) => i.startsWith('cli/'))), []);
});

test('the Layout table (docs/layout.md) lists every file of the folders it names, and only files that exist', () => {
  const table = readFileSync(path.join(ROOT, 'docs/layout.md'), 'utf8');
  const rows = [...table.matchAll(/^\| `([^`]+\/)` \|[^|]*\| (.*) \|$/gm)].map(([, folder, files]) => ({ folder, files }));
  assert.ok(rows.length > 10, 'the table was found');
  const listed = new Set(rows.map((row) => row.folder));
  const ignored = new Set(['target', 'dist', 'node_modules', '.artifacts', 'corpus', 'artifacts', 'fuzz_targets', 'Cargo.toml', 'Cargo.lock', 'README.md', 'gen_seeds.py']);
  const problems = [];
  for (const { folder, files } of rows) {
    const names = [...files.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const all = readdirSync(path.join(ROOT, folder), { withFileTypes: true });
    const entries = all.filter((e) => !e.name.startsWith('.') && !ignored.has(e.name));
    for (const entry of entries) {
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name;
      const covered = names.includes(name) || names.includes(entry.name.replace(/\.[a-z]+$/, '')) || listed.has(folder + name)
        || names.some((n) => n.startsWith('*') && name.endsWith(n.slice(1)));
      if (!covered) problems.push(`${folder}${name}: not in the table`);
    }
    for (const name of names.filter((n) => /^[\w.-]+\/?$/.test(n) && /\.|\/$/.test(n))) {
      if (!all.some((e) => (e.isDirectory() ? `${e.name}/` : e.name) === name)) problems.push(`${folder}${name}: in the table, not in the tree`);
    }
  }
  assert.deepEqual(problems, []);
});
