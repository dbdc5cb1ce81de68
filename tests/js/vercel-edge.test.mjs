// jwtgate on Vercel Edge: a route importing 'jwtgate' and 'jwtgate/edge' is bundled as Next.js
// bundles an edge route (`edge-light` condition, `?module` wasm) and run in Vercel's Edge Runtime
// sandbox, where nothing may compile wasm from bytes (tests/js/helpers/vercel-edge.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startEdgeRoute } from './helpers/vercel-edge.mjs';

const SECRET = 'vercel-edge-test-secret-32-bytes!!';
const ISSUER = 'https://issuer.example';

const ROUTE = `
import { createEdgeGuard } from 'jwtgate/edge';
import { KeySet, Verifier, isReady } from 'jwtgate';

const guard = createEdgeGuard({
  secret: ${JSON.stringify(SECRET)}, algorithms: ['HS256'], issuer: ${JSON.stringify(ISSUER)}, log: false,
  policy: { rules: [{ id: 'read', effect: 'allow', routes: ['GET /api/**'] }], principalId: 'sub' },
});

export async function guarded({ url, authorization }) {
  const auth = await guard(new Request(url, { headers: authorization ? { authorization } : {} }));
  return auth.ok ? Response.json({ principalId: auth.principalId, sub: auth.payload.sub }) : auth.response;
}

/** The token through the wasm code (verify) and through WebCrypto (verifyAsync). */
export async function verifyBoth({ jwks, token, alg }) {
  const verifier = new Verifier({ keys: KeySet.fromJwks(jwks), issuer: ${JSON.stringify(ISSUER)}, algorithms: [alg] });
  const out = { ready: isReady() };
  for (const [name, run] of [['sync', () => verifier.verify(token)], ['async', () => verifier.verifyAsync(token)]]) {
    try { out[name] = { ok: true, sub: (await run()).payload.sub }; } catch (e) { out[name] = { ok: false, code: e.code }; }
  }
  return out;
}`;

/** A value from the sandbox's realm as one of ours (deepEqual compares prototypes). */
const plain = (value) => JSON.parse(JSON.stringify(value));
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (sub) => ({ iss: ISSUER, sub, exp: Math.floor(Date.now() / 1000) + 300 });

function hs256(payload) {
  const input = `${b64({ alg: 'HS256' })}.${b64(payload)}`;
  return `${input}.${crypto.createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

let edge;
before(async () => {
  edge = await startEdgeRoute(ROUTE);
});

test('the route bundles the edge-light entry, and its wasm as a ?module import', () => {
  assert.ok(edge.inputs.includes('src/runtime/edge-light.mjs'), edge.inputs.join(', '));
  assert.ok(!edge.inputs.includes('src/runtime/browser.mjs'), 'the browser entry is not bundled');
  assert.deepEqual(edge.wasmFiles, ['dist/web/jwtgate_bg.wasm']);
  // Nothing else names the file: bundlers ship a `new URL('x.wasm', import.meta.url)` as an asset
  // too (the glue's default path did, and Next.js shipped the wasm twice).
  assert.doesNotMatch(edge.code, /jwtgate_bg\.wasm/);
});

test('the sandbox refuses to compile wasm from bytes, as Vercel Edge does', () => {
  const empty = '[0, 97, 115, 109, 1, 0, 0, 0]'; // "\\0asm", version 1: a valid empty module
  assert.throws(() => edge.runtime.evaluate(`new WebAssembly.Module(new Uint8Array(${empty}))`), /disallowed/);
});

test('the browser build cannot load there: the runtime refuses to compile its wasm from bytes', async () => {
  const browser = await startEdgeRoute("export { init } from 'jwtgate';", { conditions: ['browser', 'module'] });
  assert.ok(browser.inputs.includes('src/runtime/browser.mjs'), browser.inputs.join(', '));
  // A script bundle has no import.meta.url: the default URL cannot be made, which init() reports
  // by rejecting, as any failed load (not by throwing).
  const withoutUrl = browser.route.init();
  await assert.rejects(withoutUrl, /Invalid URL/);
  // The bytes, as the default URL would have fetched them (the sandbox has no files to fetch).
  const bytes = readFileSync(new URL('../../pkg/dist/web/jwtgate_bg.wasm', import.meta.url));
  await assert.rejects(browser.route.init(bytes), /Wasm code generation disallowed/);
});

test('the edge guard answers 200, 401 and 403 on Vercel Edge', async () => {
  const token = hs256(claims('alice'));
  const allowed = await edge.route.guarded({ url: 'https://app.example/api/orders', authorization: `Bearer ${token}` });
  assert.equal(allowed.status, 200);
  assert.deepEqual(plain(await allowed.json()), { principalId: 'alice', sub: 'alice' });

  const missing = await edge.route.guarded({ url: 'https://app.example/api/orders' });
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate'), /^Bearer realm="api"$/);

  const forged = await edge.route.guarded({ url: 'https://app.example/api/orders', authorization: `Bearer ${token.slice(0, -4)}AAAA` });
  assert.equal(forged.status, 401);
  assert.match(forged.headers.get('www-authenticate'), /error="invalid_token"/);

  const denied = await edge.route.guarded({ url: 'https://app.example/admin/users', authorization: `Bearer ${token}` });
  assert.equal(denied.status, 403);
});

for (const alg of ['ES256', 'RS256', 'EdDSA']) {
  test(`${alg}: verify (wasm) and verifyAsync (WebCrypto) agree on Vercel Edge`, async () => {
    const pair = alg === 'ES256' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'RS256' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) : crypto.generateKeyPairSync('ed25519');
    const jwks = JSON.stringify({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg }] });
    const input = `${b64({ alg, kid: 'k1' })}.${b64(claims('bob'))}`;
    const key = alg === 'ES256' ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' } : pair.privateKey;
    const token = `${input}.${crypto.sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), key).toString('base64url')}`;

    const valid = await edge.route.verifyBoth({ jwks, token, alg });
    assert.deepEqual(plain(valid), { ready: true, sync: { ok: true, sub: 'bob' }, async: { ok: true, sub: 'bob' } });

    const tampered = `${b64({ alg, kid: 'k1' })}.${b64(claims('mallory'))}.${token.split('.')[2]}`;
    const refused = await edge.route.verifyBoth({ jwks, token: tampered, alg });
    const failed = { ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' };
    assert.deepEqual(plain(refused), { ready: true, sync: failed, async: failed });
  });
}
