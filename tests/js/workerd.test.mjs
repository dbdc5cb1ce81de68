// jwtgate inside real workerd (miniflare@3): a worker that imports 'jwtgate' is bundled with
// esbuild exactly as a Workers user would (the package linked into node_modules, "workerd"
// export condition, the .wasm left as a CompiledWasm module), then tokens signed by jose are
// sent to it. Tokens are verified at the real current time, as in production.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startWorker } from './helpers/workerd.mjs';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api://orders';

const WORKER = `
import { KeySet, Verifier, decode, init, isReady, JwtGateError } from 'jwtgate';
/** The outcome of the wasm path and of the WebCrypto path, for comparison. */
async function both(verifier, token) {
  const outcome = async (run) => {
    try { return { ok: true, sub: (await run()).payload.sub }; } catch (e) { return { ok: false, code: e.code }; }
  };
  return { sync: await outcome(() => verifier.verify(token)), webcrypto: await outcome(() => verifier.verifyAsync(token)) };
}
export default {
  async fetch(request) {
    const { action, token, jwks, options } = await request.json();
    await init(); // a no-op in workerd, but isomorphic code calls it
    try {
      if (action === 'decode') return Response.json({ ok: true, ...decode(token) });
      const verifier = new Verifier({ keys: KeySet.fromJwks(jwks), ...options });
      if (action === 'both') return Response.json(await both(verifier, token));
      const { header, payload } = verifier.verify(token);
      return Response.json({ ok: true, header, payload, ready: isReady(), ua: navigator.userAgent });
    } catch (e) {
      return Response.json({ ok: false, code: e.code, name: e.name, isJwtGateError: e instanceof JwtGateError, message: e.message });
    }
  },
};`;

let worker, mf;
const keys = {}; // alg -> { privateKey, jwks }

before(async () => {
  worker = await startWorker(WORKER);
  mf = worker.mf;
  assert.deepEqual(worker.wasmFiles, ['jwtgate_bg.wasm'], 'the workerd entry imports the wasm');

  for (const alg of ['ES256', 'RS256']) {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: `${alg}-1`, alg, use: 'sig' };
    keys[alg] = { privateKey, jwks: { keys: [jwk] } };
  }
});

after(async () => {
  await worker?.dispose();
});

/** A token signed by jose; `exp` is seconds relative to now. */
function sign(alg, { exp = 3600, claims = { sub: 'alice', scope: 'orders:read' } } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new jose.SignJWT(claims).setProtectedHeader({ alg, kid: `${alg}-1`, typ: 'JWT' })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now - 60).setExpirationTime(now + exp)
    .sign(keys[alg].privateKey);
}

/** Posts a request to the worker and returns its JSON answer. */
async function ask(body) {
  const res = await mf.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

const verify = (alg, token) => ask({
  action: 'verify', token, jwks: keys[alg].jwks,
  options: { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], clockTolerance: 30 },
});

for (const alg of ['ES256', 'RS256']) {
  test(`a valid ${alg} token verifies in workerd`, async () => {
    const answer = await verify(alg, await sign(alg));
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.ua, 'Cloudflare-Workers', 'running in workerd');
    assert.equal(answer.ready, true);
    assert.deepEqual(answer.header, { alg, kid: `${alg}-1`, typ: 'JWT' });
    assert.equal(answer.payload.sub, 'alice');
    assert.equal(answer.payload.iss, ISSUER);
    assert.equal(answer.payload.aud, AUDIENCE);
  });
}

test('an expired token gives ERR_JWT_EXPIRED', async () => {
  const answer = await verify('ES256', await sign('ES256', { exp: -3600 }));
  assert.deepEqual(
    { ok: answer.ok, code: answer.code, name: answer.name, isJwtGateError: answer.isJwtGateError },
    { ok: false, code: 'ERR_JWT_EXPIRED', name: 'JwtGateError', isJwtGateError: true },
  );
});

test('a tampered signature gives ERR_JWS_SIGNATURE_VERIFICATION_FAILED', async () => {
  const [h, p, s] = (await sign('RS256')).split('.');
  const flipped = (s[5] === 'A' ? 'B' : 'A');
  const answer = await verify('RS256', [h, p, s.slice(0, 5) + flipped + s.slice(6)].join('.'));
  assert.equal(answer.ok, false);
  assert.equal(answer.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', answer.message);
});

test('verifyAsync (WebCrypto) agrees with verify (wasm) for every algorithm, good and bad tokens', async () => {
  for (const alg of ['HS256', 'HS512', 'RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    const secret = alg.startsWith('HS') && jose.base64url.encode(crypto.getRandomValues(new Uint8Array(64)));
    let signKey, jwk;
    if (secret) {
      signKey = jose.base64url.decode(secret);
      jwk = { kty: 'oct', k: secret, kid: 'k' };
    } else {
      const pair = await jose.generateKeyPair(alg, { extractable: true });
      signKey = pair.privateKey;
      jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k' };
    }
    const sign = (exp = '5m') => new jose.SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' })
      .setProtectedHeader({ alg, kid: 'k' }).setIssuedAt().setExpirationTime(exp).sign(signKey);
    const good = await sign();
    const [h, p, sig] = good.split('.');
    const bytes = jose.base64url.decode(sig);
    bytes[0] ^= 1;
    const cases = {
      good: [good, { ok: true, sub: 'alice' }],
      tampered: [`${h}.${p}.${jose.base64url.encode(bytes)}`, { ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }],
      forged: [`${h}.${jose.base64url.encode(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'root', exp: 4e9 }))}.${sig}`, { ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }],
      expired: [await sign(Math.floor(Date.now() / 1000) - 60), { ok: false, code: 'ERR_JWT_EXPIRED' }],
      'wrong length': [`${h}.${p}.${sig.slice(0, 20)}`, { ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }],
    };
    for (const [name, [token, expected]] of Object.entries(cases)) {
      const out = await ask({ action: 'both', token, jwks: { keys: [jwk] }, options: { issuer: ISSUER, audience: AUDIENCE } });
      assert.deepEqual(out, { sync: expected, webcrypto: expected }, `${alg} ${name}`);
    }
  }
});

test('decode() works in workerd and returns warnings', async () => {
  const token = await new jose.SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 100).sign(new Uint8Array(32).fill(7));
  const answer = await ask({ action: 'decode', token });
  assert.equal(answer.ok, true, JSON.stringify(answer));
  assert.deepEqual(answer.header, { alg: 'HS256' });
  assert.equal(answer.payload.sub, 'bob');
  assert.equal(answer.signatureBytes, 32);
  const codes = answer.warnings.map((w) => w.code);
  for (const code of ['ALG_SYMMETRIC', 'NO_ISS_OR_AUD', 'EXPIRED']) assert.ok(codes.includes(code), `${code} in ${codes}`);
  assert.ok(answer.warnings.every((w) => ['high', 'medium', 'low'].includes(w.severity) && w.message));
});

test('errors do not break the instance: a good token verifies after many bad ones', async () => {
  const good = await sign('ES256');
  const bad = [
    await sign('ES256', { exp: -3600 }), good.slice(0, -4) + 'AAAA', 'not.a.jwt', '', 'a.b', good + '.x',
    await sign('RS256'), // right shape, key not in the set
  ];
  for (let round = 0; round < 5; round += 1) {
    for (const token of bad) {
      const answer = await verify('ES256', token);
      assert.equal(answer.ok, false, `accepted ${token}`);
      assert.match(answer.code, /^ERR_/, JSON.stringify(answer));
    }
  }
  const answer = await verify('ES256', good);
  assert.equal(answer.ok, true, JSON.stringify(answer));
  assert.equal(answer.payload.sub, 'alice');
});
