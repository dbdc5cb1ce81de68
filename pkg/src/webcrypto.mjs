// Asynchronous signature checks with WebCrypto (`crypto.subtle`), for runtimes without a
// synchronous native backend (workerd, browsers): keys are imported once per key set
// and algorithm, then reused. The Rust core does everything else, in two passes around this.

const HASH = { 256: 'SHA-256', 384: 'SHA-384', 512: 'SHA-512' };

/** WebCrypto import and verify parameters of a JOSE algorithm; undefined if unsupported. */
function params(alg) {
  const bits = alg.slice(2);
  switch (alg.slice(0, 2)) {
    case 'HS': return { importAs: { name: 'HMAC', hash: HASH[bits] }, verifyAs: { name: 'HMAC' } };
    case 'RS': return { importAs: { name: 'RSASSA-PKCS1-v1_5', hash: HASH[bits] }, verifyAs: { name: 'RSASSA-PKCS1-v1_5' } };
    case 'PS': return { importAs: { name: 'RSA-PSS', hash: HASH[bits] }, verifyAs: { name: 'RSA-PSS', saltLength: Number(bits) / 8 } };
    case 'ES': {
      const curve = { 256: 'P-256', 384: 'P-384', 512: 'P-521' }[bits];
      return { importAs: { name: 'ECDSA', namedCurve: curve }, verifyAs: { name: 'ECDSA', hash: HASH[bits] } };
    }
    default: // EdDSA, Ed25519
      return { importAs: { name: 'Ed25519' }, verifyAs: { name: 'Ed25519' } };
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
      ? crypto.subtle.importKey('jwk', { ...jwk, ext: true }, params(alg).importAs, false, ['verify']).catch(() => null)
      : Promise.resolve(null);
    cache.set(id, promise);
  }
  return cache.get(id);
}

/** Whether this runtime can check signatures asynchronously. */
export function hasWebCrypto() {
  return typeof globalThis.crypto?.subtle?.verify === 'function';
}

/**
 * Checks `signature` over `input` (text) with the candidate keys of a wasm key set. Resolves to
 * true or false, or to undefined when a key could not be imported (unsupported algorithm in
 * this runtime): the caller then verifies synchronously in wasm.
 */
export async function verifyWithWebCrypto(keySet, candidates, alg, input, signature) {
  const data = new TextEncoder().encode(input);
  for (const index of candidates) {
    const key = await importKey(keySet, index, alg);
    if (key === null) return undefined;
    try {
      if (await crypto.subtle.verify(params(alg).verifyAs, key, signature, data)) return true;
    } catch {
      // A malformed signature is just invalid.
    }
  }
  return false;
}
