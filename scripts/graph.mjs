// The import graphs of the Rust core (src/, module by module, from its `use` paths and
// `crate::`/`super::` paths in code) and of the package (pkg/src/, file by file, by madge), and
// the cycles in each. A module's use of its own submodules does not count: they are its parts.
//
//   node scripts/graph.mjs          prints both graphs and exits non-zero on a cycle
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const ROOT = path.resolve(import.meta.dirname, '..');

/** `src/apigw/iam/answer.rs` → `apigw::iam::answer`; `src/lib.rs` → `crate`. */
function moduleOf(file) {
  const parts = file.replace(/\.rs$/, '').split(path.sep).slice(1);
  if (parts.at(-1) === 'mod' || parts.at(-1) === 'lib') parts.pop();
  return parts.length ? parts.join('::') : 'crate';
}

/** Every path a Rust file names from the crate root, resolved from `crate::`, `super::` and `self::`. */
function rustPaths(text, module) {
  const code = text.replace(/\/\/.*$/gm, '').replace(/#\[cfg\(test\)\][\s\S]*$/m, '');
  const here = module === 'crate' ? [] : module.split('::');
  const absolute = (head, rest) => {
    let base = head === 'crate' ? [] : [...here];
    for (const part of head.split('::')) if (part === 'super') base.pop();
    return [...base, ...rest].join('::');
  };
  const found = [];
  // `use` trees, flattened: `use crate::{a::{b, c}, d}` names a::b, a::c and d.
  for (const [, tree] of code.matchAll(/\buse\s+([^;]+);/g)) {
    for (const leaf of flatten(tree.replace(/\s+/g, ''))) {
      const m = /^((?:crate|self|super)(?:::super)*)::(.*)$/.exec(leaf);
      if (m) found.push(absolute(m[1], m[2].split('::')));
    }
  }
  for (const [, head, rest] of code.matchAll(/\b((?:crate|super)(?:::super)*)::((?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)/g)) {
    found.push(absolute(head, rest.split('::')));
  }
  return found;
}

/** `a::{b::{c, d}, e}` → [`a::b::c`, `a::b::d`, `a::e`]. */
function flatten(tree) {
  const open = tree.indexOf('{');
  if (open < 0) return [tree.replace(/ as .*$/, '')];
  const prefix = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'));
  const items = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '{') depth++;
    if (c === '}') depth--;
    if ((c === ',' && depth === 0) || i === inner.length) {
      if (i > start) items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  return items.flatMap((item) => flatten(prefix + item));
}

/** The Rust module graph: module → the other modules it uses (not its own parts, not its ancestors' re-exports). */
export function rustGraph() {
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true }).filter((f) => f.endsWith('.rs')).map((f) => path.join('src', f));
  const modules = new Map(files.map((file) => [moduleOf(file), file]));
  const owner = (p) => {
    const parts = p.split('::');
    while (parts.length && !modules.has(parts.join('::'))) parts.pop();
    return parts.length ? parts.join('::') : 'crate';
  };
  const related = (a, b) => a === b || b === 'crate' || a === 'crate' || `${a}::`.startsWith(`${b}::`) || `${b}::`.startsWith(`${a}::`);
  const graph = {};
  for (const [module, file] of modules) {
    const uses = rustPaths(readFileSync(path.join(ROOT, file), 'utf8'), module).map(owner);
    graph[module] = [...new Set(uses.filter((used) => !related(module, used)))].sort();
  }
  return graph;
}

/** The package's import graph, file by file. */
export async function packageGraph() {
  const result = await madge(path.join(ROOT, 'pkg/src'), { fileExtensions: ['mjs'] });
  return result.obj();
}

/** The cycles of a graph (each as the list of its nodes), by depth-first search. */
export function cycles(graph) {
  const found = [];
  const state = new Map(); // node → 'open' | 'done'
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph[node] ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of Object.keys(graph)) if (!state.has(node)) visit(node);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let failed = false;
  for (const [name, graph] of [['src/ (Rust modules)', rustGraph()], ['pkg/src/ (package files)', await packageGraph()]]) {
    console.log(`## ${name}\n`);
    for (const [node, uses] of Object.entries(graph).sort()) console.log(`- ${node} → ${uses.join(', ') || '(nothing)'}`);
    const found = cycles(graph);
    console.log(`\ncycles: ${found.length ? found.map((c) => c.join(' → ')).join('; ') : 'none'}\n`);
    failed ||= found.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
