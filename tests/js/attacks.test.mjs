// The attack catalogue, against the built package. Every case runs on BOTH signature backends:
//  - "native": the Node entry point (pkg/src/runtime/node.mjs), whose signatures are checked by OpenSSL;
//  - "pure": the browser entry point initialised in a worker thread, where the pure-Rust code
//    verifies (as in workerd and browsers).
// Each case asserts the exact error code, that the error is a JwtGateError (never a trap:
// ERR_JWTGATE_INTERNAL), and that the SAME instance then still verifies a good token.
// Complements tests/js/verify.test.mjs and tests/verify_failures.rs (which cover the basic
// forms of several of these in Rust only, or on the native backend only).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import * as native from '../../pkg/src/runtime/node.mjs';

const NOW = 1_800_000_000;
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api://orders';
const enc = new TextEncoder();

// ------------------------------------------------------------------ the evaluator (both backends)

/**
 * Returns `evaluate(spec)`: builds the key set and the verifier of `spec`, verifies its token,
 * then (same instance) verifies `spec.good`. Serialised with toString() into the worker, so it
 * must not close over anything.
 */
function makeEvaluator({ KeySet, Verifier, JwtGateError }) {
  function keySet(spec) {
    switch (spec.from) {
      case 'jwks': return KeySet.fromJwks(spec.value);
      case 'jwk': return KeySet.fromJwk(spec.value);
      case 'secret': return KeySet.fromSecret(spec.value, spec.options);
      case 'pem': return KeySet.fromPem(spec.value, spec.options);
      default: throw new Error(`bad key spec ${spec.from}`);
    }
  }
  function outcome(fn) {
    try {
      const r = fn();
      return { ok: true, value: r };
    } catch (e) {
      return {
        ok: false,
        code: e?.code,
        claim: e?.claim,
        reason: e?.reason,
        message: String(e?.message ?? e),
        gateError: e instanceof JwtGateError,
      };
    }
  }
  function verify({ keys, options = {}, token }) {
    const r = outcome(() => {
      const opts = { ...options, keys: keySet(keys) };
      if (typeof options.currentDate === 'number') opts.currentDate = new Date(options.currentDate * 1000);
      const v = new Verifier(opts);
      const res = v.verify(token);
      return { alg: res.alg, header: res.header, payload: res.payload };
    });
    return r.ok ? { ok: true, ...r.value } : r;
  }
  return function evaluate(spec) {
    if (spec.keysOnly) {
      const r = outcome(() => {
        const ks = keySet(spec.keys);
        return { keys: ks.keys, skipped: ks.skipped };
      });
      return r.ok ? { ok: true, ...r.value } : r;
    }
    const t0 = performance.now();
    const result = verify(spec);
    result.ms = performance.now() - t0;
    if (spec.good) result.after = verify(spec.good);
    return result;
  };
}

const evaluateNative = makeEvaluator(native);
let worker;
let nextId = 0;
const pending = new Map();

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
(async () => {
  const lib = await import(${JSON.stringify(new URL('../../pkg/src/runtime/browser.mjs', import.meta.url).href)});
  await lib.init(readFileSync(${JSON.stringify(fileURLToPath(new URL('../../pkg/dist/web/jwtgate_bg.wasm', import.meta.url)))}));
  const evaluate = (${makeEvaluator.toString()})(lib);
  parentPort.on('message', ({ id, spec }) => {
    let reply;
    try { reply = evaluate(spec); } catch (e) { reply = { crashed: String((e && e.stack) || e) }; }
    parentPort.postMessage({ id, reply });
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;

function evaluatePure(spec) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, spec });
  });
}

/** Both backends' outcomes for one spec (with the good-token check afterwards). */
async function run(spec) {
  const full = { ...spec, good: spec.good === false ? undefined : GOOD };
  return { native: evaluateNative(full), pure: await evaluatePure(full) };
}

/** Asserts that both backends refuse with `code` (and `claim`/`reason` if given). */
async function refused(spec, code, { claim, reason, message } = {}) {
  const results = await run(spec);
  for (const [backend, r] of Object.entries(results)) {
    const where = `${backend}: ${JSON.stringify({ ...r, payload: undefined }).slice(0, 400)}`;
    assert.equal(r.crashed, undefined, where);
    assert.equal(r.ok, false, `ACCEPTED: ${where}`);
    assert.notEqual(r.code, 'ERR_JWTGATE_INTERNAL', `trap: ${where}`);
    assert.ok(r.gateError, `not a JwtGateError: ${where}`);
    assert.equal(r.code, code, where);
    if (claim !== undefined) assert.equal(r.claim, claim, where);
    if (reason !== undefined) assert.equal(r.reason, reason, where);
    if (message !== undefined) assert.match(r.message, message, where);
    assert.ok(r.message.length < 1000, `${backend}: error message of ${r.message.length} chars`);
    if (r.after) assert.equal(r.after.ok, true, `${backend}: the instance no longer verifies a good token: ${JSON.stringify(r.after)}`);
  }
  return results;
}

/** Asserts that both backends accept. */
async function accepted(spec) {
  const results = await run(spec);
  for (const [backend, r] of Object.entries(results)) {
    assert.equal(r.ok, true, `${backend}: ${JSON.stringify(r).slice(0, 400)}`);
    assert.equal(r.after?.ok, true, backend);
  }
  return results;
}

async function loadKeys(keys) {
  return { native: evaluateNative({ keysOnly: true, keys }), pure: await evaluatePure({ keysOnly: true, keys }) };
}

// ------------------------------------------------------------------ token construction

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const seg = (part) => (typeof part === 'string' ? b64u(enc.encode(part)) : part instanceof Uint8Array ? b64u(part) : b64u(enc.encode(JSON.stringify(part))));

/** The raw signature of `input` by `key` (node:crypto KeyObject or secret bytes) under `alg`. */
function signBytes(alg, key, input) {
  const data = Buffer.from(input);
  const bits = alg.slice(2);
  if (alg.startsWith('HS')) return crypto.createHmac(`sha${bits}`, key).update(data).digest();
  if (alg.startsWith('RS')) return crypto.sign(`sha${bits}`, data, key);
  if (alg.startsWith('PS')) return crypto.sign(`sha${bits}`, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
  if (alg.startsWith('ES')) return crypto.sign(`sha${bits}`, data, { key, dsaEncoding: 'ieee-p1363' });
  return crypto.sign(null, data, key); // EdDSA
}

/** A compact JWS; `header`/`payload` are objects, JSON text, or bytes. `sig`: {alg,key} or bytes. */
function jws(header, payload, sig) {
  const input = `${seg(header)}.${seg(payload)}`;
  const signature = sig instanceof Uint8Array ? sig : signBytes(sig.alg, sig.key, input);
  return `${input}.${b64u(signature)}`;
}

const claims = (patch = {}) => {
  const c = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: NOW - 10, exp: NOW + 600, ...patch };
  for (const [k, v] of Object.entries(c)) if (v === undefined) delete c[k];
  return c;
};
const options = (patch = {}) => ({ issuer: ISSUER, audience: AUDIENCE, currentDate: NOW, ...patch });

// ------------------------------------------------------------------ keys

const K = {};
let GOOD;

function pair(type, opts) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(type, opts);
  return { privateKey, publicKey, jwk: publicKey.export({ format: 'jwk' }), pem: publicKey.export({ type: 'spki', format: 'pem' }), der: publicKey.export({ type: 'spki', format: 'der' }) };
}

before(async () => {
  K.secret = crypto.randomBytes(32);
  K.rsa = pair('rsa', { modulusLength: 2048 });
  K.p256 = pair('ec', { namedCurve: 'P-256' });
  K.p384 = pair('ec', { namedCurve: 'P-384' });
  K.p521 = pair('ec', { namedCurve: 'P-521' });
  K.ed = pair('ed25519');
  K.edAttacker = pair('ed25519');
  K.p256Attacker = pair('ec', { namedCurve: 'P-256' });
  K.secretKeys = { from: 'secret', value: new Uint8Array(K.secret), options: { alg: 'HS256' } };
  GOOD = {
    keys: K.secretKeys,
    options: { currentDate: NOW },
    token: jws({ alg: 'HS256' }, claims(), { alg: 'HS256', key: K.secret }),
  };
  worker = new Worker(workerSource, { eval: true });
  worker.on('message', (m) => {
    if (m.fatal) throw new Error(m.fatal);
    if (m.id !== undefined) {
      pending.get(m.id)(m.reply);
      pending.delete(m.id);
    }
  });
  await new Promise((resolve, reject) => {
    worker.once('message', (m) => (m.ready ? resolve() : reject(new Error(m.fatal))));
    worker.once('error', reject);
  });
});

after(() => worker?.terminate());

const hs = (header, payload = claims()) => jws(header, payload, { alg: 'HS256', key: K.secret });
const hsSpec = (token, opts = options()) => ({ keys: K.secretKeys, options: opts, token });
const jwksOf = (...jwks) => ({ from: 'jwks', value: { keys: jwks } });

// ------------------------------------------------------------------ the pure backend really is separate

test('the pure-Rust backend runs in its own instance', async () => {
  const r = await run(hsSpec(hs({ alg: 'HS256' })));
  assert.equal(r.native.ok, true);
  assert.equal(r.pure.ok, true);
});

// ------------------------------------------------------------------ alg

describe('alg', () => {
  test('alg none in every case variant, with and without a signature, with and without algorithms', async () => {
    const variants = [];
    for (let mask = 0; mask < 16; mask += 1) variants.push([...'none'].map((c, i) => (mask & (1 << i) ? c.toUpperCase() : c)).join(''));
    assert.equal(variants.length, 16);
    for (const alg of variants) {
      const input = `${seg({ alg, typ: 'JWT' })}.${seg(claims())}`;
      const genuine = signBytes('HS256', K.secret, input);
      for (const signature of ['', b64u(genuine), 'AAAA', b64u(crypto.randomBytes(64))]) {
        for (const opts of [options(), options({ algorithms: ['HS256'] }), options({ requireExpiration: false })]) {
          await refused(hsSpec(`${input}.${signature}`, opts), 'ERR_JOSE_ALG_NOT_ALLOWED');
        }
      }
    }
  });

  test('alg none with an RSA/EC/OKP key set and no algorithms option', async () => {
    const input = `${seg({ alg: 'none' })}.${seg(claims())}`;
    for (const key of [K.rsa, K.p256, K.ed]) {
      await refused({ keys: jwksOf({ ...key.jwk, kid: 'k' }), options: options(), token: `${input}.` }, 'ERR_JOSE_ALG_NOT_ALLOWED');
    }
  });

  test('alg missing or not a non-empty string', async () => {
    for (const header of [{ typ: 'JWT' }, { alg: null }, { alg: 256 }, { alg: ['HS256'] }, { alg: { name: 'HS256' } }, { alg: true }]) {
      await refused(hsSpec(hs(header)), 'ERR_JWS_INVALID');
      await refused(hsSpec(hs(header), options({ algorithms: ['HS256'] })), 'ERR_JWS_INVALID');
    }
  });

  // BUG (error-code parity, not a security issue: the token is refused either way): jose's
  // verifySignature throws ERR_JWS_INVALID for `typeof alg != "string" || !alg`, before the
  // algorithms check; jwtgate answers ERR_JOSE_NOT_SUPPORTED without `algorithms` and
  // ERR_JOSE_ALG_NOT_ALLOWED with it (tests/verify_failures.rs pins that behaviour for "").
  test('alg empty string is ERR_JWS_INVALID, as in jose', async () => {
    await refused(hsSpec(hs({ alg: '' })), 'ERR_JWS_INVALID');
    await refused(hsSpec(hs({ alg: '' }), options({ algorithms: ['HS256'] })), 'ERR_JWS_INVALID');
  });

  test('alg empty string is refused (whatever the code)', async () => {
    for (const opts of [options(), options({ algorithms: ['HS256'] })]) {
      const r = await run(hsSpec(hs({ alg: '' }), opts));
      for (const [backend, res] of Object.entries(r)) {
        assert.equal(res.ok, false, backend);
        assert.ok(['ERR_JWS_INVALID', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JOSE_ALG_NOT_ALLOWED'].includes(res.code), `${backend}: ${res.code}`);
        assert.equal(res.after.ok, true, backend);
      }
    }
  });

  test('unknown alg: not supported without algorithms, not allowed with', async () => {
    for (const alg of ['HS1', 'hs256', 'HS256 ', ' HS256', 'HS256\u0000', 'ES256K', 'RSA-OAEP', 'dir', 'PS256\n', 'ML-DSA-44', 'Ed448', 'HS2560']) {
      await refused(hsSpec(hs({ alg })), 'ERR_JOSE_NOT_SUPPORTED');
      await refused(hsSpec(hs({ alg }), options({ algorithms: ['HS256'] })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    }
  });
});

// ------------------------------------------------------------------ algorithm confusion

describe('algorithm confusion', () => {
  const confusionSecrets = () => ({
    'RSA SPKI PEM': K.rsa.pem,
    'RSA PKCS#1 PEM': K.rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }),
    'EC P-256 PEM': K.p256.pem,
    'Ed25519 PEM': K.ed.pem,
    'RSA DER': K.rsa.der,
    'EC DER': K.p256.der,
    'RSA JWK JSON': JSON.stringify(K.rsa.jwk),
    'EC JWK JSON': JSON.stringify(K.p256.jwk),
    'Ed25519 JWK JSON': JSON.stringify(K.ed.jwk),
    'EC JWK JSON with kid': JSON.stringify({ ...K.p256.jwk, kid: 'k1' }),
    'Ed25519 raw x': Buffer.from(K.ed.jwk.x, 'base64url'),
  });

  const keySetsFor = (name) => {
    const key = name.startsWith('RSA') ? K.rsa : name.startsWith('EC') ? K.p256 : K.ed;
    const alg = key === K.rsa ? 'RS256' : key === K.p256 ? 'ES256' : 'EdDSA';
    return {
      alg,
      sets: [
        jwksOf({ ...key.jwk, kid: 'k1' }),
        jwksOf({ ...key.jwk }),
        { from: 'jwk', value: key.jwk },
        { from: 'pem', value: key.pem, options: { alg } },
      ],
    };
  };

  test('HS256/384/512 keyed with the public key (PEM text, DER bytes, JWK JSON) is refused', async () => {
    for (const [name, secret] of Object.entries(confusionSecrets())) {
      const { alg, sets } = keySetsFor(name);
      for (const hsAlg of ['HS256', 'HS384', 'HS512']) {
        for (const header of [{ alg: hsAlg }, { alg: hsAlg, kid: 'k1' }]) {
          const token = jws(header, claims(), { alg: hsAlg, key: secret });
          for (const keys of sets) {
            await refused({ keys, options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
            await refused({ keys, options: options({ algorithms: [alg, hsAlg] }), token }, 'ERR_JWKS_NO_MATCHING_KEY');
            await refused({ keys, options: options({ algorithms: [alg] }), token }, 'ERR_JOSE_ALG_NOT_ALLOWED');
          }
        }
      }
    }
  });

  test('an RS256-pinned key is not used for a PS256 token, and the reverse', async () => {
    for (const [pinned, used] of [['RS256', 'PS256'], ['PS256', 'RS256'], ['RS256', 'RS512'], ['PS384', 'PS256']]) {
      const token = jws({ alg: used, kid: 'r' }, claims(), { alg: used, key: K.rsa.privateKey });
      for (const keys of [jwksOf({ ...K.rsa.jwk, kid: 'r', alg: pinned }), { from: 'pem', value: K.rsa.pem, options: { alg: pinned } }]) {
        await refused({ keys, options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
      }
      // Unpinned, the same RSA key verifies either (as in jose): the pinning is what refuses.
      await accepted({ keys: jwksOf({ ...K.rsa.jwk, kid: 'r' }), options: options(), token });
    }
  });

  test('a JWK whose alg differs from the token\'s alg', async () => {
    const cases = [
      [K.p256, 'ES256', 'ES384'],
      [K.p384, 'ES384', 'ES256'],
      [K.ed, 'EdDSA', 'ES256'],
      [K.rsa, 'RS256', 'HS256'],
    ];
    for (const [key, tokenAlg, jwkAlg] of cases) {
      const token = jws({ alg: tokenAlg, kid: 'k' }, claims(), { alg: tokenAlg, key: key.privateKey });
      const { native: loaded } = await loadKeys(jwksOf({ ...key.jwk, kid: 'k', alg: jwkAlg }));
      // A key pinned to an algorithm its material cannot do is skipped (or could not verify anyway).
      assert.ok(loaded.ok === false || loaded.keys.length === 0 || loaded.keys.every((k) => k.alg === jwkAlg), JSON.stringify(loaded));
      await refused({ keys: jwksOf({ ...key.jwk, kid: 'k', alg: jwkAlg }), options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
    }
  });
});

// ------------------------------------------------------------------ ECDSA signatures

const CURVES = {
  ES256: { key: () => K.p256, size: 32, n: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551n },
  ES384: { key: () => K.p384, size: 48, n: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973n },
  ES512: { key: () => K.p521, size: 66, n: 0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409n },
};
const toInt = (bytes) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const toBytes = (int, size) => {
  const hex = int.toString(16).padStart(size * 2, '0');
  return hex.length > size * 2 ? null : Uint8Array.from(Buffer.from(hex, 'hex'));
};
const concatBytes = (...parts) => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));

describe('ECDSA', () => {
  const ecSpec = (alg, token) => ({ keys: jwksOf({ ...CURVES[alg].key().jwk, kid: 'k' }), options: options(), token });
  const signed = (alg) => {
    const input = `${seg({ alg, kid: 'k' })}.${seg(claims())}`;
    return { input, sig: signBytes(alg, CURVES[alg].key().privateKey, input) };
  };

  test('psychic signatures (r = s = 0, CVE-2022-21449) for ES256/384/512', async () => {
    for (const alg of Object.keys(CURVES)) {
      const { input } = signed(alg);
      const { size } = CURVES[alg];
      await refused(ecSpec(alg, `${input}.${b64u(new Uint8Array(2 * size))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      // With the algorithms option too, and with r = 0 or s = 0 alone.
      await refused({ ...ecSpec(alg, `${input}.${b64u(new Uint8Array(2 * size))}`), options: options({ algorithms: [alg] }) }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      const { sig } = signed(alg);
      const r = sig.subarray(0, size);
      const s = sig.subarray(size);
      await refused(ecSpec(alg, `${input}.${b64u(concatBytes(new Uint8Array(size), s))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      await refused(ecSpec(alg, `${input}.${b64u(concatBytes(r, new Uint8Array(size)))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      // The genuine signature does verify.
      await accepted(ecSpec(alg, `${input}.${b64u(sig)}`));
    }
  });

  test('r or s ≥ n (including r + n and s + n, which reduce to the genuine values)', async () => {
    for (const alg of Object.keys(CURVES)) {
      const { input, sig } = signed(alg);
      const { size, n } = CURVES[alg];
      const r = toInt(sig.subarray(0, size));
      const s = toInt(sig.subarray(size));
      const pairs = [[n, n], [n, s], [r, n], [n + 1n, s], [r + n, s], [r, s + n], [r + n, s + n], [2n ** BigInt(8 * size) - 1n, s], [r, 2n ** BigInt(8 * size) - 1n]];
      let tried = 0;
      for (const [R, S] of pairs) {
        const rb = toBytes(R, size);
        const sb = toBytes(S, size);
        if (!rb || !sb) continue; // does not fit the fixed width
        tried += 1;
        await refused(ecSpec(alg, `${input}.${b64u(concatBytes(rb, sb))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      }
      assert.ok(tried >= 4, `${alg}: ${tried}`);
    }
  });

  test('DER-encoded signatures instead of raw R‖S (ES256/384/512)', async () => {
    for (const alg of Object.keys(CURVES)) {
      const input = `${seg({ alg, kid: 'k' })}.${seg(claims())}`;
      const der = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: CURVES[alg].key().privateKey, dsaEncoding: 'der' });
      await refused(ecSpec(alg, `${input}.${b64u(der)}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    }
  });

  test('wrong signature lengths', async () => {
    for (const alg of Object.keys(CURVES)) {
      const { input, sig } = signed(alg);
      const { size } = CURVES[alg];
      const variants = [
        new Uint8Array(0), new Uint8Array(1), sig.subarray(0, 2 * size - 1), concatBytes(sig, [0]), concatBytes([0], sig),
        sig.subarray(0, size), concatBytes(sig, sig), new Uint8Array(2 * size + 2), concatBytes([0], sig.subarray(0, size), [0], sig.subarray(size)),
      ];
      if (alg === 'ES512') variants.push(concatBytes(sig.subarray(1, size), sig.subarray(size + 1))); // 2 × 65 bytes
      for (const bad of variants) {
        await refused(ecSpec(alg, `${input}.${b64u(bad)}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      }
    }
  });

  test('a signature by another P-256 key, and an ES256 signature offered as ES384', async () => {
    const input = `${seg({ alg: 'ES256', kid: 'k' })}.${seg(claims())}`;
    await refused(ecSpec('ES256', `${input}.${b64u(signBytes('ES256', K.p256Attacker.privateKey, input))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    // A P-256 key never verifies ES384, even if the signature were valid over SHA-384.
    const input384 = `${seg({ alg: 'ES384', kid: 'k' })}.${seg(claims())}`;
    const sig = crypto.sign('sha384', Buffer.from(input384), { key: K.p256.privateKey, dsaEncoding: 'ieee-p1363' });
    await refused(ecSpec('ES256', `${input384}.${b64u(sig)}`), 'ERR_JWKS_NO_MATCHING_KEY');
  });
});

// ------------------------------------------------------------------ Ed25519

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const leToInt = (bytes) => toInt(Uint8Array.from(bytes).reverse());
const intToLe = (int) => toBytes(int, 32)?.reverse();

/** Small-order and non-canonical Ed25519 point encodings, with the order of the point. */
const WEAK_ED25519 = {
  'identity (order 1)': ['0100000000000000000000000000000000000000000000000000000000000000', 1],
  'order 2 (y = -1)': ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 2],
  'order 4 (y = 0)': ['0000000000000000000000000000000000000000000000000000000000000000', 4],
  'order 4 (y = 0, sign bit)': ['0000000000000000000000000000000000000000000000000000000000000080', 4],
  'order 8 (a)': ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 8],
  'order 8 (b)': ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 8],
  'order 8 (a, sign bit)': ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', 8],
  'identity, non-canonical (y = p + 1)': ['eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 1],
  'non-canonical y = p': ['edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 4],
};

describe('Ed25519', () => {
  const edSpec = (token, jwk = { ...K.ed.jwk, kid: 'k' }) => ({ keys: jwksOf(jwk), options: options(), token });

  test('non-canonical signatures (S ≥ L, S + L, high bits set)', async () => {
    const input = `${seg({ alg: 'EdDSA', kid: 'k' })}.${seg(claims())}`;
    const sig = signBytes('EdDSA', K.ed.privateKey, input);
    const R = sig.subarray(0, 32);
    const S = leToInt(sig.subarray(32));
    await accepted(edSpec(`${input}.${b64u(sig)}`));
    for (const bad of [S + L, S + 2n * L, S + 7n * L, L, L + 1n, 2n ** 256n - 1n, S | (1n << 255n), S | (1n << 253n)]) {
      const sb = intToLe(bad);
      if (!sb) continue;
      await refused(edSpec(`${input}.${b64u(concatBytes(R, sb))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    }
    // Also as "Ed25519" (the fully-specified name).
    const input2 = `${seg({ alg: 'Ed25519', kid: 'k' })}.${seg(claims())}`;
    const sig2 = signBytes('EdDSA', K.ed.privateKey, input2);
    const sb2 = intToLe(leToInt(sig2.subarray(32)) + L);
    await refused(edSpec(`${input2}.${b64u(concatBytes(sig2.subarray(0, 32), sb2))}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  test('small-order and non-canonical public keys are skipped (JWKS) or refused (JWK), so forgeries find no key', async () => {
    for (const [name, [hex, order]] of Object.entries(WEAK_ED25519)) {
      const x = Buffer.from(hex, 'hex').toString('base64url');
      const weak = { kty: 'OKP', crv: 'Ed25519', x, kid: 'weak' };
      // The forgery: R = identity, S = 0 verifies iff [k]A = O, i.e. k ≡ 0 (mod order of A).
      let token;
      for (let jti = 0; jti < 1000 && !token; jti += 1) {
        const input = `${seg({ alg: 'EdDSA', kid: 'weak' })}.${seg(claims({ jti: String(jti) }))}`;
        const Rbytes = Buffer.from(WEAK_ED25519['identity (order 1)'][0], 'hex');
        const k = leToInt(crypto.createHash('sha512').update(Buffer.concat([Rbytes, Buffer.from(hex, 'hex'), Buffer.from(input)])).digest()) % L;
        if (k % BigInt(order) === 0n) token = `${input}.${b64u(concatBytes(Rbytes, new Uint8Array(32)))}`;
      }
      assert.ok(token, name);
      const loaded = await loadKeys(jwksOf(weak, { ...K.ed.jwk, kid: 'good' }));
      for (const [backend, r] of Object.entries(loaded)) {
        assert.equal(r.ok, true, `${backend} ${name}: ${JSON.stringify(r)}`);
        assert.deepEqual(r.keys.map((k) => k.kid), ['good'], `${backend} ${name}`);
        assert.deepEqual(r.skipped.map((s) => s.index), [0], `${backend} ${name}`);
      }
      const single = await loadKeys({ from: 'jwk', value: weak });
      for (const [backend, r] of Object.entries(single)) assert.equal(r.code, 'ERR_JWK_INVALID', `${backend} ${name}: ${JSON.stringify(r)}`);
      await refused({ keys: jwksOf(weak, { ...K.ed.jwk, kid: 'good' }), options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
      await refused({ keys: jwksOf(weak, { ...K.ed.jwk }), options: options(), token }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    }
  });

  test('a weak key in PEM form is refused too', async () => {
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(WEAK_ED25519['identity (order 1)'][0], 'hex')]);
    const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    const r = await loadKeys({ from: 'pem', value: pem, options: { alg: 'EdDSA' } });
    for (const [backend, res] of Object.entries(r)) assert.equal(res.code, 'ERR_JWK_INVALID', `${backend}: ${JSON.stringify(res)}`);
  });
});

// ------------------------------------------------------------------ keys from the token

describe('keys named by the token are never used', () => {
  test('jwk, jku, x5u, x5c headers with an attacker\'s signature', async () => {
    const attackerJwk = K.p256Attacker.jwk;
    const cert = b64u(crypto.randomBytes(300)).replace(/-/g, '+').replace(/_/g, '/');
    const headers = [
      { alg: 'ES256', jwk: attackerJwk },
      { alg: 'ES256', kid: 'k', jwk: { ...attackerJwk, kid: 'k' } },
      { alg: 'ES256', jku: 'https://attacker.example/jwks.json' },
      { alg: 'ES256', x5u: 'https://attacker.example/cert.pem' },
      { alg: 'ES256', x5c: [cert] },
      { alg: 'ES256', kid: 'k', x5c: [cert], x5t: b64u(crypto.randomBytes(20)) },
    ];
    for (const header of headers) {
      const token = jws(header, claims(), { alg: 'ES256', key: K.p256Attacker.privateKey });
      await refused({ keys: jwksOf({ ...K.p256.jwk, kid: 'k' }), options: options(), token }, header.kid || header.jwk === undefined ? 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' : 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      // With only keys of another type, there is no candidate at all: the header's key is not one.
      await refused({ keys: jwksOf({ ...K.ed.jwk, kid: 'k' }), options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
      await refused({ keys: K.secretKeys, options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
    }
  });

  test('an HS256 token whose jwk header carries an oct key', async () => {
    const attackerSecret = crypto.randomBytes(32);
    const token = jws({ alg: 'HS256', jwk: { kty: 'oct', k: b64u(attackerSecret) } }, claims(), { alg: 'HS256', key: attackerSecret });
    await refused(hsSpec(token), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    await refused({ keys: jwksOf({ ...K.rsa.jwk }), options: options(), token }, 'ERR_JWKS_NO_MATCHING_KEY');
  });
});

// ------------------------------------------------------------------ kid

describe('kid', () => {
  const set = () => jwksOf({ ...K.p256.jwk, kid: 'k1' });
  const es = (header) => jws({ alg: 'ES256', ...header }, claims(), { alg: 'ES256', key: K.p256.privateKey });

  test('path traversal, SQL, control characters, and a 10 KB kid find no key', async () => {
    const kids = ['../../../../etc/passwd', '..\\..\\windows\\win.ini', "' OR '1'='1' --", 'k1\u0000', 'k1 ', ' k1', 'K1', 'k1\n', '%6b1', 'k\u200b1', '*', '', 'x'.repeat(10_240)];
    for (const kid of kids) {
      const r = await refused({ keys: set(), options: options(), token: es({ kid }) }, 'ERR_JWKS_NO_MATCHING_KEY');
      // Attacker strings are echoed truncated.
      assert.ok(r.native.message.length < 400, r.native.message.length);
    }
  });

  test('with a kid-less key in the set, a strange kid falls back to it (documented) and still needs its signature', async () => {
    const keys = jwksOf({ ...K.p256.jwk });
    await accepted({ keys, options: options(), token: es({ kid: '../../etc/passwd' }) });
    const forged = jws({ alg: 'ES256', kid: "' OR 1=1 --" }, claims(), { alg: 'ES256', key: K.p256Attacker.privateKey });
    await refused({ keys, options: options(), token: forged }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  test('kid of a non-string type is just an id that names no key', async () => {
    for (const kid of [7, 1.5, true, ['k1'], { k1: true }]) {
      await refused({ keys: set(), options: options(), token: es({ kid }) }, 'ERR_JWKS_NO_MATCHING_KEY');
    }
  });

  test('kid: null names no key: a key set whose keys all have ids matches nothing (as in jose)', async () => {
    await refused({ keys: set(), options: options(), token: es({ kid: null }) }, 'ERR_JWKS_NO_MATCHING_KEY');
    const forged = jws({ alg: 'ES256', kid: null }, claims(), { alg: 'ES256', key: K.p256Attacker.privateKey });
    await refused({ keys: set(), options: options(), token: forged }, 'ERR_JWKS_NO_MATCHING_KEY');
  });
});

// ------------------------------------------------------------------ crit, b64, JWE, nested

describe('header extensions', () => {
  test('crit listing registered or unknown names, duplicates, and non-array shapes', async () => {
    for (const [header, code] of [
      [{ alg: 'HS256', crit: ['alg'] }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: ['kid'], kid: 'x' }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: ['exp'], exp: NOW + 600 }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: ['b64', 'urn:x'], b64: true, 'urn:x': 1 }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: [' b64'], ' b64': true }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: ['B64'], B64: false }, 'ERR_JOSE_NOT_SUPPORTED'],
      [{ alg: 'HS256', crit: [] }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: 'b64', b64: true }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: [['b64']], b64: true }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: [null] }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: true }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: 0 }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: ['b64'], b64: 0 }, 'ERR_JWS_INVALID'],
      [{ alg: 'HS256', crit: ['b64'], b64: null }, 'ERR_JWS_INVALID'],
    ]) {
      await refused(hsSpec(hs(header)), code);
    }
  });

  test('b64: false, with the payload unencoded as RFC 7797 signs it', async () => {
    const header = seg({ alg: 'HS256', crit: ['b64'], b64: false });
    const payload = 'eyJzdWIiOiJhZG1pbiJ9'; // ASCII-only detached-style payload text
    const raw = `${header}.${payload}`;
    const sig = b64u(signBytes('HS256', K.secret, raw));
    // jose answers ERR_JWT_INVALID ("JWTs MUST NOT use unencoded payload") after the signature.
    await refused(hsSpec(`${header}.${payload}.${sig}`), 'ERR_JWT_INVALID');
    // A payload that is not base64url text at all (raw JSON): never a JWT either.
    const jsonPayload = JSON.stringify(claims());
    const sig2 = b64u(signBytes('HS256', K.secret, `${header}.${jsonPayload}`));
    const r = await run(hsSpec(`${header}.${jsonPayload}.${sig2}`));
    for (const [backend, res] of Object.entries(r)) {
      assert.equal(res.ok, false, backend);
      assert.ok(['ERR_JWS_INVALID', 'ERR_JWT_INVALID'].includes(res.code), `${backend}: ${res.code}`);
      assert.equal(res.after.ok, true);
    }
  });

  test('JWE (five segments) and other segment counts', async () => {
    const jwe = `${seg({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })}.${b64u(crypto.randomBytes(256))}.${b64u(crypto.randomBytes(12))}.${b64u(crypto.randomBytes(40))}.${b64u(crypto.randomBytes(16))}`;
    await refused(hsSpec(jwe), 'ERR_JWS_INVALID', { message: /JWE/ });
    const good = hs({ alg: 'HS256' });
    for (const bad of [`${good}.`, `.${good}`, `${good}..`, good.replace('.', '..'), `${good}.${good}`, good.split('.').slice(0, 2).join('.'), '..', '....', '.']) {
      await refused(hsSpec(bad), 'ERR_JWS_INVALID');
    }
  });

  test('nested JWT (cty: JWT) is not followed', async () => {
    const inner = hs({ alg: 'HS256' });
    for (const cty of ['JWT', 'jwt', 'application/jwt', 'Application/JWT']) {
      const outer = jws({ alg: 'HS256', cty }, inner, { alg: 'HS256', key: K.secret });
      await refused(hsSpec(outer), 'ERR_JOSE_NOT_SUPPORTED');
      // Also when the outer payload is a claims set.
      await refused(hsSpec(hs({ alg: 'HS256', cty })), 'ERR_JOSE_NOT_SUPPORTED');
    }
  });
});

// ------------------------------------------------------------------ encoding

describe('encoding', () => {
  const parts = () => hs({ alg: 'HS256', typ: 'JWT' }).split('.');
  const signedRaw = (headerText, payloadText) => {
    const input = `${typeof headerText === 'string' ? b64u(enc.encode(headerText)) : b64u(headerText)}.${typeof payloadText === 'string' ? b64u(enc.encode(payloadText)) : b64u(payloadText)}`;
    return `${input}.${b64u(signBytes('HS256', K.secret, input))}`;
  };

  test('padding, + and /, whitespace and newlines inside any segment', async () => {
    const [h, p, s] = parts();
    const insert = (text, at, ch) => text.slice(0, at) + ch + text.slice(at);
    for (let i = 0; i < 3; i += 1) {
      for (const ch of ['=', '==', '+', '/', ' ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '%', '!', '\u0000']) {
        const segs = [h, p, s];
        segs[i] = insert(segs[i], Math.min(5, segs[i].length), ch);
        await refused(hsSpec(segs.join('.')), 'ERR_JWS_INVALID');
        const atEnd = [h, p, s];
        atEnd[i] += ch;
        await refused(hsSpec(atEnd.join('.')), 'ERR_JWS_INVALID');
      }
    }
    // Standard base64 for the whole token (re-signed so only the alphabet is wrong).
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', note: '>>>???' })).toString('base64');
    assert.match(header, /[+/]/);
    const input = `${header}.${p}`;
    await refused(hsSpec(`${input}.${b64u(signBytes('HS256', K.secret, input))}`), 'ERR_JWS_INVALID');
  });

  test('non-zero trailing bits in the header and the payload (re-signed)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let tried = 0;
    for (let pad = 0; pad < 3; pad += 1) {
      const header = seg({ alg: 'HS256', x: 'a'.repeat(pad) });
      const payload = seg({ ...claims(), y: 'b'.repeat(pad) });
      for (const [which, text] of [['header', header], ['payload', payload]]) {
        const unused = text.length % 4 === 2 ? 0b1111 : text.length % 4 === 3 ? 0b11 : 0;
        if (!unused) continue;
        const last = alphabet.indexOf(text.at(-1));
        const mangled = text.slice(0, -1) + alphabet[last | 1];
        const input = which === 'header' ? `${mangled}.${payload}` : `${header}.${mangled}`;
        tried += 1;
        await refused(hsSpec(`${input}.${b64u(signBytes('HS256', K.secret, input))}`), 'ERR_JWS_INVALID');
      }
    }
    assert.ok(tried >= 2);
  });

  test('a segment of impossible length (4n + 1)', async () => {
    const [h, p, s] = parts();
    for (const token of [`${h}A.${p}.${s}`, `${h}.${p}A.${s}`, `${h}.${p}.${s}AA`.slice(0, h.length + p.length + 2 + (s.length % 4 === 0 ? s.length + 1 : s.length + (5 - (s.length % 4)) % 4))]) {
      if (token.split('.').some((x) => x.length % 4 === 1)) await refused(hsSpec(token), 'ERR_JWS_INVALID');
    }
  });

  test('empty segments', async () => {
    const [h, p, s] = parts();
    await refused(hsSpec(`.${p}.${s}`), 'ERR_JWS_INVALID');
    // Empty payload, genuinely signed: not a JSON object.
    const input = `${h}.`;
    await refused(hsSpec(`${input}.${b64u(signBytes('HS256', K.secret, input))}`), 'ERR_JWT_INVALID');
    await refused(hsSpec(`${h}.${p}.`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    await refused(hsSpec('..'), 'ERR_JWS_INVALID');
  });

  test('invalid UTF-8 in the header and the payload (re-signed)', async () => {
    const bad = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];
    for (const bytes of bad) {
      const header = concatBytes(enc.encode('{"alg":"HS256","x":"'), bytes, enc.encode('"}'));
      await refused(hsSpec(signedRaw(header, JSON.stringify(claims()))), 'ERR_JWS_INVALID');
      const payload = concatBytes(enc.encode(JSON.stringify(claims()).slice(0, -1) + ',"x":"'), bytes, enc.encode('"}'));
      await refused(hsSpec(signedRaw('{"alg":"HS256"}', payload)), 'ERR_JWT_INVALID');
    }
  });

  test('a byte-order mark before the header or the payload', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    await refused(hsSpec(signedRaw(concatBytes(bom, enc.encode('{"alg":"HS256"}')), JSON.stringify(claims()))), 'ERR_JWS_INVALID');
    await refused(hsSpec(signedRaw('{"alg":"HS256"}', concatBytes(bom, enc.encode(JSON.stringify(claims()))))), 'ERR_JWT_INVALID');
  });

  test('duplicate member names, also escaped, nested, or differing only after JSON unescaping', async () => {
    const payload = JSON.stringify(claims());
    for (const header of [
      '{"alg":"HS256","\\u0061lg":"none"}',
      '{"alg":"none","\\u0061lg":"HS256"}',
      '{"alg":"HS256","kid":"a","k\\u0069d":"b"}',
      '{"alg":"HS256","crit":["b64"],"b64":true,"b64":false}',
      '{"alg":"HS256","jwk":{"kty":"oct","kty":"RSA"}}',
    ]) {
      await refused(hsSpec(signedRaw(header, payload)), 'ERR_JWS_INVALID');
    }
    const body = JSON.stringify(claims()).slice(1, -1);
    for (const p of [
      `{${body},"sub":"admin"}`,
      `{${body},"\\u0073ub":"admin"}`,
      `{${body},"exp":${NOW + 10 ** 9}}`,
      `{${body},"roles":{"admin":false,"admin":true}}`,
      `{${body},"list":[{"a":1,"a":2}]}`,
    ]) {
      await refused(hsSpec(signedRaw('{"alg":"HS256"}', p)), 'ERR_JWT_INVALID');
    }
  });

  test('JSON nested 100 000 deep: a clean error, no stack overflow, the instance still works', async () => {
    const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepObject = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    for (const deep of [deepArray, deepObject]) {
      const inPayload = `{"alg":"HS256"}`;
      const payloadDeep = `{"exp":${NOW + 60},"x":${deep}}`;
      const headerDeep = `{"alg":"HS256","x":${deep}}`;
      const t1 = signedRaw(inPayload, payloadDeep);
      const t2 = signedRaw(headerDeep, JSON.stringify(claims()));
      const t3 = signedRaw(inPayload, deep);
      // Over the default length limit: refused before decoding.
      await refused(hsSpec(t1), 'ERR_JWS_INVALID', { message: /bytes/ });
      // With the limit lifted, the JSON parser's depth limit answers.
      const big = options({ maxTokenLength: 10_000_000 });
      await refused(hsSpec(t1, big), 'ERR_JWT_INVALID');
      await refused(hsSpec(t2, big), 'ERR_JWS_INVALID');
      await refused(hsSpec(t3, big), 'ERR_JWT_INVALID');
    }
    // Just past and just within the documented depth limit of 128.
    await refused(hsSpec(signedRaw('{"alg":"HS256"}', `{"exp":${NOW + 60},"x":${'['.repeat(200)}${']'.repeat(200)}}`)), 'ERR_JWT_INVALID');
    await accepted(hsSpec(signedRaw('{"alg":"HS256"}', `{"exp":${NOW + 60},"x":${'['.repeat(100)}${']'.repeat(100)}}`), options({ issuer: undefined, audience: undefined })));
  });

  test('a 10 MB token is refused before decoding, quickly (string and bytes)', async () => {
    const [h, p, s] = parts();
    const huge = `${h}.${p}${'A'.repeat(10 * 1024 * 1024)}.${s}`;
    for (const token of [huge, enc.encode(huge), 'x'.repeat(10 * 1024 * 1024), `${'.'.repeat(10 * 1024 * 1024)}`]) {
      const r = await refused(hsSpec(token), 'ERR_JWS_INVALID', { message: /16384/ });
      for (const [backend, res] of Object.entries(r)) assert.ok(res.ms < 500, `${backend}: ${res.ms} ms`);
    }
  });
});

// ------------------------------------------------------------------ claims of the wrong type

describe('claims', () => {
  const raw = (payloadText) => {
    const input = `${seg({ alg: 'HS256' })}.${b64u(enc.encode(payloadText))}`;
    return `${input}.${b64u(signBytes('HS256', K.secret, input))}`;
  };
  const body = (patch) => JSON.stringify(claims(patch)).slice(1, -1);

  test('exp, nbf, iat of the wrong type', async () => {
    for (const claim of ['exp', 'nbf', 'iat']) {
      for (const value of [String(NOW + 600), `${NOW + 600}`, '', null, true, [NOW + 600], { v: NOW + 600 }]) {
        const opts = options(claim === 'iat' ? {} : {});
        await refused(hsSpec(hs({ alg: 'HS256' }, claims({ [claim]: value })), opts), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim, reason: 'invalid' });
      }
    }
  });

  test('numbers out of range (1e400, -1e400, 1e309) are invalid JSON', async () => {
    for (const claim of ['exp', 'nbf', 'iat']) {
      for (const value of ['1e400', '-1e400', '1e309', '179769313486231580793728971405303415079934132710037826936173778980585904461', '1'.padEnd(400, '0')]) {
        const token = raw(`{${body({ [claim]: undefined })},"${claim}":${value}}`);
        if (value.length > 300 || Number.isFinite(Number(value))) {
          // Large but finite numbers are numbers.
          if (Number.isFinite(Number(value))) continue;
        }
        await refused(hsSpec(token), 'ERR_JWT_INVALID');
      }
    }
  });

  test('negative and huge finite dates', async () => {
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ exp: -1 }))), 'ERR_JWT_EXPIRED', { claim: 'exp' });
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ exp: -1e308 }))), 'ERR_JWT_EXPIRED', { claim: 'exp' });
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ nbf: 1e308 }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'nbf' });
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ iat: -1 })), options({ maxTokenAge: '1h' })), 'ERR_JWT_EXPIRED', { claim: 'iat' });
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ iat: 1e308 })), options({ maxTokenAge: '1h' })), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iat' });
    // jose accepts these (finite numbers in range): so does jwtgate.
    await accepted(hsSpec(hs({ alg: 'HS256' }, claims({ nbf: -1, exp: 1e308 }))));
  });

  test('fractional dates around the boundary', async () => {
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ exp: NOW + 0.000001 - 0.000001 }))), 'ERR_JWT_EXPIRED');
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ nbf: NOW + 0.5 }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'nbf' });
    await accepted(hsSpec(hs({ alg: 'HS256' }, claims({ exp: NOW + 0.5 }))));
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ exp: NOW - 0.5 }))), 'ERR_JWT_EXPIRED');
  });

  test('aud as a number, nested array, object, or an array with non-strings', async () => {
    for (const aud of [5, [[AUDIENCE]], { [AUDIENCE]: true }, [5], true, null, [], [null]]) {
      await refused(hsSpec(hs({ alg: 'HS256' }, claims({ aud }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'aud', reason: 'check_failed' });
    }
  });

  test('iss differing by a trailing slash, case, or a Unicode look-alike (exact comparison)', async () => {
    const lookalikes = [
      `${ISSUER}/`, ISSUER.toUpperCase(), ISSUER.replace('a', '\u0430'), // Cyrillic а
      ISSUER.replace('e', '\u0435'), ISSUER.replace('x', '\u0445'), `${ISSUER}\u200b`, `\ufeff${ISSUER}`,
      ISSUER.replace('issuer', 'i\u0455suer'), ISSUER.replace('.', '\u2024'), ISSUER.replace('https', 'ｈttps'), `${ISSUER} `, `${ISSUER}\u0000`,
      ISSUER.normalize('NFD') === ISSUER ? `${ISSUER}\u0301` : ISSUER.normalize('NFD'),
    ];
    for (const iss of lookalikes) {
      await refused(hsSpec(hs({ alg: 'HS256' }, claims({ iss }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iss', reason: 'check_failed' });
    }
    // NFC vs NFD of a configured issuer with an accent.
    const composed = 'https://caf\u00e9.example';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ iss: decomposed })), options({ issuer: composed })), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iss' });
    await accepted(hsSpec(hs({ alg: 'HS256' }, claims({ iss: composed })), options({ issuer: composed })));
    // Audience look-alikes too.
    await refused(hsSpec(hs({ alg: 'HS256' }, claims({ aud: AUDIENCE.replace('o', '\u043e') }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'aud' });
  });
});
