// The authorizer where no native backend is installed (browsers, workerd): signatures are
// checked by WebCrypto between two passes through Rust. Loaded here in Node through the browser
// entry point (this file's own process has no native backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const lib = await import('../../pkg/src/runtime/browser.mjs');
await lib.init(readFileSync(new URL('../../pkg/dist/web/jwtgate_bg.wasm', import.meta.url)));
const { Authorizer } = await import('../../pkg/src/adapters/authorizer.mjs');

const ISSUER = 'https://idp.example';
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(pair, kid) {
  const input = `${b64({ alg: 'RS256', kid })}.${b64({ iss: ISSUER, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), pair.privateKey).toString('base64url')}`;
}

test('keys replaced while WebCrypto checks a signature: its verdict is not applied to the new keys', async (t) => {
  const old = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const next = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (pair, kid) => ({ ...pair.publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid });
  // Rotated: the new set's key has no `kid`, so a token naming the old `kid` falls back to it.
  const sets = [{ keys: [jwk(old, 'old')] }, { keys: [jwk(next)] }];
  let served = 0;
  let swapped;
  const replaced = new Promise((resolve) => { swapped = resolve; });
  const fetch = async () => {
    const body = JSON.stringify(sets[Math.min(served, 1)]);
    if (++served === 2) setTimeout(swapped, 0); // once the new set is installed
    return new Response(body, { headers: { 'content-type': 'application/json' } });
  };
  // WebCrypto's check of the first request's signature finishes only after the swap.
  const verify = crypto.subtle.verify;
  t.after(() => { delete crypto.subtle.verify; });
  Object.defineProperty(crypto.subtle, 'verify', {
    configurable: true,
    value: async (...args) => { await replaced; return verify.apply(crypto.subtle, args); },
  });
  const authorizer = new Authorizer({ issuer: ISSUER, jwksUri: `${ISSUER}/jwks`, fetch, jwksCooldownMs: 0, log: false });
  await authorizer.hydrate();
  const signedByOld = authorizer.authorize({ token: sign(old, 'old') });
  // A token naming an unknown `kid` makes the authorizer fetch the keys again.
  const signedByNext = authorizer.authorize({ token: sign(next, 'unknown') });
  const [first, second] = await Promise.all([signedByOld, signedByNext]);
  assert.equal(served, 2);
  assert.equal(second.status, 200, JSON.stringify(second.error));
  assert.equal(first.status, 401, 'a token signed by a key no longer in the set');
  assert.equal(first.error?.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
});
