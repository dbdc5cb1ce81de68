#!/usr/bin/env node
// JWT verification benchmark: jwtgate against jose, fast-jwt, jsonwebtoken, aws-jwt-verify and
// raw node:crypto (the native limit), with the same tokens and keys for everyone, in one process.
//
//   node bench/run.mjs             full run (about 75 s on 2 idle cores); from the repository root
//   node bench/run.mjs --quick     smoke test: short batches, writes no files
//   node bench/run.mjs --algs=RS256,ES256   only these algorithms (writes no files)
//
// Needs the built package (pkg/dist; `scripts/build.sh`) and the dev dependencies (`npm ci`).
// Writes BENCHMARKS.md (Markdown table, machine, versions) and bench/results.json (raw numbers);
// the table also goes to stdout, progress to stderr.
//
// Method: for each algorithm × library, the verifier is built once (keys imported once), checked
// to ACCEPT the token and to REJECT a token with a corrupted signature, then warmed up, then
// timed in BATCHES batches of about BATCH_MS each (up to MAX_BATCHES when the spread between
// batches exceeds NOISY); the figure is the median batch's µs/op.
// Async verifiers (jose) are awaited one at a time. Every library except the native row checks
// the signature AND the claims (alg, iss, aud, exp); the native row only checks the signature.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM = new URL('../pkg/dist/web/jwtgate_bg.wasm', import.meta.url);
const OUT_MD = new URL('../BENCHMARKS.md', import.meta.url);
const OUT_JSON = new URL('./results.json', import.meta.url);
const COMMAND = 'node bench/run.mjs';

const ARGS = process.argv.slice(2);
const QUICK = ARGS.includes('--quick');
const ONLY = ARGS.find((a) => a.startsWith('--algs='))?.slice('--algs='.length).split(',');
const WRITE_FILES = !QUICK && !ONLY;

const ALGORITHMS = ONLY ?? ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const BATCH_MS = QUICK ? 40 : 300;
const BATCHES = QUICK ? 3 : 5;
const MAX_BATCHES = QUICK ? 3 : 9; // noisy rows (spread > NOISY) get extra batches, up to this
const NOISY = 0.2;
const WARMUP_MS = QUICK ? 40 : 250;

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_bT7xQ2mZk';
const CLIENT_ID = '5r1gkq0d7lq4hbd3n8v2tm6o9c';
const TEN_YEARS = 10 * 365 * 24 * 3600;

/** Node's digest, and signature options, for each algorithm (the native row). */
const NATIVE = {
  HS256: { hash: 'sha256' },
  RS256: { hash: 'sha256', opts: {} },
  PS256: { hash: 'sha256', opts: { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  ES256: { hash: 'sha256', opts: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', opts: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { hash: null, opts: {} },
};

// ---------------------------------------------------------------------------------------------
// Loading

if (!existsSync(WASM)) {
  console.error(`${fileURLToPath(WASM)} is missing: build the package first with scripts/build.sh`);
  process.exit(1);
}
const { KeySet, Verifier } = await import('../pkg/src/node.mjs');
const jose = await import('jose');
const { createVerifier: fastJwtVerifier } = await import('fast-jwt');
const { default: jsonwebtoken } = await import('jsonwebtoken');
const { JwtVerifier: AwsJwtVerifier } = await import('aws-jwt-verify');

// ---------------------------------------------------------------------------------------------
// Tokens

/**
 * Cognito-like access-token claims. Cognito puts the app client id in `client_id`; here it is
 * in `aud`, the claim every library can check as the audience.
 */
function makeClaims(now) {
  return {
    sub: crypto.randomUUID(),
    'cognito:groups': ['admins', 'orders'],
    iss: ISSUER,
    aud: CLIENT_ID,
    token_use: 'access',
    scope: 'openid orders.read',
    auth_time: now,
    exp: now + TEN_YEARS, // far future: the tokens must stay valid for the whole run
    iat: now,
    jti: crypto.randomUUID(),
    username: 'jdoe',
    'custom:tenant': 'acme',
    'custom:plan': 'pro',
  };
}

/**
 * A key pair (or secret) and a signed token per algorithm, all with `jose`.
 * Returns { alg: { token, claims, publicJwk, secret?, keyObject, pem } }.
 */
async function makeTokens(algorithms) {
  const now = Math.floor(Date.now() / 1000);
  const out = {};
  for (const alg of algorithms) {
    const claims = makeClaims(now);
    let signingKey;
    let publicJwk;
    let secret;
    if (alg.startsWith('HS')) {
      secret = crypto.randomBytes(32);
      signingKey = secret;
      publicJwk = { kty: 'oct', k: secret.toString('base64url') };
    } else {
      const pair = await jose.generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
      signingKey = pair.privateKey;
      publicJwk = await jose.exportJWK(pair.publicKey);
    }
    // A Cognito kid is a 44-character base64 digest of the key: a thumbprint is the same shape.
    const kid = `${await jose.calculateJwkThumbprint(publicJwk)}=`;
    publicJwk = { ...publicJwk, kid, alg, use: 'sig' };
    const token = await new jose.SignJWT(claims)
      .setProtectedHeader({ kid, alg }) // Cognito's header: no typ
      .sign(signingKey);
    const keyObject = secret
      ? crypto.createSecretKey(secret)
      : crypto.createPublicKey({ key: publicJwk, format: 'jwk' });
    const pem = secret ? null : keyObject.export({ type: 'spki', format: 'pem' });
    out[alg] = { alg, token, claims, kid, publicJwk, jwks: { keys: [publicJwk] }, secret, keyObject, pem };
  }
  return out;
}

/** The token with one signature character changed (mid-signature, so no padding-bit slack). */
function corrupt(token) {
  const dot = token.lastIndexOf('.');
  const i = dot + 1 + Math.floor((token.length - dot - 1) / 2);
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}

// ---------------------------------------------------------------------------------------------
// Peers: setup(m) builds the verifier once and returns verify(token) (or null: unsupported).
// verify returns the payload, `{ payload }`, or a boolean (native); async ones return a promise.

const peers = [
  {
    name: 'jwtgate',
    setup(m) {
      const keys = m.secret
        ? KeySet.fromSecret(m.secret, { alg: m.alg, kid: m.kid })
        : KeySet.fromJwks(m.jwks);
      const verifier = new Verifier({ keys, issuer: ISSUER, audience: CLIENT_ID, algorithms: [m.alg] });
      return (token) => verifier.verify(token);
    },
  },
  {
    name: 'jose',
    async: true,
    note: '`jwtVerify` with a CryptoKey from `importJWK`: WebCrypto, so every call is a thread-pool job and a promise; its figures move with the machine\'s load more than the others',
    async setup(m) {
      const key = await jose.importJWK(m.publicJwk, m.alg);
      const options = { issuer: ISSUER, audience: CLIENT_ID, algorithms: [m.alg] };
      return (token) => jose.jwtVerify(token, key, options);
    },
  },
  {
    name: 'fast-jwt',
    setup(m) {
      const verifier = fastJwtVerifier({
        key: m.secret ?? m.pem, algorithms: [m.alg], allowedIss: ISSUER, allowedAud: CLIENT_ID, cache: false,
      });
      return (token) => verifier(token);
    },
  },
  {
    name: 'fast-jwt (cache)',
    note: 'result cache on: every timed call is a cache hit on the same token',
    setup(m) {
      const verifier = fastJwtVerifier({
        key: m.secret ?? m.pem, algorithms: [m.alg], allowedIss: ISSUER, allowedAud: CLIENT_ID, cache: true,
      });
      return (token) => verifier(token);
    },
  },
  {
    name: 'jsonwebtoken',
    setup(m) {
      const options = { algorithms: [m.alg], issuer: ISSUER, audience: CLIENT_ID };
      return (token) => jsonwebtoken.verify(token, m.keyObject, options);
    },
  },
  {
    name: 'aws-jwt-verify',
    note: '`verifySync` after `cacheJwks` (no network)',
    setup(m) {
      const verifier = AwsJwtVerifier.create({
        issuer: ISSUER, audience: CLIENT_ID, jwksUri: `${ISSUER}/.well-known/jwks.json`,
      });
      verifier.cacheJwks(m.jwks);
      return (token) => verifier.verifySync(token);
    },
  },
  {
    name: 'node:crypto (native)',
    note: 'signature only, no claim checks: the floor for any JS-visible verifier',
    setup(m) {
      const key = m.keyObject; // created once
      if (m.secret) {
        return (token) => {
          const dot = token.lastIndexOf('.');
          const mac = crypto.createHmac(NATIVE[m.alg].hash, key).update(token.slice(0, dot)).digest();
          const sig = Buffer.from(token.slice(dot + 1), 'base64url');
          return sig.length === mac.length && crypto.timingSafeEqual(mac, sig);
        };
      }
      const { hash, opts } = NATIVE[m.alg];
      const keyOpts = { key, ...opts };
      return (token) => {
        const dot = token.lastIndexOf('.');
        const data = Buffer.from(token.slice(0, dot));
        return crypto.verify(hash, data, keyOpts, Buffer.from(token.slice(dot + 1), 'base64url'));
      };
    },
  },
];

/**
 * Builds a peer's verifier for one algorithm and proves it accepts the token and rejects a
 * corrupted one. Returns { verify } or { reason } (not applicable).
 */
async function prepare(peer, m) {
  let verify;
  try {
    verify = await peer.setup(m);
  } catch (err) {
    return { reason: `setup failed: ${oneLine(err)}` };
  }
  if (!verify) return { reason: `${m.alg} not supported` };
  try {
    const r = await verify(m.token);
    const payload = r?.payload ?? r;
    if (!(payload === true || payload?.jti === m.claims.jti)) {
      return { reason: `verify returned ${JSON.stringify(r)?.slice(0, 80)}` };
    }
  } catch (err) {
    return { reason: `rejects the valid token: ${oneLine(err)}` };
  }
  let forged;
  try {
    forged = await verify(corrupt(m.token));
  } catch {
    forged = false;
  }
  if (forged !== false) return { reason: 'accepts a token with a corrupted signature' };
  return { verify };
}

function oneLine(err) {
  const text = `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`.split('\n')[0];
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Timing

let sink = 0; // results flow here so the calls cannot be optimised away

function loopSync(fn, token, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (fn(token)) sink++;
  return performance.now() - t0;
}

async function loopAsync(fn, token, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (await fn(token)) sink++;
  return performance.now() - t0;
}

/**
 * Median µs/op of `fn(token)`: warm up (doubling the count) for at least WARMUP_MS, size the
 * batches to about BATCH_MS from the warm-up rate, then run BATCHES batches, more (up to
 * MAX_BATCHES, an odd number) while the spread (max − min) / median exceeds NOISY.
 */
async function measure(fn, token, isAsync) {
  const loop = isAsync ? loopAsync : loopSync;
  let n = 1;
  let spent = 0;
  let last = 0;
  for (;;) {
    last = await loop(fn, token, n);
    spent += last;
    if (spent >= WARMUP_MS && last >= WARMUP_MS / 8) break;
    n *= 2;
  }
  const iterations = Math.max(1, Math.round((n * BATCH_MS) / last));
  const batches = [];
  let sorted;
  let spread;
  do {
    batches.push(((await loop(fn, token, iterations)) * 1000) / iterations);
    sorted = [...batches].sort((a, b) => a - b);
    spread = (sorted.at(-1) - sorted[0]) / sorted[Math.floor(sorted.length / 2)];
  } while (batches.length < BATCHES || (spread > NOISY && batches.length < MAX_BATCHES));
  const usPerOp = sorted[Math.floor(sorted.length / 2)];
  return {
    usPerOp,
    opsPerSec: 1e6 / usPerOp,
    iterations,
    batchesUs: batches,
    spread,
  };
}

// ---------------------------------------------------------------------------------------------
// Environment

function wasmInfo() {
  const bytes = readFileSync(WASM);
  return {
    path: 'pkg/dist/web/jwtgate_bg.wasm',
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    built: statSync(WASM).mtime.toISOString(),
  };
}

function environment() {
  const cpus = os.cpus();
  const version = (name) => {
    try {
      return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url))).version;
    } catch {
      return '?';
    }
  };
  let commit = '?';
  try {
    commit = execFileSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    date: new Date().toISOString(),
    command: COMMAND + (ARGS.length ? ` ${ARGS.join(' ')}` : ''),
    machine: {
      cores: cpus.length,
      cpu: cpus[0]?.model ?? '?',
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    node: process.version,
    versions: {
      jwtgate: `${JSON.parse(readFileSync(new URL('../pkg/package.json', import.meta.url))).version} (git ${commit})`,
      jose: version('jose'),
      'fast-jwt': version('fast-jwt'),
      jsonwebtoken: version('jsonwebtoken'),
      'aws-jwt-verify': version('aws-jwt-verify'),
      openssl: process.versions.openssl,
    },
    config: { batchMs: BATCH_MS, batches: BATCHES, maxBatches: MAX_BATCHES, noisySpread: NOISY, warmupMs: WARMUP_MS },
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtUs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtOps = (x) => Math.round(x).toLocaleString('en-US');
const fmtRatio = (x) => (x == null ? '–' : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function report(env, wasm, tokens, rows) {
  const lines = [];
  lines.push('# Benchmarks', '');
  lines.push(`JWT verification, µs per verified token (median of ${env.config.batches === env.config.maxBatches ? env.config.batches : `${env.config.batches}–${env.config.maxBatches}`} batches of ~${env.config.batchMs} ms after warm-up), all libraries in one Node process with the same tokens and keys.`, '');
  lines.push(`- Date: ${env.date}`);
  lines.push(`- Machine: ${env.machine.cores} cores, ${env.machine.cpu}, ${env.machine.memoryGiB} GiB, ${env.machine.platform}`);
  lines.push(`- Node ${env.node} (OpenSSL ${env.versions.openssl})`);
  lines.push(`- Command: \`${env.command}\` (${env.seconds.toFixed(0)} s; load average ${env.loadAverageAtStart[0]} at start, ${env.loadAverageAtEnd[0]} at end)`);
  lines.push(`- Versions: jwtgate ${env.versions.jwtgate}, jose ${env.versions.jose}, fast-jwt ${env.versions['fast-jwt']}, jsonwebtoken ${env.versions.jsonwebtoken}, aws-jwt-verify ${env.versions['aws-jwt-verify']}`);
  lines.push(`- \`${wasm.path}\`: ${wasm.bytes.toLocaleString('en-US')} bytes (${kib(wasm.bytes)}), ${wasm.gzipBytes.toLocaleString('en-US')} bytes gzipped -9 (${kib(wasm.gzipBytes)})`);
  lines.push(`- Tokens (Cognito-like access token, ${Object.keys(Object.values(tokens)[0].claims).length} claims, \`exp\` 10 years ahead): ${Object.values(tokens).map((m) => `${m.alg} ${m.token.length} B`).join(', ')}`);
  lines.push('');
  lines.push('"vs jose" and "vs native" are time ratios: 2.00× = takes twice as long (lower is better).', '');
  lines.push('| Algorithm | Library | µs/op | ops/s | vs jose | vs native |');
  lines.push('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.reason) {
      lines.push(`| ${r.alg} | ${r.library} | n/a: ${r.reason.replaceAll('|', '\\|')} | | | |`);
    } else {
      lines.push(`| ${r.alg} | ${r.library} | ${fmtUs(r.usPerOp)} | ${fmtOps(r.opsPerSec)} | ${fmtRatio(r.vsJose)} | ${fmtRatio(r.vsNative)} |`);
    }
  }
  lines.push('', 'Notes:', '');
  lines.push('- Each verifier is built once (keys imported once) and must accept the token and reject a copy with a corrupted signature before it is timed; otherwise its row says n/a and why.');
  lines.push('- jwtgate, jose, fast-jwt, jsonwebtoken and aws-jwt-verify check the signature and the claims (`alg`, `iss`, `aud`, `exp`); jwtgate is called synchronously, jose is awaited one call at a time.');
  for (const p of peers) if (p.note) lines.push(`- ${p.name}: ${p.note}.`);
  const noisy = rows.filter((r) => r.spread > NOISY);
  if (noisy.length) {
    lines.push(`- Noisy rows (batch spread (max − min) over ${NOISY * 100}% of the median): ${noisy.map((r) => `${r.alg} ${r.library} ${(r.spread * 100).toFixed(0)}%`).join(', ')}.`);
  }
  lines.push('- Raw numbers (every batch): `bench/results.json`.');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const env = environment();
  const wasm = wasmInfo();
  const tokens = await makeTokens(ALGORITHMS);
  const rows = [];
  for (const alg of ALGORITHMS) {
    const m = tokens[alg];
    const algRows = [];
    for (const peer of peers) {
      const row = { alg, library: peer.name };
      const ready = await prepare(peer, m);
      if (ready.reason) {
        row.reason = ready.reason;
      } else {
        Object.assign(row, await measure(ready.verify, m.token, peer.async === true));
      }
      console.error(`${alg.padEnd(6)} ${peer.name.padEnd(22)} ${row.reason ? `n/a: ${row.reason}` : `${fmtUs(row.usPerOp).padStart(8)} µs/op  (${row.iterations} × ${row.batchesUs.length}, spread ${(row.spread * 100).toFixed(1)}%)`}`);
      algRows.push(row);
    }
    const jose = algRows.find((r) => r.library === 'jose')?.usPerOp;
    const native = algRows.find((r) => r.library === 'node:crypto (native)')?.usPerOp;
    for (const r of algRows) {
      if (r.usPerOp === undefined) continue;
      r.vsJose = jose ? r.usPerOp / jose : null;
      r.vsNative = native ? r.usPerOp / native : null;
    }
    rows.push(...algRows);
  }
  env.seconds = (performance.now() - started) / 1000;
  env.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
  const markdown = report(env, wasm, tokens, rows);
  process.stdout.write(markdown);
  const { seconds } = env;
  console.error(`done in ${seconds.toFixed(0)} s${WRITE_FILES ? '' : ' (no files written: --quick/--algs)'}`);
  if (WRITE_FILES) {
    writeFileSync(OUT_MD, markdown);
    const json = {
      ...env,
      wasm,
      tokens: Object.fromEntries(Object.values(tokens).map((m) => [m.alg, { bytes: m.token.length, kid: m.kid }])),
      results: rows,
    };
    writeFileSync(OUT_JSON, `${JSON.stringify(json, null, 2)}\n`);
  }
  if (sink < 0) console.error(sink); // keep the sink alive
}

await main();
