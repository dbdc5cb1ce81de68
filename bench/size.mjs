#!/usr/bin/env node
// Where the wasm's bytes are: each function's code attributed to its crate (jwtgate's own code
// split by top-level module), with an estimate of each group's share of the gzipped file.
//
//   node bench/size.mjs                 # names a copy of the current cargo build and compares it
//                                       # with pkg/dist/web/jwtgate_bg.wasm (run scripts/build.sh first)
//   node bench/size.mjs --build         # scripts/build.sh first
//   node bench/size.mjs --wasm=F.wasm   # any wasm with a `name` section, as it is
//   node bench/size.mjs --top=40        # also the 40 largest functions
//   node bench/size.mjs --json          # the figures as JSON
//   node bench/size.mjs --save=F.wasm   # keep the named copy (for --wasm=F.wasm later)
//
// The shipped wasm has no names (wasm-opt drops the `name` section). The named copy is made from
// the same cargo output (target/wasm32-unknown-unknown/release/jwtgate.wasm) by the same
// wasm-bindgen and wasm-opt steps with the flags `scripts/build.sh --wasm-opt-flags` prints, plus
// wasm-bindgen's `--no-demangle` (the raw symbols, demangled here) and wasm-opt's `-g` (keep the
// `name` section). `-g` leaves the optimisation as it is but for names; the table says how close
// the named copy's code section is to the shipped one's.
//
// `sizeTable({ ... })` returns the markdown for BENCHMARKS.md (bench/run.mjs can include it).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHIPPED = path.join(ROOT, 'pkg/dist/web/jwtgate_bg.wasm');
const CARGO_WASM = path.join(ROOT, 'target/wasm32-unknown-unknown/release/jwtgate.wasm');
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
/** `gzip -9`'s size, the figure of the size limit (zlib's level 9 comes out a little larger). */
function gzipCli(bytes) {
  try {
    return execFileSync('gzip', ['-9c'], { input: bytes, maxBuffer: 1 << 26 }).length;
  } catch {
    return gz(bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// wasm binary

function reader(buf, pos = 0) {
  const r = {
    pos,
    u8: () => buf[r.pos++],
    u32() {
      let result = 0, shift = 0, b;
      do { b = buf[r.pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      return result;
    },
    bytes(n) { const s = buf.subarray(r.pos, r.pos + n); r.pos += n; return s; },
    name() { return new TextDecoder().decode(r.bytes(r.u32())); },
    skipInitExpr() { // constant expressions end at 0x0b; the data segments' offsets are i32.const
      for (;;) {
        const op = r.u8();
        if (op === 0x0b) return;
        if (op === 0x41 || op === 0x42 || op === 0x23) r.u32(); // i32/i64.const (sleb, same length), global.get
        else if (op === 0x44) r.pos += 8; else if (op === 0x43) r.pos += 4;
        else if (op === 0xd0) r.u8(); else if (op === 0xd2) r.u32();
      }
    },
  };
  return r;
}

/**
 * Sections, imported function count, function bodies (index, bytes as stored: size prefix
 * excluded), data segments and the `name` section's function names.
 */
export function parseWasm(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm binary');
  const r = reader(buf, 8);
  const sections = [];
  let importedFunctions = 0;
  const bodies = [];
  const data = [];
  const names = new Map();
  while (r.pos < buf.length) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'][id] ?? `id ${id}`;
    if (id === 0) {
      name = `custom: ${r.name()}`;
      if (name === 'custom: name') {
        while (r.pos < end) {
          const sub = r.u8();
          const len = r.u32();
          const subEnd = r.pos + len;
          if (sub === 1) {
            for (let n = r.u32(); n > 0; n--) { const index = r.u32(); names.set(index, r.name()); }
          }
          r.pos = subEnd;
        }
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name(); r.name();
        const kind = r.u8();
        if (kind === 0) { r.u32(); importedFunctions++; }
        else if (kind === 1) { r.u8(); const flags = r.u8(); r.u32(); if (flags & 1) r.u32(); }
        else if (kind === 2) { const flags = r.u8(); r.u32(); if (flags & 1) r.u32(); }
        else if (kind === 3) { r.u8(); r.u8(); }
        else if (kind === 4) { r.u8(); r.u32(); }
      }
    } else if (id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const len = r.u32();
        bodies.push({ index: importedFunctions + i, bytes: r.bytes(len) });
      }
    } else if (id === 11) {
      for (let n = r.u32(); n > 0; n--) {
        const flags = r.u32();
        if (flags === 2) r.u32();
        if (flags !== 1) r.skipInitExpr();
        data.push(r.bytes(r.u32()));
      }
    }
    sections.push({ id, name, size, start, total: 1 + leb128Length(size) + size });
    r.pos = end;
  }
  for (const b of bodies) b.name = names.get(b.index) ?? null;
  return { sections, importedFunctions, bodies, data, names };
}

function leb128Length(n) { let len = 1; while (n >= 128) { n = Math.floor(n / 128); len++; } return len; }

// ---------------------------------------------------------------------------------------------
// Rust symbols

/** `_ZN…E` (legacy) to its path, `a::b::<T as c::D>::e` (the hash dropped). */
export function demangleLegacy(sym) {
  const m = sym.match(/^_?_ZN(.*)E(\..*)?$/s);
  if (!m) return null;
  const s = m[1];
  const parts = [];
  let i = 0;
  while (i < s.length) {
    const d = s.slice(i).match(/^\d+/);
    if (!d) return null;
    i += d[0].length;
    const len = Number(d[0]);
    parts.push(s.slice(i, i + len));
    i += len;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
  const unescape = (p) => p
    .replace(/^_\$/, '$')
    .replace(/\.\./g, '::')
    .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]+)\$/g, (all, code) => ({
      SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
    })[code] ?? String.fromCodePoint(parseInt(code.slice(1), 16)));
  return parts.map(unescape).join('::');
}

/**
 * `_R…` (v0) to its path with generic arguments, `a::b::<T as c::D>::e`; enough of the grammar
 * for what rustc emits (no punycode decoding: such identifiers keep their encoded form).
 */
export function demangleV0(sym) {
  const m = sym.match(/^_?_R(.*)$/s);
  if (!m) return null;
  const s = m[1];
  let i = 0;
  const fail = () => { throw new Error(`v0: ${sym}`); };
  const peek = () => s[i];
  const b62 = () => { // base-62 number terminated by `_`; `_` alone is 0
    if (s[i] === '_') { i++; return 0; }
    let n = 0;
    while (s[i] !== '_') {
      const c = s[i++];
      if (c === undefined) fail();
      n = n * 62 + (/[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/.test(c) ? c.charCodeAt(0) - 87 : c.charCodeAt(0) - 29);
    }
    i++;
    return n + 1;
  };
  const optB62 = (tag) => (s[i] === tag ? (i++, b62()) : 0);
  const disambiguator = () => optB62('s');
  const ident = () => {
    const u = s[i] === 'u' ? (i++, true) : false;
    const d = s.slice(i).match(/^\d+/)?.[0] ?? fail();
    i += d.length;
    if (s[i] === '_') i++;
    const name = s.slice(i, i + Number(d));
    i += Number(d);
    return u ? `{punycode ${name}}` : name;
  };
  const backref = (fn) => { const at = b62() ; const save = i; i = at; const v = fn(); i = save; return v; };
  const basic = { a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize', l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!', p: '_' };
  const genericArgs = () => { const a = []; while (s[i] !== 'E') a.push(genericArg()); i++; return a; };
  const genericArg = () => (s[i] === 'L' ? (i++, b62(), "'_") : s[i] === 'K' ? (i++, konst()) : type());
  const konst = () => {
    if (s[i] === 'p') { i++; return '_'; }
    if (s[i] === 'B') { i++; return backref(konst); }
    const t = s[i++];
    const neg = s[i] === 'n' ? (i++, '-') : '';
    const hex = s.slice(i, s.indexOf('_', i)); i += hex.length + 1;
    return t === 'b' ? String(hex === '1') : `${neg}${parseInt(hex || '0', 16)}`;
  };
  const binder = () => { if (s[i] === 'G') { i++; b62(); } };
  const type = () => {
    const c = s[i];
    if (basic[c]) { i++; return basic[c]; }
    i++;
    switch (c) {
      case 'A': { const t = type(); return `[${t}; ${konst()}]`; }
      case 'S': return `[${type()}]`;
      case 'T': { const a = []; while (s[i] !== 'E') a.push(type()); i++; return `(${a.join(', ')}${a.length === 1 ? ',' : ''})`; }
      case 'R': if (s[i] === 'L') { i++; b62(); } return `&${type()}`;
      case 'Q': if (s[i] === 'L') { i++; b62(); } return `&mut ${type()}`;
      case 'P': return `*const ${type()}`;
      case 'O': return `*mut ${type()}`;
      case 'F': {
        binder();
        if (s[i] === 'U') i++;
        if (s[i] === 'K') { i++; if (s[i] === 'C') i++; else ident(); }
        const a = []; while (s[i] !== 'E') a.push(type()); i++;
        return `fn(${a.join(', ')}) -> ${type()}`;
      }
      case 'D': {
        binder();
        const a = []; while (s[i] !== 'E') a.push(dynTrait()); i++;
        if (s[i] === 'L') { i++; b62(); }
        return `dyn ${a.join(' + ')}`;
      }
      case 'B': return backref(type);
      default: i--; return path();
    }
  };
  const dynTrait = () => {
    let p = path();
    const assoc = [];
    while (s[i] === 'p') { i++; const n = ident(); assoc.push(`${n} = ${type()}`); }
    if (assoc.length) p = p.endsWith('>') ? `${p.slice(0, -1)}, ${assoc.join(', ')}>` : `${p}<${assoc.join(', ')}>`;
    return p;
  };
  const path = () => {
    const c = s[i++];
    switch (c) {
      case 'C': { disambiguator(); return ident(); }
      case 'N': {
        const ns = s[i++];
        const inner = path();
        disambiguator();
        const name = ident();
        if (ns === 'C') return `${inner}::{closure${name ? `:${name}` : ''}}`;
        if (ns === 'S') return `${inner}::{shim${name ? `:${name}` : ''}}`;
        if (/[A-Z]/.test(ns)) return `${inner}::{${ns}${name ? `:${name}` : ''}}`;
        return `${inner}::${name}`;
      }
      case 'M': { disambiguator(); path(); return `<${type()}>`; }
      case 'X': { disambiguator(); path(); const t = type(); return `<${t} as ${path()}>`; }
      case 'Y': { const t = type(); return `<${t} as ${path()}>`; }
      case 'I': { const p = path(); return `${p}::<${genericArgs().join(', ')}>`; }
      case 'B': return backref(path);
      default: fail();
    }
    return '';
  };
  if (/[0-9]/.test(peek())) b62(); // encoding version
  return path();
}

export function demangle(sym) {
  // wasm-opt tells apart functions of one name by a suffix (`…E_12`, `…fmt_753`)
  for (const s of [sym, sym.replace(/_\d+$/, '')]) {
    try {
      const d = demangleLegacy(s) ?? demangleV0(s);
      if (d) return d;
    } catch { /* the next form */ }
  }
  return sym;
}

const STD = new Set(['core', 'alloc', 'std', 'compiler_builtins', 'panic_abort', 'dlmalloc', 'hashbrown']);

/** The outermost path of a demangled name: `a::b::c`, or the type or trait of `<T as Tr>::f`. */
function splitTop(p) {
  const parts = [];
  let depth = 0, cur = '';
  for (let k = 0; k < p.length; k++) {
    const ch = p[k];
    if (ch === '<' || ch === '(' || ch === '[') depth++;
    else if (ch === '>' || ch === ')' || ch === ']') depth--;
    if (depth === 0 && ch === ':' && p[k + 1] === ':') { parts.push(cur); cur = ''; k++; continue; }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

function stripRefs(t) { return t.replace(/^(&(mut )?|\*(const|mut) |dyn )+/, '').replace(/^\[/, '').trim(); }

/**
 * The crate a demangled path's code belongs to, and for jwtgate its top-level module:
 * `jwtgate::apigw::iam::answer::f` -> `jwtgate::apigw::iam`; `<T as Trait>::f` -> T's crate
 * (the impl's, by the orphan rule, when T is not a standard type), else Trait's.
 */
export function attribute(p) {
  const parts = splitTop(p);
  let head = parts[0];
  let rest = parts.slice(1);
  const impl = head.match(/^<(.*)>$/s);
  if (impl) {
    const inner = impl[1];
    // `T as Trait` at depth 0
    let depth = 0, at = -1;
    for (let k = 0; k < inner.length; k++) {
      const ch = inner[k];
      if (ch === '<' || ch === '(' || ch === '[') depth++;
      else if (ch === '>' || ch === ')' || ch === ']') depth--;
      else if (depth === 0 && inner.startsWith(' as ', k)) { at = k; break; }
    }
    const self = stripRefs(at < 0 ? inner : inner.slice(0, at));
    const trait = at < 0 ? null : inner.slice(at + 4);
    // a primitive or a generic parameter (`<f64 as Display>`, `<T as Into<U>>`) has no crate
    const selfGroup = /^[A-Za-z_][A-Za-z0-9_]*$/.test(self.replace(/<.*$/s, '').replace(/;.*$/s, '')) ? 'other' : attribute(self);
    if (!trait) return selfGroup;
    const traitGroup = attribute(trait);
    if (selfGroup.startsWith('jwtgate')) return selfGroup;
    if (traitGroup.startsWith('jwtgate')) return traitGroup;
    if (selfGroup === 'other' || STD.has(selfGroup)) return traitGroup === 'other' ? selfGroup : traitGroup;
    return selfGroup;
  }
  head = head.replace(/<.*$/s, '');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(head)) return 'other';
  if (head === 'jwtgate') {
    const mods = rest.map((x) => x.replace(/<.*$/s, ''));
    if (mods[0] === 'apigw' && mods[1] === 'iam' && mods.length > 2) return 'jwtgate::apigw::iam';
    // a function at the crate root (or a module-level item) keeps the module's name
    return mods.length > 1 ? `jwtgate::${mods[0]}` : 'jwtgate (root)';
  }
  return head;
}

/** The group of a function from its symbol in the `name` section. */
export function groupOf(sym) {
  if (sym === null) return '(unnamed)';
  if (/^__wbindgen|^__wbg_|^__externref|^wasm_bindgen|^__wbindgen_describe/.test(sym)) return 'wasm-bindgen';
  // already demangled (wasm-bindgen without `--no-demangle`): `a::b::c::h0123456789abcdef`
  if (!/^_?_(ZN|R)/.test(sym) && /::/.test(sym)) return attribute(sym.replace(/::h[0-9a-f]{16}$/, ''));
  if (/^_?_(ZN|R)/.test(sym)) {
    const d = demangle(sym);
    if (d === sym) return 'other';
    if (/^wasm_bindgen(::|$)/.test(d) || /<wasm_bindgen::/.test(d.slice(0, 40))) return 'wasm-bindgen';
    return attribute(d);
  }
  // unmangled: wasm-bindgen exports (`#[wasm_bindgen]` functions are jwtgate's), compiler builtins
  if (/^(memcpy|memset|memmove|memcmp|bcmp|__[a-z0-9_]+[sd]i3|__multi3|__udivti3|__umodti3|__ashlti3|__lshrti3)$/.test(sym)) return 'compiler_builtins';
  if (/^(__rust_|__rdl_|__rg_|rust_|__rust_alloc_error)/.test(sym)) return 'alloc';
  if (/^(dlmalloc|malloc|free|realloc|calloc)/.test(sym)) return 'dlmalloc';
  return 'exports (`#[wasm_bindgen]` functions)'; // and what wasm-opt inlined into them
}

// ---------------------------------------------------------------------------------------------
// building the named copy

function buildNamed(cargoWasm, dir) {
  const flags = execFileSync(path.join(ROOT, 'scripts/build.sh'), ['--wasm-opt-flags'], { encoding: 'utf8' }).trim().split(/\s+/);
  const bindgenFlags = execFileSync(path.join(ROOT, 'scripts/build.sh'), ['--wasm-bindgen-flags'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('wasm-bindgen', [cargoWasm, ...bindgenFlags, '--no-demangle', '--out-dir', dir, '--out-name', 'jwtgate'], { stdio: 'inherit' });
  const out = path.join(dir, 'named.wasm');
  execFileSync(path.join(ROOT, 'node_modules/.bin/wasm-opt'), [...flags, '-g', path.join(dir, 'jwtgate_bg.wasm'), '-o', out], { stdio: 'inherit' });
  return out;
}

// ---------------------------------------------------------------------------------------------
// the table

/**
 * Per-group figures of a named wasm. `shipped` (the stripped file, optional) gives the real
 * gzipped total the estimates are scaled to.
 */
export function analyze(namedBuf, shippedBuf = null, shippedGzipBytes = null) {
  const w = parseWasm(namedBuf);
  const groups = new Map();
  const add = (group, fn, bytes) => {
    let g = groups.get(group);
    if (!g) groups.set(group, g = { group, functions: 0, bytes: 0, chunks: [], top: [] });
    g.functions += fn ? 1 : 0;
    g.bytes += bytes.length;
    g.chunks.push(bytes);
    if (fn) g.top.push({ name: fn, bytes: bytes.length });
  };
  const all = [];
  for (const b of w.bodies) {
    const group = groupOf(b.name);
    add(group, b.name ?? `#${b.index}`, b.bytes);
    all.push({ group, name: b.name ? demangle(b.name) : `#${b.index}`, bytes: b.bytes.length });
  }
  const codeBytes = w.bodies.reduce((n, b) => n + b.bytes.length, 0);
  const dataBytes = w.data.reduce((n, d) => n + d.length, 0);
  const code = [...groups.values()].sort((a, b) => b.bytes - a.bytes);
  const dataGroup = { group: 'data segments (constants, strings, tables)', functions: 0, bytes: dataBytes, chunks: w.data };
  const codeSection = w.sections.find((s) => s.id === 10);
  const dataSection = w.sections.find((s) => s.id === 11);
  const otherBytes = w.sections.filter((s) => s.id !== 10 && s.id !== 11 && s.id !== 0).reduce((n, s) => n + s.total, 0);
  const otherGroup = { group: 'other sections (types, imports, exports, table, globals)', functions: 0, bytes: otherBytes, chunks: [] };
  const otherStart = w.sections.filter((s) => s.id !== 10 && s.id !== 11 && s.id !== 0);
  otherGroup.chunks = otherStart.map((s) => namedBuf.subarray(s.start, s.start + s.size));
  const rows = [...code, dataGroup, otherGroup];
  for (const g of rows) g.gzipAlone = gz(Buffer.concat(g.chunks));
  const gzipAloneSum = rows.reduce((n, g) => n + g.gzipAlone, 0);
  const shipped = shippedBuf ? parseWasm(shippedBuf) : null;
  const shippedCode = shipped?.sections.find((s) => s.id === 10)?.total ?? null;
  const shippedGzip = shippedGzipBytes ?? (shippedBuf ? gzipCli(shippedBuf) : null);
  // the named file without its name section, as gzip would see the shipped one
  const total = shippedGzip ?? gzipCli(Buffer.concat(w.sections.filter((s) => s.name !== 'custom: name').map((s) => namedBuf.subarray(s.start - 1 - leb128Length(s.size), s.start + s.size))));
  for (const g of rows) g.gzipEstimate = Math.round((g.gzipAlone / gzipAloneSum) * total);
  return {
    rows: rows.map(({ chunks, top, ...g }) => ({ ...g, top: top?.sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((t) => ({ name: demangle(t.name), bytes: t.bytes })) })),
    functions: w.bodies.length,
    codeBytes,
    dataBytes,
    codeSectionBytes: codeSection?.total ?? 0,
    dataSectionBytes: dataSection?.total ?? 0,
    shippedCodeSectionBytes: shippedCode,
    shippedFunctions: shipped?.bodies.length ?? null,
    shippedBytes: shippedBuf?.length ?? null,
    gzipTotal: total,
    gzipAloneSum,
    unnamed: w.bodies.filter((b) => !b.name).length,
    largest: all.sort((a, b) => b.bytes - a.bytes),
  };
}

const fmt = (n) => n.toLocaleString('en-US');
const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;

/** The analysis as markdown: a table, then how it was made and what the estimate means. */
export function markdown(a, { top = 0 } = {}) {
  const lines = [];
  lines.push('| crate / module | functions | code bytes | share of code | gzipped, estimated | share of gzipped |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const g of a.rows) {
    const isCode = g.functions > 0;
    lines.push(`| ${isCode && !g.group.includes(' ') ? `\`${g.group}\`` : g.group} | ${isCode ? fmt(g.functions) : ''} | ${fmt(g.bytes)} | ${isCode ? pct(g.bytes, a.codeBytes) : ''} | ${fmt(g.gzipEstimate)} | ${pct(g.gzipEstimate, a.gzipTotal)} |`);
  }
  lines.push(`| **total** | ${fmt(a.functions)} | ${fmt(a.codeBytes)} code, ${fmt(a.dataBytes)} data | 100% | ${fmt(a.gzipTotal)} | 100% |`);
  lines.push('');
  const close = a.shippedCodeSectionBytes === null ? ''
    : ` Its code section is ${fmt(a.codeSectionBytes)} bytes in ${fmt(a.functions)} functions, the shipped file's ${fmt(a.shippedCodeSectionBytes)} bytes in ${fmt(a.shippedFunctions)} (${a.codeSectionBytes === a.shippedCodeSectionBytes ? 'identical' : `${(((a.codeSectionBytes - a.shippedCodeSectionBytes) / a.shippedCodeSectionBytes) * 100).toFixed(2)}%`}).`;
  lines.push(`Made by \`node bench/size.mjs\` from a copy of the build with function names kept (the same cargo output, wasm-bindgen and wasm-opt flags as \`scripts/build.sh\`, plus wasm-opt's \`-g\`).${close} `
    + 'Code bytes are the function bodies as stored. A generic function is counted where it is defined (a `serde_json` parser instantiated for a jwtgate type counts as `serde_json`), a trait impl with its type\'s crate (else its trait\'s), and what wasm-opt inlined with its caller. '
    + `The gzipped estimate: each group's bytes gzipped -9 on their own (${fmt(a.gzipAloneSum)} bytes together), scaled to the real file's ${fmt(a.gzipTotal)} bytes (\`gzip -9\`); it shares what gzip gains across groups out in proportion, so it is each group's part of the file, not what removing it would save.`);
  if (top > 0) {
    lines.push('', `| largest functions | group | code bytes |`, '|---|---|---:|');
    for (const f of a.largest.slice(0, top)) lines.push(`| \`${f.name.replace(/\|/g, '\\|').slice(0, 140)}\` | ${f.group} | ${fmt(f.bytes)} |`);
  }
  return lines.join('\n');
}

/**
 * The size table for BENCHMARKS.md: `{ markdown, analysis }`. Options: `wasm` (a named wasm to
 * read as it is), `cargoWasm` (default: target/…/release/jwtgate.wasm), `shipped` (default:
 * pkg/dist/web/jwtgate_bg.wasm), `build` (run scripts/build.sh first), `top`.
 */
export function sizeTable({ wasm = null, cargoWasm = CARGO_WASM, shipped = SHIPPED, build = false, top = 0, save = null } = {}) {
  if (build) execFileSync(path.join(ROOT, 'scripts/build.sh'), { stdio: 'inherit', cwd: ROOT });
  let dir = null;
  try {
    if (!wasm) {
      if (!existsSync(cargoWasm)) throw new Error(`${cargoWasm}: no cargo build (run scripts/build.sh)`);
      dir = mkdtempSync(path.join(tmpdir(), 'jwtgate-size-'));
      wasm = buildNamed(cargoWasm, dir);
      if (save) copyFileSync(wasm, save);
    }
    const has = shipped && existsSync(shipped);
    // `gzip -9c FILE`, as scripts/build.sh reports it (the header holds the file name)
    let gzipFile = null;
    try { gzipFile = has ? execFileSync('gzip', ['-9c', shipped], { maxBuffer: 1 << 26 }).length : null; } catch { /* zlib then */ }
    const analysis = analyze(readFileSync(wasm), has ? readFileSync(shipped) : null, gzipFile);
    const { codeSectionBytes: named, shippedCodeSectionBytes: shippedCode } = analysis;
    if (shippedCode !== null && Math.abs(named - shippedCode) > shippedCode / 200) {
      console.error(`bench/size.mjs: the named copy's code (${named} bytes) is not the shipped file's (${shippedCode}): `
        + 'is the cargo output newer than pkg/dist? (scripts/build.sh, or --build)');
    }
    return { markdown: markdown(analysis, { top }), analysis };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const { markdown: md, analysis } = sizeTable({
    wasm: opt('wasm') ?? null, build: args.includes('--build'), top: Number(opt('top') ?? 0),
    shipped: opt('shipped') ?? SHIPPED, save: opt('save') ?? null,
  });
  if (args.includes('--json')) console.log(JSON.stringify({ ...analysis, largest: analysis.largest.slice(0, Number(opt('top') ?? 50)) }, null, 2));
  else console.log(md);
}
