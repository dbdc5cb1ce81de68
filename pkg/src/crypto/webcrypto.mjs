// Asynchronous signature checks with WebCrypto (`crypto.subtle`), for runtimes without a
// synchronous native backend (workerd, browsers): keys are imported once per key set
// and algorithm, then reused. The Rust core does everything else, in two passes around this.

import { core } from '../core/manifest.mjs';

/** The WebCrypto names of the families of the core's algorithms (`Family` in src/alg.rs); EdDSA's is its curve's. */
const WEBCRYPTO = { hmac: 'HMAC', pkcs1: 'RSASSA-PKCS1-v1_5', pss: 'RSA-PSS', ecdsa: 'ECDSA' };

let byName;

/**
 * WebCrypto import and verify parameters of a JOSE algorithm, from the core's description of it
 * (verify's are sign's too: `jwtgate/testing` signs with them).
 */
export function webCryptoParams(alg) {
  byName ??= new Map(core().algorithms.map((info) => [info.name, info]));
  const { family, hash, curve, saltBytes } = byName.get(alg) ?? {};
  const name = WEBCRYPTO[family] ?? curve;
  switch (family) {
    case 'ecdsa': return { importAs: { name, namedCurve: curve }, verifyAs: { name, hash } };
    case 'pss': return { importAs: { name, hash }, verifyAs: { name, saltLength: saltBytes } };
    case 'eddsa': return { importAs: { name }, verifyAs: { name } };
    default: return { importAs: { name, hash }, verifyAs: { name } };
  }
}

// wasm KeySet handle -> Map("index alg" -> Promise<CryptoKey | null>)
const imported = new WeakMap();

function importKey(keySet, index, alg) {
  let cache = imported.get(keySet);
  if (!cache) {
    cache = new Map();
    imported.set(keySet, cache);
  }
  const id = `${index} ${alg}`;
  if (!cache.has(id)) {
    const jwk = JSON.parse(keySet.nativeExportJson()).find(([i]) => i === index)?.[1];
    const promise = jwk
      ? crypto.subtle.importKey('jwk', { ...jwk, ext: true }, webCryptoParams(alg).importAs, false, ['verify']).catch(() => null)
      : Promise.resolve(null);
    cache.set(id, promise);
  }
  return cache.get(id);
}

/** Whether this runtime can check signatures asynchronously. */
function hasWebCrypto() {
  return typeof globalThis.crypto?.subtle?.verify === 'function';
}

/**
 * Checks `signature` over `input` (text) with the candidate keys of a wasm key set. Resolves to
 * true or false, or to undefined when a key could not be imported (unsupported algorithm in
 * this runtime): the caller then verifies synchronously in wasm.
 */
async function verifyWithWebCrypto(keySet, candidates, alg, input, signature) {
  const data = new TextEncoder().encode(input);
  for (const index of candidates) {
    const key = await importKey(keySet, index, alg);
    if (key === null) return undefined;
    try {
      if (await crypto.subtle.verify(webCryptoParams(alg).verifyAs, key, signature, data)) return true;
    } catch {
      // A malformed signature is just invalid.
    }
  }
  return false;
}

/** The asynchronous signature backend (the interface `useAsyncBackend` in core/api.mjs takes). */
export const webCryptoBackend = { available: hasWebCrypto, verify: verifyWithWebCrypto };
