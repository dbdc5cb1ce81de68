// The native signature backend for Node: public keys imported once into KeyObjects, signatures
// checked by `crypto.verify` (OpenSSL) instead of the pure-Rust code. The Rust core still parses
// the token, pins the algorithm, selects the key and checks the claims; only the primitive is
// here. HMAC stays in wasm (the core never exports secrets): a call out to `createHmac` costs
// more than the hash.
import { constants, createPublicKey, createVerify, verify } from 'node:crypto';

const keys = []; // handle -> KeyObject
const pssKeys = []; // handle -> { key, padding, saltLength }: built once, not per call
const handles = new Map(); // JWK text -> handle: the same key material is imported once

/**
 * The core's algorithms by code (`Alg::code`, the low 4 bits the core passes beside a key
 * handle), each as node:crypto checks it: its family and hash from the manifest.
 */
function byCode(algorithms) {
  const table = [];
  for (const { code, family, hash } of algorithms) table[code] = { family, hash };
  return table;
}

/**
 * `(handle * 16 + alg code, message, signature) → boolean`, called synchronously from wasm; an
 * ECDSA signature arrives DER-encoded (Rust converts it). RSA and ECDSA go through
 * `createVerify` rather than the one-shot `verify`: in Node 20 (OpenSSL 3.0) it measured 2-4%
 * faster per verification, and DER rather than `dsaEncoding: 'ieee-p1363'` another 1% for
 * ES256. HMAC is never asked for (the core never exports secrets).
 */
function verifier(algorithms) {
  const table = byCode(algorithms);
  return function nativeVerify(packed, message, signature) {
    const key = keys[packed >>> 4];
    const alg = table[packed & 15];
    if (!key || !alg) return false;
    return check(alg, alg.family === 'pss' ? (pssKeys[packed >>> 4] ??= pssKey(key)) : key, message, signature);
  };
}

/** `(JWK text, alg code, message, signature) → boolean` for a key used once, imported and dropped. */
function onceVerifier(algorithms) {
  const table = byCode(algorithms);
  return function nativeVerifyOnce(jwk, code, message, signature) {
    const alg = table[code];
    if (!alg) return false;
    let key;
    try {
      key = createPublicKey({ key: JSON.parse(jwk), format: 'jwk' });
    } catch {
      return false; // the core parsed it already: OpenSSL refusing it makes the signature invalid
    }
    return check(alg, alg.family === 'pss' ? pssKey(key) : key, message, signature);
  };
}

const pssKey = (key) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });

function check(alg, key, message, signature) {
  try {
    switch (alg.family) {
      case 'pkcs1':
      case 'ecdsa':
      case 'pss':
        return createVerify(alg.hash).update(message).verify(key, signature);
      case 'eddsa':
        return verify(null, message, key, signature);
      default:
        return false;
    }
  } catch {
    return false; // malformed signatures are just invalid
  }
}

/**
 * The signature backend of node:crypto, for the core's `algorithms` (its manifest's):
 * `importKeys(keySet)` takes a new wasm key set's public keys in, `verify` checks a signature,
 * `verifyOnce` one signature of a key used once (a DPoP proof's).
 */
export function nodeBackend(algorithms) {
  return { importKeys, verify: verifier(algorithms), verifyOnce: onceVerifier(algorithms) };
}

/**
 * Whether the runtime's node:crypto checks this key's signatures faster than the wasm code
 * (µs per verification, warm, this machine):
 * - Node (OpenSSL 3.0): yes, except P-384, which OpenSSL computes without assembly: ES384 810
 *   against 630 in wasm. The wasm code's first ES384 verification in a process costs about
 *   10 ms more (V8 compiles it on first use); it has caught up after about 50.
 * - Deno implements node:crypto in Rust, not on OpenSSL: only EdDSA is faster there (55 against
 *   381); RSA and ECDSA are faster in wasm (RS256 164 against 238, ES256 244 against 713,
 *   ES384 775 against 1662, ES512 about even). `node bench/runtimes.mjs deno`.
 * - Bun's node:crypto is BoringSSL: yes for every key, P-384 included (Bun 1.4.5: ES384 590
 *   against 790 in wasm, RS256 24 against 131, ES256 64 against 227, EdDSA 64 against 357;
 *   `node bench/runtimes.mjs bun`).
 */
function nativeIsFaster(jwk) {
  const versions = globalThis.process?.versions;
  if (versions?.deno) return jwk.kty === 'OKP';
  if (versions?.bun) return true;
  return jwk.crv !== 'P-384';
}

/** Imports every public key of a freshly built wasm KeySet; a key OpenSSL refuses stays pure Rust. */
function importKeys(keySet) {
  for (const [index, jwk] of JSON.parse(keySet.nativeExportJson())) {
    if (!nativeIsFaster(jwk)) continue;
    const text = JSON.stringify(jwk);
    let handle = handles.get(text);
    if (handle === undefined) {
      try {
        keys.push(createPublicKey({ key: jwk, format: 'jwk' }));
      } catch {
        continue;
      }
      handle = keys.length - 1;
      handles.set(text, handle);
    }
    keySet.setNative(index, handle);
  }
}
