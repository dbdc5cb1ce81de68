#!/usr/bin/env node
// The benchmark suite: jwtgate against jose, fast-jwt, jsonwebtoken, aws-jwt-verify and raw
// node:crypto (the native limit), with the same tokens and keys for everyone, plus the full
// Lambda decision, the verified-token cache, cold starts, memory, workerd, Deno and the wasm size, each
// compared with the targets at the end of the report.
//
//   node bench/run.mjs             full run (about 5 min on 2 idle cores); from the repository root
//   node bench/run.mjs --quick     smoke test: short batches, few cold starts, no memory or
//                                  workerd or Deno children, writes no files
//   node bench/run.mjs --algs=RS256,ES256   only these algorithms (writes no files)
//
// Needs the built package (pkg/dist; `scripts/build.sh`) and the dev dependencies (`npm ci`).
// Writes BENCHMARKS.md (Markdown, machine, versions, targets) and bench/results.json (raw
// numbers); the report also goes to stdout, progress to stderr.
//
// Sections, in the order they run:
// 1. Verification, pass 1 and (at the end of the in-process work) pass 2: for each algorithm ×
//    library, the verifier is built once (keys imported once), checked to ACCEPT the token and to
//    REJECT a token with a corrupted signature, then warmed up, then timed in BATCHES batches of
//    about BATCH_MS each (up to MAX_BATCHES when the spread between batches exceeds NOISY); a
//    pass's figure is the median batch's µs/op. The table shows the faster pass, and both passes
//    where they differ by more than RUN_DIFF. Async verifiers (jose) are awaited one at a time.
//    Every library except the native row checks the signature AND the claims (alg, iss, aud,
//    exp); the native row only checks the signature.
// 2. Full Lambda decision: createLambdaAuthorizer(...)(event) with a real REST REQUEST event,
//    against Verifier.verify of the same tokens, their batches interleaved so that both see the
//    same machine load; "cold token" cycles through LAMBDA_TOKENS distinct tokens, "warm token"
//    repeats one.
// 3. Head to head (after pass 2): per algorithm, jwtgate and each cache-off peer and node:crypto,
//    their batches interleaved round by round, on FRESH_TOKENS distinct tokens: the speed
//    targets are read from these paired ratios, not from the table.
// 4. Verified-token cache: the `jwtgate (cache)` and `fast-jwt (cache)` rows of the table.
// 5. Cold start: COLD_RUNS fresh `node` processes per library (bench/cold-start.mjs), interleaved.
// 6. Memory, workerd, Deno and Bun: bench/memory.mjs, bench/workerd.mjs and bench/runtimes.mjs as child processes, their output
//    copied into the report (skipped with --quick).

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
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
const RUN_DIFF = 0.1; // the two passes of a row differing by more than this: both are reported
const LAMBDA_ALGORITHMS = ['RS256', 'ES256', 'HS256'].filter((alg) => !ONLY || ONLY.includes(alg));
const LAMBDA_TOKENS = QUICK ? 200 : 3000; // distinct tokens for the "cold token" rows
const FRESH_TOKENS = QUICK ? 40 : 400; // distinct tokens per algorithm for the head-to-head rows
// Head-to-head rounds: short batches and many rounds, so that the ratios pair batches timed close together.
const DUEL = QUICK ? { batchMs: 40, rounds: 3, maxRounds: 3 } : { batchMs: 100, rounds: 15, maxRounds: 25 };
const COLD_RUNS = QUICK ? 3 : 15; // processes per library (after one discarded round)
const CHILD_TIMEOUT_MS = 300_000; // memory.mjs, workerd.mjs and runtimes.mjs

const FIXTURE = 'powertools-lambda-typescript/apigw-rest_authorizer-request.json';
const FIXTURE_DIRS = [path.resolve(ROOT, '../shared/fixtures/apigw'), '/work/shared/fixtures/apigw'];

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
const { KeySet, Verifier } = await import('../pkg/src/runtime/node.mjs');
const { createLambdaAuthorizer } = await import('../pkg/src/adapters/lambda.mjs');
// The portable fallback (what browsers and workerd's synchronous `verify` run): a second,
// separate instance of the wasm (the query string makes it a distinct module) in which no native
// backend is installed, driven through the raw binding.
const fallback = await import('../pkg/dist/web/jwtgate.js?pure-wasm');
fallback.initSync({ module: readFileSync(path.join(ROOT, 'pkg/dist/web/jwtgate_bg.wasm')) });
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
 * Returns { alg: { token, claims, fresh: [{ token, jti }], publicJwk, secret?, keyObject, pem } }.
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
    const sign = (c) => new jose.SignJWT(c)
      .setProtectedHeader({ kid, alg }) // Cognito's header: no typ
      .sign(signingKey);
    const token = await sign(claims);
    // For the head-to-head rows: a token not seen before on every call (cycled).
    const fresh = [];
    for (let i = 0; i < FRESH_TOKENS; i++) {
      const c = makeClaims(now);
      fresh.push({ token: await sign(c), jti: c.jti });
    }
    const keyObject = secret
      ? crypto.createSecretKey(secret)
      : crypto.createPublicKey({ key: publicJwk, format: 'jwk' });
    const pem = secret ? null : keyObject.export({ type: 'spki', format: 'pem' });
    out[alg] = { alg, token, claims, fresh, kid, publicJwk, jwks: { keys: [publicJwk] }, secret, keyObject, pem };
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
    name: 'jwtgate (cache)',
    note: '`new Verifier({ ..., cache: true })` (verified-token cache, 1000 entries): every timed call is a cache hit on the same token',
    setup(m) {
      const keys = m.secret
        ? KeySet.fromSecret(m.secret, { alg: m.alg, kid: m.kid })
        : KeySet.fromJwks(m.jwks);
      const verifier = new Verifier({ keys, issuer: ISSUER, audience: CLIENT_ID, algorithms: [m.alg], cache: true });
      return (token) => verifier.verify(token);
    },
  },
  {
    name: 'jwtgate (pure wasm)',
    note: 'the pure-Rust fallback used where no native crypto is installed (browsers, the inspector, workerd\'s synchronous `verify`): a second wasm instance without the native backend, called through the raw binding',
    setup(m) {
      const keys = m.secret
        ? fallback.KeySet.fromSecret(m.secret, m.alg, m.kid)
        : fallback.KeySet.fromJwks(JSON.stringify(m.jwks));
      const verifier = new fallback.Verifier(JSON.stringify({ issuer: ISSUER, audience: CLIENT_ID, algorithms: [m.alg] }));
      return (token) => JSON.parse(verifier.verify(keys, token, Date.now() / 1000))[2];
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
    if (!accepted(r, m.claims.jti)) {
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

/** Whether a verifier's result accepts the token whose `jti` is given (native: `true`). */
function accepted(result, jti) {
  const payload = result?.payload ?? result;
  return payload === true || payload?.jti === jti;
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


/** Runs `fn` over `inputs` (cycling, from `state.next`) n times; returns the milliseconds. */
async function loopList(state, n) {
  const { fn, inputs } = state;
  const len = inputs.length;
  let j = state.next;
  const t0 = performance.now();
  if (state.isAsync) {
    for (let i = 0; i < n; i++) {
      if (await fn(inputs[j])) sink++;
      if (++j === len) j = 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (fn(inputs[j])) sink++;
      if (++j === len) j = 0;
    }
  }
  const ms = performance.now() - t0;
  state.next = j;
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spreadOf = (xs) => (Math.max(...xs) - Math.min(...xs)) / median(xs);

/**
 * Several variants timed with their batches interleaved (A B A B …), so that a change in the
 * machine's load hits all of them alike: each variant `{ fn, inputs, isAsync }` is warmed up and
 * its batches sized as in `measure` (to `batchMs`); then rounds of one batch per variant, in
 * turn forwards and backwards (so that none always follows the same one), `rounds` rounds, more
 * (up to `maxRounds`) while one variant's spread exceeds NOISY. Returns per variant the median
 * µs/op, and per variant after the first the median of the per-round ratios to the first.
 */
async function measureInterleaved(variants, { batchMs = BATCH_MS, rounds: least = BATCHES, maxRounds = MAX_BATCHES } = {}) {
  const states = variants.map((v) => ({ ...v, next: 0, batchesUs: [] }));
  for (const s of states) {
    let n = 1;
    let spent = 0;
    let last = 0;
    for (;;) {
      last = await loopList(s, n);
      spent += last;
      if (spent >= WARMUP_MS && last >= WARMUP_MS / 8) break;
      n *= 2;
    }
    s.iterations = Math.max(1, Math.round((n * batchMs) / last));
  }
  let rounds = 0;
  do {
    for (const s of rounds % 2 ? [...states].reverse() : states) {
      s.batchesUs.push(((await loopList(s, s.iterations)) * 1000) / s.iterations);
    }
    rounds += 1;
  } while (rounds < least || (states.some((s) => spreadOf(s.batchesUs) > NOISY) && rounds < maxRounds));
  return states.map((s, i) => ({
    usPerOp: median(s.batchesUs),
    iterations: s.iterations,
    batchesUs: s.batchesUs,
    spread: spreadOf(s.batchesUs),
    ratioToFirst: i === 0 ? 1 : median(s.batchesUs.map((b, r) => b / states[0].batchesUs[r])),
  }));
}

// ---------------------------------------------------------------------------------------------
// Verification table: two passes

async function verificationPass(prepared, pass) {
  const rows = [];
  for (const { alg, m, peers: ready } of prepared) {
    for (const { peer, verify, reason } of ready) {
      const row = { alg, library: peer.name };
      if (reason) row.reason = reason;
      else Object.assign(row, await measure(verify, m.token, peer.async === true));
      console.error(`pass ${pass} ${alg.padEnd(6)} ${peer.name.padEnd(22)} ${row.reason ? `n/a: ${row.reason}` : `${fmtUs(row.usPerOp).padStart(8)} µs/op  (${row.iterations} × ${row.batchesUs.length}, spread ${(row.spread * 100).toFixed(1)}%)`}`);
      rows.push(row);
    }
  }
  return rows;
}

/**
 * One row per algorithm × library from the two passes: `usPerOp` is the faster pass (load only
 * ever adds time), `passes` both figures, `differs` when they are more than RUN_DIFF apart.
 */
function combinePasses(pass1, pass2) {
  const rows = pass1.map((a, i) => {
    const b = pass2[i];
    if (a.reason || !b || b.reason) return { alg: a.alg, library: a.library, reason: a.reason ?? b?.reason ?? 'second pass missing' };
    const usPerOp = Math.min(a.usPerOp, b.usPerOp);
    return {
      alg: a.alg,
      library: a.library,
      usPerOp,
      opsPerSec: 1e6 / usPerOp,
      passes: [a.usPerOp, b.usPerOp],
      differs: Math.abs(a.usPerOp - b.usPerOp) / Math.min(a.usPerOp, b.usPerOp) > RUN_DIFF,
      spreads: [a.spread, b.spread],
    };
  });
  for (const alg of new Set(rows.map((r) => r.alg))) {
    const algRows = rows.filter((r) => r.alg === alg);
    const jose = algRows.find((r) => r.library === 'jose')?.usPerOp;
    const native = algRows.find((r) => r.library === 'node:crypto (native)')?.usPerOp;
    for (const r of algRows) {
      if (r.usPerOp === undefined) continue;
      r.vsJose = jose ? r.usPerOp / jose : null;
      r.vsNative = native ? r.usPerOp / native : null;
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Head to head: the speed targets

/** The libraries of the head-to-head rows: jwtgate first (the ratios are to it). */
const HEAD_TO_HEAD = ['jwtgate', 'jose', 'fast-jwt', 'jsonwebtoken', 'aws-jwt-verify', 'node:crypto (native)'];

/** Whether `verify` accepts every fresh token with its own payload (native: `true`). */
async function acceptsAll(verify, fresh) {
  for (const { token, jti } of fresh) {
    if (!accepted(await verify(token), jti)) return false;
  }
  return true;
}

/**
 * The targets' comparisons, measured so that noise cannot decide them: per algorithm, jwtgate
 * and every peer that verifies it, their batches interleaved round by round (measureInterleaved),
 * each call on a token not seen before (FRESH_TOKENS distinct tokens, cycled). A ratio is the
 * median of the per-round ratios, so a change in the machine's load between rounds cancels out.
 */
async function headToHead(prepared) {
  const out = [];
  for (const { alg, m, peers: ready } of prepared) {
    const entrants = [];
    for (const name of HEAD_TO_HEAD) {
      const entry = ready.find((r) => r.peer.name === name && r.verify);
      if (!entry) continue;
      if (!(await acceptsAll(entry.verify, m.fresh).catch(() => false))) {
        out.push({ alg, library: name, reason: 'rejects one of the fresh tokens' });
        continue;
      }
      entrants.push({ name, fn: entry.verify, inputs: m.fresh.map((f) => f.token), isAsync: entry.peer.async === true });
    }
    if (entrants[0]?.name !== 'jwtgate') continue;
    const measured = await measureInterleaved(entrants, DUEL);
    const native = measured[entrants.findIndex((e) => e.name === 'node:crypto (native)')];
    entrants.forEach((e, i) => {
      const r = measured[i];
      const row = {
        alg, library: e.name, usPerOp: r.usPerOp, spread: r.spread, batchesUs: r.batchesUs,
        // jwtgate's time over this library's: < 1 when jwtgate is faster.
        jwtgateOver: pairedRatio(measured[0], r),
        overNative: native ? pairedRatio(r, native) : null,
      };
      out.push(row);
      console.error(`head to head ${alg.padEnd(6)} ${e.name.padEnd(22)} ${fmtUs(r.usPerOp).padStart(8)} µs/op  jwtgate / it ${fmtClose(row.jwtgateOver)}  it / native ${fmtRatio(row.overNative)}`);
    });
  }
  return out;
}

/** The median over rounds of a's time over b's (two results of one measureInterleaved). */
function pairedRatio(a, b) {
  return median(a.batchesUs.map((t, round) => t / b.batchesUs[round]));
}

// ---------------------------------------------------------------------------------------------
// Full Lambda decision

/** A policy like README's example, plus the rule that allows the fixture's route. */
const LAMBDA_POLICY = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
    { id: 'no-delete', effect: 'deny', routes: ['DELETE /pets/{petId}'] },
    { id: 'admin-write', effect: 'allow', routes: ['POST /pets'], when: [{ claim: 'cognito:groups', containsAny: ['admin'] }] },
    { id: 'tenant', effect: 'allow', routes: ['GET /tenants/{tenantId}/orders'], when: [{ claim: 'custom:tenant', equalsParam: 'tenantId' }] },
    {
      id: 'lambda-request',
      effect: 'allow',
      routes: ['POST /lambda-request'],
      scopes: { anyOf: ['orders.write'] },
      when: [{ claim: 'cognito:groups', containsAny: ['orders'] }, { claim: 'token_use', equals: 'access' }],
    },
  ],
  principalId: 'sub',
  context: { userId: 'sub', groups: 'cognito:groups', tenant: 'custom:tenant' },
};

function findFixture() {
  for (const dir of FIXTURE_DIRS) {
    const file = path.join(dir, FIXTURE);
    if (existsSync(file)) return { file, event: JSON.parse(readFileSync(file, 'utf8')) };
  }
  return null;
}

/** The fixture with `Authorization: Bearer <token>` (both header maps). */
function eventWith(fixture, token) {
  return {
    ...fixture,
    headers: { ...fixture.headers, Authorization: `Bearer ${token}` },
    multiValueHeaders: { ...fixture.multiValueHeaders, Authorization: [`Bearer ${token}`] },
  };
}

const b64json = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A key and `count` distinct tokens (distinct `jti` and `sub`) signed with node:crypto: RS256
 * (2048 bits), ES256 or HS256 (32-byte secret, no `kid`).
 */
function lambdaKeyAndTokens(alg, count) {
  const now = Math.floor(Date.now() / 1000);
  let sign;
  let jwk;
  let secret;
  if (alg === 'HS256') {
    secret = crypto.randomBytes(32);
    sign = (data) => crypto.createHmac('sha256', secret).update(data).digest('base64url');
  } else {
    const { privateKey, publicKey } = alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signKey = alg === 'RS256' ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' };
    sign = (data) => crypto.sign('sha256', Buffer.from(data), signKey).toString('base64url');
    jwk = { ...publicKey.export({ format: 'jwk' }), kid: `lambda-${alg}`, alg, use: 'sig' };
  }
  const header = b64json(secret ? { alg } : { kid: jwk.kid, alg });
  const tokens = [];
  const claims = [];
  for (let i = 0; i < count; i++) {
    const c = { ...makeClaims(now), scope: 'openid orders.read orders.write' };
    const input = `${header}.${b64json(c)}`;
    tokens.push(`${input}.${sign(input)}`);
    claims.push(c);
  }
  return { alg, jwks: jwk && { keys: [jwk] }, secret, tokens, claims };
}

async function lambdaSection(fixture) {
  if (!fixture) return { reason: `fixture ${FIXTURE} not found in ${FIXTURE_DIRS.join(' or ')}` };
  const results = [];
  for (const alg of LAMBDA_ALGORITHMS) {
    const generated = performance.now();
    const k = lambdaKeyAndTokens(alg, LAMBDA_TOKENS);
    const generatedMs = performance.now() - generated;
    const keySource = k.secret ? { secret: k.secret, algorithms: [alg] } : { jwks: k.jwks, algorithms: [alg] };
    const handler = createLambdaAuthorizer({ ...keySource, issuer: ISSUER, audience: CLIENT_ID, policy: LAMBDA_POLICY, log: false });
    const keys = k.secret ? KeySet.fromSecret(k.secret, { alg }) : KeySet.fromJwks(k.jwks);
    const verifier = new Verifier({ keys, issuer: ISSUER, audience: CLIENT_ID, algorithms: [alg] });
    const events = k.tokens.map((t) => eventWith(fixture.event, t));

    // Sanity: every token is accepted by both, the route is allowed, a forged token is refused.
    const problem = await (async () => {
      for (let i = 0; i < k.tokens.length; i++) {
        if (verifier.verify(k.tokens[i]).payload.jti !== k.claims[i].jti) return `verify: wrong payload for token ${i}`;
        const r = await handler(events[i]);
        if (r.principalId !== k.claims[i].sub || r.policyDocument?.Statement?.[0]?.Effect !== 'Allow' ||
          !JSON.stringify(r.policyDocument).includes(fixture.event.methodArn)) {
          return `handler: unexpected answer for token ${i}: ${JSON.stringify(r).slice(0, 120)}`;
        }
      }
      try {
        await handler(eventWith(fixture.event, corrupt(k.tokens[0])));
        return 'handler accepts a token with a corrupted signature';
      } catch (err) {
        if (err.message !== 'Unauthorized') return `handler: forged token: ${oneLine(err)}`;
      }
      return null;
    })().catch((err) => `sanity check failed: ${oneLine(err)}`);
    if (problem) {
      results.push({ alg, reason: problem });
      console.error(`lambda ${alg} n/a: ${problem}`);
      continue;
    }

    for (const kind of ['cold', 'warm']) {
      const tokens = kind === 'cold' ? k.tokens : [k.tokens[0]];
      const evs = kind === 'cold' ? events : [events[0]];
      const [verify, decide] = await measureInterleaved([
        { fn: (t) => verifier.verify(t), inputs: tokens, isAsync: false },
        { fn: handler, inputs: evs, isAsync: true },
      ]);
      const row = {
        alg, kind, tokens: tokens.length, tokenBytes: k.tokens[0].length, generatedMs,
        eventBytes: JSON.stringify(evs[0]).length, verify, decide, ratio: decide.ratioToFirst,
      };
      results.push(row);
      console.error(`lambda ${alg} ${kind}: handler ${fmtUs(decide.usPerOp)} µs, verify ${fmtUs(verify.usPerOp)} µs, ratio ${fmtRatio(row.ratio)} (spreads ${(decide.spread * 100).toFixed(0)}% / ${(verify.spread * 100).toFixed(0)}%)`);
    }
  }
  return { fixture: fixture.file, rows: results };
}

// ---------------------------------------------------------------------------------------------
// Cold start

const COLD_MODES = [
  { mode: 'node', label: 'node alone (floor)', what: 'an empty ES module: what every row pays before importing anything' },
  { mode: 'jwtgate', label: 'jwtgate', what: '`import` jwtgate (wasm compiled and instantiated at import), `KeySet.fromJwks`, `new Verifier`, `verify` (RS256)' },
  { mode: 'jose', label: 'jose', what: '`import` jose, `createLocalJWKSet`, `await jwtVerify` (RS256)' },
  { mode: 'lambda', label: 'jwtgate/lambda', what: '`import` jwtgate/lambda, `createLambdaAuthorizer({ jwks, issuer, audience, policy, log: false })`, `await handler(event)` once (REST REQUEST event)' },
];

function coldStartSection(tokens, fixture) {
  // jwtgate and jose verify the table's RS256 token (or, with --algs without RS256, a new one);
  // the Lambda child a token with the scope its policy rule requires.
  const own = lambdaKeyAndTokens('RS256', 1);
  const m = tokens.RS256 ?? { jwks: own.jwks, token: own.tokens[0] };
  const input = { jwks: m.jwks, token: m.token, issuer: ISSUER, audience: CLIENT_ID };
  const lambdaInput = fixture && {
    jwks: own.jwks, token: own.tokens[0], issuer: ISSUER, audience: CLIENT_ID, policy: LAMBDA_POLICY,
    event: eventWith(fixture.event, own.tokens[0]),
  };
  const modes = COLD_MODES.filter((c) => c.mode !== 'lambda' || fixture);
  const child = path.join(ROOT, 'bench/cold-start.mjs');
  const results = Object.fromEntries(modes.map((c) => [c.mode, { ...c, ms: [], wallMs: [] }]));
  const errors = [];
  for (let round = 0; round <= COLD_RUNS; round++) { // round 0: discarded (file cache, first spawn)
    for (const c of modes) {
      const env = { ...process.env, JWTGATE_COLD_START: JSON.stringify(c.mode === 'lambda' ? lambdaInput : input) };
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [child, c.mode], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
      const wall = performance.now() - t0;
      if (r.status !== 0) {
        errors.push(`${c.mode}: exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`);
        continue;
      }
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
      if (round === 0) continue;
      results[c.mode].ms.push(out.ms);
      results[c.mode].wallMs.push(wall);
    }
  }
  for (const r of Object.values(results)) {
    if (!r.ms.length) continue;
    r.median = median(r.ms);
    r.min = Math.min(...r.ms);
    r.max = Math.max(...r.ms);
    r.wallMedian = median(r.wallMs);
    console.error(`cold start ${r.label.padEnd(18)} median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}; spawn→exit ${r.wallMedian.toFixed(1)} ms)`);
  }
  const jose = results.jose?.median;
  for (const r of Object.values(results)) if (r.median !== undefined && jose) r.vsJose = r.median / jose;
  return { runs: COLD_RUNS, results, errors: [...new Set(errors)] };
}

// ---------------------------------------------------------------------------------------------
// Children: memory and workerd

async function runChild(args, label) {
  const started = performance.now();
  console.error(`${label}: node ${args.join(' ')} ...`);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 * 2 ** 20,
    });
    const seconds = (performance.now() - started) / 1000;
    console.error(`${label}: done in ${seconds.toFixed(0)} s`);
    return { command: `node ${args.join(' ')}`, ok: true, stdout: stdout.trimEnd(), stderr: stderr.trimEnd(), seconds };
  } catch (err) {
    const seconds = (performance.now() - started) / 1000;
    const why = err.killed ? `killed after ${CHILD_TIMEOUT_MS / 1000} s` : `exit ${err.code ?? err.signal}`;
    console.error(`${label}: FAILED (${why})`);
    return { command: `node ${args.join(' ')}`, ok: false, error: why, stdout: (err.stdout ?? '').trimEnd(), stderr: (err.stderr ?? '').trimEnd(), seconds };
  }
}

/** memory.mjs's figures: per run, the count, RSS after warm-up/end/growth and wasm memory (MB). */
function parseMemory(text) {
  const runs = [];
  let current = null;
  for (const line of text.split('\n')) {
    let g = line.match(/^(.+?): ([\d,]+) verifications in ([\d.]+) s/);
    if (g) {
      current = { name: g[1], count: Number(g[2].replaceAll(',', '')), seconds: Number(g[3]) };
      runs.push(current);
      continue;
    }
    if (!current) continue;
    g = line.match(/RSS\s+after warm-up (-?[\d.]+) MB, at the end (-?[\d.]+) MB, growth (-?[\d.]+) MB/);
    if (g) Object.assign(current, { rssWarm: +g[1], rssEnd: +g[2], rssGrowth: +g[3] });
    g = line.match(/wasm\s+after warm-up (-?[\d.]+) MB, at the end (-?[\d.]+) MB/);
    if (g) Object.assign(current, { wasmWarm: +g[1], wasmEnd: +g[2] });
  }
  return runs.filter((r) => r.rssGrowth !== undefined && r.wasmEnd !== undefined);
}

/** workerd.mjs's table: per algorithm, jose, verifyAsync and verify µs and async / jose. */
function parseWorkerd(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const g = line.match(/^\| (\w+) \| (-?[\d.]+) \| (-?[\d.]+) \| (-?[\d.]+) \| (-?[\d.]+)× \|$/);
    if (g) rows.push({ alg: g[1], jose: +g[2], async: +g[3], sync: +g[4], asyncVsJose: +g[5] });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Environment

function wasmInfo() {
  const bytes = readFileSync(WASM);
  const base64 = new URL('../pkg/dist/wasm-base64.mjs', import.meta.url);
  return {
    path: 'pkg/dist/web/jwtgate_bg.wasm',
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    built: statSync(WASM).mtime.toISOString(),
    base64ModuleBytes: existsSync(base64) ? statSync(base64).size : null,
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
    config: {
      batchMs: BATCH_MS, batches: BATCHES, maxBatches: MAX_BATCHES, noisySpread: NOISY, warmupMs: WARMUP_MS,
      runDiff: RUN_DIFF, lambdaTokens: LAMBDA_TOKENS, coldRuns: COLD_RUNS,
    },
    loadAverageAtStart: loadavg(),
    loadByPhase: [],
  };
}

const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Targets (the issue's): each computed from the measured figures

const SIGNATURE_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const CACHE_OFF_PEERS = ['jose', 'fast-jwt', 'jsonwebtoken', 'aws-jwt-verify'];
const WASM_GZIP_LIMIT = 150_000; // "150 KB", read as 150 000 bytes (the stricter reading)

function targets({ rows, duel, lambda, coldStart, memory, workerd, wasm }) {
  const out = [];
  const add = (target, measured, met) => out.push({ target, measured, met });
  const row = (alg, library) => rows.find((r) => r.alg === alg && r.library === library);
  const us = (r) => `${fmtUs(r.usPerOp)} µs`;
  const duelRow = (alg, library) => duel.find((r) => r.alg === alg && r.library === library);

  for (const alg of SIGNATURE_ALGS) {
    const g = duelRow(alg, 'jwtgate');
    if (!g) continue;
    const native = duelRow(alg, 'node:crypto (native)');
    add(`${alg}: jwtgate ≤ 1.3× node:crypto`,
      native && !native.reason ? `${fmtRatio(g.overNative)} (${us(g)} vs ${us(native)})` : 'native n/a',
      native && !native.reason ? g.overNative <= 1.3 : null);
    fasterThanPeers(add, duelRow, alg, `${alg}: jwtgate faster than ${CACHE_OFF_PEERS.join(', ')}`);
  }
  for (const alg of ['RS256', 'ES256']) {
    const pure = row(alg, 'jwtgate (pure wasm)');
    const native = row(alg, 'node:crypto (native)');
    if (!pure) continue;
    const target = `${alg}: pure-Rust fallback ≤ 6× node:crypto`;
    if (pure.reason || !native || native.reason) add(target, 'n/a', null);
    else add(target, `${fmtRatio(pure.usPerOp / native.usPerOp)} (${us(pure)} vs ${us(native)})`, pure.usPerOp / native.usPerOp <= 6);
  }

  const hs = duelRow('HS256', 'jwtgate');
  if (hs) {
    fasterThanPeers(add, duelRow, 'HS256', 'HS256: jwtgate faster than every peer (cache off)');
    const jose = duelRow('HS256', 'jose');
    if (!jose || jose.reason) add('HS256: jwtgate ≥ 5× faster than jose', 'n/a', null);
    else add('HS256: jwtgate ≥ 5× faster than jose', `${(1 / jose.jwtgateOver).toFixed(2)}× faster (${us(hs)} vs ${us(jose)})`, 1 / jose.jwtgateOver >= 5);
  }

  const cached = rows.filter((r) => r.library === 'jwtgate (cache)' && !r.reason);
  if (cached.length) {
    const worst = cached.reduce((a, b) => (a.usPerOp >= b.usPerOp ? a : b));
    add('Cache: repeat verification ≤ 3 µs', `worst ${us(worst)} (${worst.alg}); ${cached.map((r) => `${r.alg} ${fmtUs(r.usPerOp)}`).join(', ')}`, worst.usPerOp <= 3);
    const pairs = cached.map((r) => ({ r, f: row(r.alg, 'fast-jwt (cache)') })).filter((p) => p.f && !p.f.reason);
    if (pairs.length) {
      const losing = pairs.filter((p) => p.r.usPerOp >= p.f.usPerOp);
      add('Cache: faster than fast-jwt\'s cache', `jwtgate / fast-jwt: ${pairs.map((p) => `${p.r.alg} ${fmtRatio(p.r.usPerOp / p.f.usPerOp)}`).join(', ')}`, losing.length === 0);
    }
  } else {
    add('Cache: repeat verification ≤ 3 µs', 'not measured', null);
  }

  if (lambda?.rows?.length) {
    for (const alg of LAMBDA_ALGORITHMS) {
      const rs = lambda.rows.filter((r) => r.alg === alg);
      if (!rs.length) continue;
      if (rs.some((r) => r.reason)) {
        add(`${alg}: full Lambda decision ≤ 1.5× verify alone`, `n/a: ${rs.find((r) => r.reason).reason}`, null);
        continue;
      }
      add(`${alg}: full Lambda decision ≤ 1.5× verify alone`,
        rs.map((r) => `${r.kind} ${fmtRatio(r.ratio)} (${fmtUs(r.decide.usPerOp)} vs ${fmtUs(r.verify.usPerOp)} µs)`).join('; '),
        rs.every((r) => r.ratio <= 1.5));
    }
  } else {
    add('Full Lambda decision ≤ 1.5× verify alone', lambda?.reason ? `n/a: ${lambda.reason}` : 'not measured', null);
  }

  const cj = coldStart?.results?.jwtgate;
  const cjose = coldStart?.results?.jose;
  if (cj?.median !== undefined && cjose?.median !== undefined) {
    add('Cold start no slower than jose (median)', `${cj.median.toFixed(1)} ms vs ${cjose.median.toFixed(1)} ms (${fmtRatio(cj.vsJose)})`, cj.median <= cjose.median);
  } else {
    add('Cold start no slower than jose (median)', 'not measured', null);
  }

  const gz = [wasm.gzipBytes, ...(wasm.atEnd ? [wasm.atEnd.gzipBytes] : [])];
  add(`wasm ≤ 150 KB gzipped (${WASM_GZIP_LIMIT.toLocaleString('en-US')} bytes)`,
    `${gz.map((b) => `${b.toLocaleString('en-US')} bytes`).join(' (start of run), ')}${wasm.atEnd ? ' (end of run)' : ''} gzipped -9 (${(Math.max(...gz) / 1000).toFixed(0)} KB)`,
    Math.max(...gz) <= WASM_GZIP_LIMIT);

  const memRuns = memory?.parsed ?? [];
  if (memRuns.length) {
    const short = memRuns.filter((r) => r.count < 1_000_000);
    const suffix = short.length ? ' (fewer than 1 000 000 verifications!)' : '';
    add('Memory: RSS growth < 20 MB after warm-up', memRuns.map((r) => `${r.name}: ${r.rssGrowth.toFixed(1)} MB`).join('; ') + suffix,
      short.length ? false : memRuns.every((r) => r.rssGrowth < 20));
    add('Memory: wasm memory < 8 MB over 1 000 000 verifications', memRuns.map((r) => `${r.name}: ${Math.max(r.wasmWarm, r.wasmEnd).toFixed(1)} MB`).join('; ') + suffix,
      short.length ? false : memRuns.every((r) => Math.max(r.wasmWarm, r.wasmEnd) < 8));
  } else {
    const why = memory ? (memory.ok ? 'output not understood' : `memory.mjs failed: ${memory.error}`) : 'not measured (--quick)';
    add('Memory: RSS growth < 20 MB after warm-up', why, null);
    add('Memory: wasm memory < 8 MB over 1 000 000 verifications', why, null);
  }

  const wrows = workerd?.parsed ?? [];
  if (wrows.length) {
    const over = wrows.filter((r) => r.asyncVsJose > 1.3);
    add('workerd: verifyAsync within 1.3× of jose', `${wrows.map((r) => `${r.alg} ${r.asyncVsJose.toFixed(2)}×`).join(', ')}`, over.length === 0);
  } else {
    const why = workerd ? (workerd.ok ? 'output not understood' : `workerd.mjs failed: ${workerd.error}`) : 'not measured (--quick)';
    add('workerd: verifyAsync within 1.3× of jose', why, null);
  }
  return out;
}

/** The target "jwtgate faster than every cache-off peer", from the head-to-head rows. */
function fasterThanPeers(add, duelRow, alg, target) {
  const measured = CACHE_OFF_PEERS.map((p) => duelRow(alg, p)).filter((r) => r && !r.reason);
  const missing = CACHE_OFF_PEERS.filter((p) => !measured.some((r) => r.library === p));
  if (!measured.length) {
    add(target, 'n/a', null);
    return;
  }
  const closest = measured.reduce((a, b) => (a.jwtgateOver >= b.jwtgateOver ? a : b));
  const lost = measured.filter((r) => r.jwtgateOver >= 1).map((r) => r.library);
  add(target,
    `jwtgate / ${closest.library} (the closest) ${fmtClose(closest.jwtgateOver)} (${fmtUs(duelRow(alg, 'jwtgate').usPerOp)} vs ${fmtUs(closest.usPerOp)} µs)${lost.length ? `; not faster than ${lost.join(', ')}` : ''}${missing.length ? ` (${missing.join(', ')}: n/a, cannot verify ${alg})` : ''}`,
    lost.length === 0);
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtUs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtOps = (x) => Math.round(x).toLocaleString('en-US');
const fmtRatio = (x) => (x == null ? '–' : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);
/** A ratio that decides "faster than": three decimals near 1, where two would round a loss to 1.00×. */
const fmtClose = (x) => (x != null && Math.abs(x - 1) < 0.05 ? `${x.toFixed(3)}×` : fmtRatio(x));
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * The section of a child benchmark (bench/memory.mjs, workerd.mjs, runtimes.mjs): its command,
 * time and output (`output` shapes the text), the end of its stderr if it failed, and `note`.
 */
function childSection(lines, title, child, { output = (text) => text, note } = {}) {
  lines.push(`## ${title}`, '');
  if (!child) {
    lines.push('Not run (`--quick`).', '');
    return;
  }
  lines.push(`\`${child.command}\` (${child.seconds.toFixed(0)} s${child.ok ? '' : `, FAILED: ${child.error}`}), its output:`, '');
  lines.push(output(child.stdout || '(no output)'));
  if (!child.ok && child.stderr) lines.push('', '```', child.stderr.split('\n').slice(-10).join('\n'), '```');
  lines.push('', ...(note ? [note, ''] : []));
}

function report({ env, wasm, tokens, rows, duel, lambda, coldStart, memory, workerd, runtimes, targetRows }) {
  const lines = [];
  const batches = env.config.batches === env.config.maxBatches ? env.config.batches : `${env.config.batches}–${env.config.maxBatches}`;
  lines.push('# Benchmarks', '');
  lines.push('Written by `node bench/run.mjs`: JWT verification against the usual Node libraries, the full Lambda decision, the verified-token cache, cold starts, memory, workerd, Deno and the wasm size, then the targets.', '');
  lines.push(`- Date: ${env.date}`);
  lines.push(`- Machine: ${env.machine.cores} cores, ${env.machine.cpu}, ${env.machine.memoryGiB} GiB, ${env.machine.platform}`);
  lines.push(`- Node ${env.node} (OpenSSL ${env.versions.openssl})`);
  lines.push(`- Command: \`${env.command}\` (${env.seconds.toFixed(0)} s)`);
  lines.push(`- Load average (1/5/15 min, \`os.loadavg()\`): ${env.loadAverageAtStart.join(' / ')} at start, ${env.loadAverageAtEnd.join(' / ')} at end; 1 min at each phase: ${env.loadByPhase.map((p) => `${p.phase} ${p.load[0]}`).join(', ')}. On ${env.machine.cores} cores, anything near or above ${env.machine.cores} means the figures include waiting for the CPU.`);
  if (env.wasmChanged) lines.push(`- **Warning**: ${env.wasmChanged}.`);
  lines.push(`- Versions: jwtgate ${env.versions.jwtgate}, jose ${env.versions.jose}, fast-jwt ${env.versions['fast-jwt']}, jsonwebtoken ${env.versions.jsonwebtoken}, aws-jwt-verify ${env.versions['aws-jwt-verify']}`);
  lines.push(`- Tokens (Cognito-like access token, ${Object.keys(Object.values(tokens)[0].claims).length} claims, \`exp\` 10 years ahead): ${Object.values(tokens).map((m) => `${m.alg} ${m.token.length} B`).join(', ')}`);
  lines.push('');

  // Verification
  lines.push('## Verification', '');
  lines.push(`µs per verified token: each pass's figure is the median of ${batches} batches of ~${env.config.batchMs} ms after warm-up; the table was measured twice in this run (pass 1 first, pass 2 after the Lambda section) and shows the faster pass; where the two passes differ by more than ${env.config.runDiff * 100}%, the last column gives both. All libraries in one Node process with the same tokens and keys.`, '');
  lines.push('"vs jose" and "vs native" are time ratios: 2.00× = takes twice as long (lower is better).', '');
  lines.push('| Algorithm | Library | µs/op | ops/s | vs jose | vs native | pass 1 / pass 2 (> 10% apart) |');
  lines.push('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.reason) {
      lines.push(`| ${r.alg} | ${r.library} | n/a: ${cell(r.reason)} | | | | |`);
    } else {
      const both = r.differs ? `${fmtUs(r.passes[0])} / ${fmtUs(r.passes[1])} µs` : '';
      lines.push(`| ${r.alg} | ${r.library} | ${fmtUs(r.usPerOp)} | ${fmtOps(r.opsPerSec)} | ${fmtRatio(r.vsJose)} | ${fmtRatio(r.vsNative)} | ${both} |`);
    }
  }
  lines.push('', 'Notes:', '');
  lines.push('- Each verifier is built once (keys imported once) and must accept the token and reject a copy with a corrupted signature before it is timed; otherwise its row says n/a and why.');
  lines.push('- jwtgate, jose, fast-jwt, jsonwebtoken and aws-jwt-verify check the signature and the claims (`alg`, `iss`, `aud`, `exp`); jwtgate is called synchronously, jose is awaited one call at a time.');
  for (const p of peers) if (p.note) lines.push(`- ${p.name}: ${p.note}.`);
  const differing = rows.filter((r) => r.differs);
  lines.push(`- Passes more than ${env.config.runDiff * 100}% apart: ${differing.length ? `${differing.length} of ${rows.filter((r) => !r.reason).length} rows` : 'none'}.`);
  const noisy = rows.filter((r) => r.spreads?.some((s) => s > NOISY));
  if (noisy.length) {
    lines.push(`- Noisy rows (batch spread (max − min) over ${NOISY * 100}% of the median, pass 1 / pass 2): ${noisy.map((r) => `${r.alg} ${r.library} ${r.spreads.map((s) => `${(s * 100).toFixed(0)}%`).join(' / ')}`).join(', ')}.`);
  }
  lines.push('- Raw numbers (every batch of both passes): `bench/results.json`.');
  lines.push('');

  lines.push('## Head to head: the speed targets', '');
  lines.push(`The targets' comparisons (jwtgate against each peer and against node:crypto) are read here, not from the table above: there each library is timed on its own, minutes apart, and on this machine two passes of one row often differ by more than the few percent that separate jwtgate from fast-jwt. Here, per algorithm, jwtgate and every library that verifies it are timed in rounds of one batch each (~${DUEL.batchMs} ms; in turn forwards and backwards), ${DUEL.rounds}–${DUEL.maxRounds} rounds, so that a change in the machine's load hits all of them alike; every call verifies a token not seen before (${FRESH_TOKENS} distinct tokens signed with the same key, cycled), as the targets say. A ratio is the median of the per-round ratios.`, '');
  lines.push('"jwtgate / it": jwtgate\'s time over the library\'s (below 1.00×: jwtgate is faster). "it / native": the library\'s time over node:crypto\'s signature check alone.', '');
  lines.push('| Algorithm | Library | µs/op | jwtgate / it | it / native |');
  lines.push('|---|---|---:|---:|---:|');
  for (const r of duel) {
    if (r.reason) lines.push(`| ${r.alg} | ${r.library} | n/a: ${cell(r.reason)} | | |`);
    else lines.push(`| ${r.alg} | ${r.library} | ${fmtUs(r.usPerOp)} | ${r.library === 'jwtgate' ? '' : fmtClose(r.jwtgateOver)} | ${fmtRatio(r.overNative)} |`);
  }
  lines.push('');

  // Lambda
  lines.push('## Full Lambda decision', '');
  if (lambda.reason) {
    lines.push(`n/a: ${lambda.reason}`, '');
  } else {
    lines.push(`\`createLambdaAuthorizer({ jwks | secret, issuer, audience, algorithms, policy, log: false })\` from \`jwtgate/lambda\`, \`await handler(event)\` with the REST REQUEST event \`${FIXTURE}\` (a real capture, ${lambda.rows.find((r) => r.eventBytes)?.eventBytes ?? '?'} bytes as JSON, \`Authorization: Bearer <token>\` in both header maps), against \`Verifier.verify\` of the same token(s) with the same keys and options. Policy: README's example plus a rule allowing \`POST /lambda-request\` (scope \`orders.write\`, group \`orders\`, \`token_use\` \`access\`); every call answers an IAM policy that allows the route. "cold token": a different token on every call (${LAMBDA_TOKENS.toLocaleString('en-US')} pre-signed with node:crypto, distinct \`jti\` and \`sub\`, cycled); "warm token": one token repeated. Handler and verify batches are interleaved; the ratio is the median of the per-round ratios.`, '');
    lines.push('| Algorithm | Token | handler(event) µs/op | Verifier.verify µs/op | handler / verify |');
    lines.push('|---|---|---:|---:|---:|');
    for (const r of lambda.rows) {
      if (r.reason) lines.push(`| ${r.alg} | | n/a: ${cell(r.reason)} | | |`);
      else lines.push(`| ${r.alg} | ${r.kind} | ${fmtUs(r.decide.usPerOp)} | ${fmtUs(r.verify.usPerOp)} | ${fmtRatio(r.ratio)} |`);
    }
    lines.push('', 'The handler\'s figure includes what a real invocation pays besides verification: `JSON.stringify` of the event (the Rust side reads it as text), event-shape detection, the policy decision, building the IAM policy for every route the principal may call, parsing the outcome back, and one awaited promise. The authorizer keeps no per-token cache, so "warm" differs from "cold" only by what V8 and the CPU caches keep.', '');
  }

  // Cache
  lines.push('## Verified-token cache', '');
  const cacheRows = rows.filter((r) => r.library === 'jwtgate (cache)');
  if (!cacheRows.length) {
    lines.push('not measured', '');
  } else {
    lines.push('Repeat verification of one token with the result cache on: jwtgate `new Verifier({ ..., cache: true })` next to fast-jwt `createVerifier({ ..., cache: true })` (the rows of the verification table; faster pass), and jwtgate without its cache for scale.', '');
    lines.push('| Algorithm | jwtgate (cache) µs/op | fast-jwt (cache) µs/op | jwtgate / fast-jwt | jwtgate, no cache, µs/op |');
    lines.push('|---|---:|---:|---:|---:|');
    for (const r of cacheRows) {
      const f = rows.find((x) => x.alg === r.alg && x.library === 'fast-jwt (cache)');
      const plain = rows.find((x) => x.alg === r.alg && x.library === 'jwtgate');
      const show = (x) => (!x ? '–' : x.reason ? 'n/a' : fmtUs(x.usPerOp));
      lines.push(`| ${r.alg} | ${show(r)} | ${show(f)} | ${!r.reason && f && !f.reason ? fmtRatio(r.usPerOp / f.usPerOp) : '–'} | ${show(plain)} |`);
    }
    lines.push('');
  }

  // Cold start
  lines.push('## Cold start', '');
  if (!coldStart) {
    lines.push('not measured', '');
  } else {
    lines.push(`A fresh \`node\` process per run (${coldStart.runs} runs per row after one discarded round, the rows interleaved run by run): the child (\`bench/cold-start.mjs\`) imports the library, builds the verifier from a JWKS (RS256), verifies one token and prints \`performance.now()\`, the time since the process started (\`performance.timeOrigin\`). "spawn → exit" is the same run timed by the parent, including process start-up before \`timeOrigin\` and teardown.`, '');
    lines.push('| Child | does | median ms | min ms | max ms | vs jose (median) | spawn → exit median ms |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of Object.values(coldStart.results)) {
      if (r.median === undefined) {
        lines.push(`| ${r.label} | ${r.what} | n/a | | | | |`);
        continue;
      }
      lines.push(`| ${r.label} | ${r.what} | ${fmtMs(r.median)} | ${fmtMs(r.min)} | ${fmtMs(r.max)} | ${fmtRatio(r.vsJose)} | ${fmtMs(r.wallMedian)} |`);
    }
    if (coldStart.errors.length) lines.push('', `Failed runs: ${coldStart.errors.map(cell).join('; ')}`);
    lines.push('', 'jwtgate is imported by path (`pkg/src/runtime/node.mjs`, `pkg/src/adapters/lambda.mjs`: what the package\'s `node` condition resolves to); jose by name from `node_modules`. jwtgate\'s import decodes the base64 wasm module and compiles it synchronously; V8 compiles each wasm function on its first call, so the first verification (or decision) includes compiling the code it runs.', '');
  }

  childSection(lines, 'Memory', memory, { output: (text) => `\`\`\`\n${text}\n\`\`\`` });
  childSection(lines, 'workerd', workerd, {
    output: (text) => {
      const [first, ...rest] = text.split('\n');
      return first.startsWith('|') ? text : `${first}:\n\n${rest.join('\n')}`;
    },
    note: 'Times per verification inside workerd (miniflare), timed from Node per request with the per-request overhead (N = 0) subtracted; the libraries\' requests are interleaved round by round. "async / jose" is the `verifyAsync` (WebCrypto) path against jose: the median of the per-round ratios.',
  });
  childSection(lines, 'Deno and Bun', runtimes, {
    note: 'Times per verification inside Deno and Bun. "As installed" is what `import \'jwtgate\'` gives an app there (the Node entry): in Deno, EdDSA by Deno\'s node:crypto and RSA and ECDSA by the wasm code, which is faster there than Deno\'s node:crypto; in Bun, every key by Bun\'s node:crypto (BoringSSL).',
  });


  // wasm size
  lines.push('## wasm size', '');
  lines.push('| file | bytes | KiB | gzipped -9, bytes | gzipped, KiB |');
  lines.push('|---|---:|---:|---:|---:|');
  lines.push(`| \`${wasm.path}\` | ${wasm.bytes.toLocaleString('en-US')} | ${(wasm.bytes / 1024).toFixed(1)} | ${wasm.gzipBytes.toLocaleString('en-US')} | ${(wasm.gzipBytes / 1024).toFixed(1)} |`);
  if (wasm.atEnd) lines.push(`| \`${wasm.path}\`, rebuilt during the run (built ${wasm.atEnd.built}) | ${wasm.atEnd.bytes.toLocaleString('en-US')} | ${(wasm.atEnd.bytes / 1024).toFixed(1)} | ${wasm.atEnd.gzipBytes.toLocaleString('en-US')} | ${(wasm.atEnd.gzipBytes / 1024).toFixed(1)} |`);
  if (wasm.base64ModuleBytes) lines.push(`| \`pkg/dist/wasm-base64.mjs\` (what Node loads) | ${wasm.base64ModuleBytes.toLocaleString('en-US')} | ${(wasm.base64ModuleBytes / 1024).toFixed(1)} | | |`);
  lines.push('', `Built ${wasm.built}, sha256 \`${wasm.sha256.slice(0, 16)}…\`.`, '');

  // Targets
  lines.push('## Targets', '');
  lines.push('The issue\'s targets, each checked against the figures above by the script: jwtgate against the peers and node:crypto from the head-to-head rows; the pure-Rust fallback and the caches from the faster pass of the verification table.', '');
  lines.push('| Target | Measured | Met? |');
  lines.push('|---|---|---|');
  for (const t of targetRows) lines.push(`| ${cell(t.target)} | ${cell(t.measured)} | ${t.met === true ? 'yes' : t.met === false ? '**no**' : 'not measured'} |`);
  const met = targetRows.filter((t) => t.met === true).length;
  const missed = targetRows.filter((t) => t.met === false).length;
  lines.push('', `${met} met, ${missed} not met, ${targetRows.length - met - missed} not measured.`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const env = environment();
  const phase = (name) => {
    env.loadByPhase.push({ phase: name, load: loadavg(), atSeconds: +((performance.now() - started) / 1000).toFixed(1) });
    console.error(`--- ${name} (load average ${loadavg().join(' / ')})`);
  };
  const wasm = wasmInfo();
  const tokens = await makeTokens(ALGORITHMS);

  const prepared = [];
  for (const alg of ALGORITHMS) {
    const m = tokens[alg];
    const ready = [];
    for (const peer of peers) ready.push({ peer, ...(await prepare(peer, m)) });
    prepared.push({ alg, m, peers: ready });
  }

  phase('pass 1');
  const pass1 = await verificationPass(prepared, 1);

  phase('lambda');
  const fixture = findFixture();
  const lambda = LAMBDA_ALGORITHMS.length ? await lambdaSection(fixture) : { reason: 'no Lambda algorithm selected (--algs)' };

  phase('pass 2');
  const pass2 = await verificationPass(prepared, 2);
  const rows = combinePasses(pass1, pass2);

  phase('head to head');
  const duel = await headToHead(prepared);

  phase('cold start');
  const coldStart = coldStartSection(tokens, fixture);

  let memory = null;
  let workerd = null;
  let runtimes = null;
  if (!QUICK) {
    phase('memory');
    memory = await runChild(['--expose-gc', 'bench/memory.mjs'], 'memory');
    memory.parsed = parseMemory(memory.stdout);
    phase('workerd');
    workerd = await runChild(['bench/workerd.mjs'], 'workerd');
    workerd.parsed = parseWorkerd(workerd.stdout);
    phase('deno and bun');
    runtimes = await runChild(['bench/runtimes.mjs'], 'deno and bun');
  }
  phase('cache safety');
  const cacheSafety = await runChild(['bench/cache-safety.mjs', QUICK ? '40' : '200'], 'cache safety');

  env.seconds = (performance.now() - started) / 1000;
  env.loadAverageAtEnd = loadavg();
  const wasmAtEnd = wasmInfo();
  if (wasmAtEnd.sha256 !== wasm.sha256) {
    wasm.atEnd = wasmAtEnd;
    env.wasmChanged = `pkg/dist was rebuilt during the run (wasm ${wasm.sha256.slice(0, 12)}… built ${wasm.built} at start, ${wasmAtEnd.sha256.slice(0, 12)}… built ${wasmAtEnd.built} at end): the child processes (cold start, memory, workerd) may have loaded the new build`;
    console.error(`WARNING: ${env.wasmChanged}`);
  }
  const targetRows = targets({ rows, duel, lambda, coldStart, memory, workerd, wasm });
  const markdown = `${report({ env, wasm, tokens, rows, duel, lambda, coldStart, memory, workerd, runtimes, targetRows })}
## Cache safety: cached IAM answers against fresh decisions

Over-grants must be 0; the over-deny rate (requests a fresh decision allows that the cached
answer denies: narrowed answers, see docs/cache-safety.md) is the figure to drive down.
\`${cacheSafety.command}\`${cacheSafety.ok ? '' : ` FAILED (${cacheSafety.error})`}:

${cacheSafety.stdout}
`;
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
      passes: [pass1, pass2],
      headToHead: duel,
      lambda,
      coldStart,
      memory,
      workerd,
      runtimes,
      cacheSafety,
      targets: targetRows,
    };
    writeFileSync(OUT_JSON, `${JSON.stringify(json, null, 2)}\n`);
  }
  if (sink < 0) console.error(sink); // keep the sink alive
}

await main();
