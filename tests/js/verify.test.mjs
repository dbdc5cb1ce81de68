// jwtgate against jose, in Node: tokens signed by jose verify for every algorithm, and each
// failure class gives the same error code (and claim/reason) as jose's jwtVerify.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { KeySet, Verifier, decode, JwtGateError } from '../../pkg/src/runtime/node.mjs';

const NOW = 1_800_000_000;
const currentDate = new Date(NOW * 1000);
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api://orders';
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SYMMETRIC = { HS256: 32, HS384: 48, HS512: 64 };

/** Per algorithm: how jose signs and verifies, and the jwtgate key sets for it. */
const fixtures = {};

async function makeFixture(alg) {
  if (alg in SYMMETRIC) {
    const secret = randomBytes(SYMMETRIC[alg]);
    const jwk = { kty: 'oct', k: jose.base64url.encode(secret), kid: 'k1' };
    return { alg, signKey: secret, joseKey: secret, jwks: { keys: [jwk] }, jwk, secret };
  }
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', use: 'sig' };
  const jwks = { keys: [jwk] };
  return {
    alg, signKey: privateKey, joseKey: jose.createLocalJWKSet(jwks), jwks, jwk, pem: await jose.exportSPKI(publicKey),
  };
}

before(async () => {
  for (const alg of [...Object.keys(SYMMETRIC), ...ASYMMETRIC]) fixtures[alg] = await makeFixture(alg);
});

const baseClaims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: NOW - 10, exp: NOW + 600, scope: 'orders:read' });

function sign(fx, { claims = baseClaims(), header = {}, signOptions } = {}) {
  return new jose.SignJWT(claims).setProtectedHeader({ alg: fx.alg, kid: 'k1', ...header }).sign(fx.signKey, signOptions);
}

const standardOptions = { issuer: ISSUER, audience: AUDIENCE, currentDate };

/** The outcome of jose.jwtVerify as { ok, code, claim, reason }. */
async function joseOutcome(token, key, options) {
  try {
    await jose.jwtVerify(token, key, options);
    return { ok: true };
  } catch (e) {
    return { ok: false, code: e.code, claim: e.claim, reason: e.reason };
  }
}

function gateOutcome(token, keys, options) {
  try {
    new Verifier({ keys, ...options }).verify(token);
    return { ok: true };
  } catch (e) {
    assert.ok(e instanceof JwtGateError, `not a JwtGateError: ${e}`);
    assert.ok(e.message.length > 0);
    return { ok: false, code: e.code, claim: e.claim, reason: e.reason };
  }
}

async function assertSameAsJose(fx, token, options, keys = KeySet.fromJwks(fx.jwks)) {
  const expected = await joseOutcome(token, fx.joseKey, options);
  assert.equal(expected.ok, false, 'the case must make jose fail, or it tests nothing');
  assert.deepEqual(gateOutcome(token, keys, options), expected);
  return expected.code;
}

describe('tokens signed by jose verify', () => {
  for (const alg of [...Object.keys(SYMMETRIC), ...ASYMMETRIC]) {
    test(alg, async () => {
      const fx = fixtures[alg];
      const token = await sign(fx);
      const sets = [['JWKS', KeySet.fromJwks(fx.jwks)], ['JWK', KeySet.fromJwk(fx.jwk)]];
      sets.push(fx.secret ? ['secret', KeySet.fromSecret(fx.secret, { alg })] : ['PEM', KeySet.fromPem(fx.pem, { alg })]);
      for (const [how, keys] of sets) {
        const { payload, header } = new Verifier({ keys, ...standardOptions, algorithms: [alg] }).verify(token);
        assert.equal(payload.sub, 'alice', how);
        assert.equal(header.alg, alg, how);
      }
      assert.equal((await jose.jwtVerify(token, fx.joseKey, standardOptions)).payload.sub, 'alice');
    });
  }
});

describe('each failure class gives jose\'s code', () => {
  // A representative of each key family; every case runs for each.
  for (const alg of ['HS256', 'RS256', 'PS384', 'ES256', 'ES512', 'EdDSA']) {
    describe(alg, () => {
      const claims = (patch) => ({ ...baseClaims(), ...patch });
      const cases = {
        expired: { claims: claims({ exp: NOW - 100 }), code: 'ERR_JWT_EXPIRED' },
        'not yet valid': { claims: claims({ nbf: NOW + 1000 }), code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'wrong issuer': { claims: claims({ iss: `${ISSUER}/` }), code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'wrong audience': { claims: claims({ aud: ['api://other'] }), code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'wrong subject': { options: { subject: 'bob' }, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'wrong typ': { header: { typ: 'JWT' }, options: { typ: 'at+jwt' }, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'too old': { claims: claims({ iat: NOW - 7200 }), options: { maxTokenAge: '1h' }, code: 'ERR_JWT_EXPIRED' },
        'iat missing with maxTokenAge': { claims: claims({ iat: undefined }), options: { maxTokenAge: 60 }, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'missing required claim': { options: { requiredClaims: ['jti'] }, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'exp of the wrong type': { claims: claims({ exp: String(NOW + 600) }), code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
        'alg not allowed': { options: { algorithms: [alg === 'HS256' ? 'HS512' : 'HS256'] }, code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
        'unknown kid': { header: { kid: 'rotated-away' }, code: 'ERR_JWKS_NO_MATCHING_KEY', asymmetricOnly: true },
        'crit extension not understood': {
          header: { crit: ['urn:example:ext'], 'urn:example:ext': 1 },
          signOptions: { crit: { 'urn:example:ext': true } },
          code: 'ERR_JOSE_NOT_SUPPORTED',
        },
      };
      for (const [name, c] of Object.entries(cases)) {
        test(name, { skip: c.asymmetricOnly && alg.startsWith('HS') && 'jose has no JWKS for secrets' }, async () => {
          const fx = fixtures[alg];
          const token = await sign(fx, c);
          const code = await assertSameAsJose(fx, token, { ...standardOptions, ...c.options });
          assert.equal(code, c.code);
        });
      }

      test('tampered payload', async () => {
        const fx = fixtures[alg];
        const [h, , s] = (await sign(fx)).split('.');
        const forged = jose.base64url.encode(JSON.stringify({ ...baseClaims(), sub: 'admin' }));
        assert.equal(await assertSameAsJose(fx, `${h}.${forged}.${s}`, standardOptions), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      });

      test('tampered signature', async () => {
        const fx = fixtures[alg];
        const [h, p, s] = (await sign(fx)).split('.');
        const bytes = jose.base64url.decode(s);
        bytes[bytes.length >> 1] ^= 0x01;
        const token = `${h}.${p}.${jose.base64url.encode(bytes)}`;
        assert.equal(await assertSameAsJose(fx, token, standardOptions), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      });

      test('alg none, in any case, is never accepted', async () => {
        const fx = fixtures[alg];
        for (const none of ['none', 'None', 'NONE']) {
          const header = jose.base64url.encode(JSON.stringify({ alg: none }));
          const payload = jose.base64url.encode(JSON.stringify(baseClaims()));
          for (const token of [`${header}.${payload}.`, `${header}.${payload}.${payload}`]) {
            assert.equal(await assertSameAsJose(fx, token, { ...standardOptions, algorithms: [alg] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
            // Without an algorithms list jose fails differently (a TypeError); jwtgate still refuses.
            assert.equal(gateOutcome(token, KeySet.fromJwks(fx.jwks), standardOptions).code, 'ERR_JOSE_ALG_NOT_ALLOWED');
          }
        }
      });
    });
  }
});

describe('key confusion', () => {
  test('HS256 signed with the RSA public key as secret', async () => {
    const fx = fixtures.RS256;
    const token = await new jose.SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(fx.pem));
    const options = { ...standardOptions, algorithms: ['RS256'] };
    assert.equal(await assertSameAsJose(fx, token, options), 'ERR_JOSE_ALG_NOT_ALLOWED');
    // With no algorithms list, the RSA key still cannot verify HS256.
    assert.equal(gateOutcome(token, KeySet.fromJwks(fx.jwks), standardOptions).code, 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(gateOutcome(token, KeySet.fromPem(fx.pem, { alg: 'RS256' }), standardOptions).code, 'ERR_JWKS_NO_MATCHING_KEY');
  });

  test('a key embedded in the header is never trusted', async () => {
    const attacker = await jose.generateKeyPair('ES256', { extractable: true });
    const jwk = await jose.exportJWK(attacker.publicKey);
    const token = await new jose.SignJWT(baseClaims()).setProtectedHeader({ alg: 'ES256', jwk, jku: 'https://evil.example/jwks' })
      .sign(attacker.privateKey);
    const outcome = gateOutcome(token, KeySet.fromJwks(fixtures.ES256.jwks), standardOptions);
    assert.equal(outcome.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });
});

describe('jwtgate defaults and options', () => {
  test('exp is required by default, like jose with requiredClaims: ["exp"]', async () => {
    const fx = fixtures.ES256;
    const token = await sign(fx, { claims: { ...baseClaims(), exp: undefined } });
    const expected = await joseOutcome(token, fx.joseKey, { ...standardOptions, requiredClaims: ['exp'] });
    assert.deepEqual(gateOutcome(token, KeySet.fromJwks(fx.jwks), standardOptions), expected);
    assert.deepEqual(gateOutcome(token, KeySet.fromJwks(fx.jwks), { ...standardOptions, requireExpiration: false }), { ok: true });
  });

  test('clockTolerance and currentDate per call', async () => {
    const fx = fixtures.EdDSA;
    const token = await sign(fx, { claims: { ...baseClaims(), exp: NOW - 20 } });
    const verifier = new Verifier({ keys: KeySet.fromJwks(fx.jwks), ...standardOptions, clockTolerance: '30s' });
    assert.equal(verifier.verify(token).payload.sub, 'alice');
    assert.throws(() => verifier.verify(token, { currentDate: new Date((NOW + 60) * 1000) }), { code: 'ERR_JWT_EXPIRED', claim: 'exp' });
  });

  test('tokens over maxTokenLength are refused before decoding', () => {
    const keys = KeySet.fromJwks(fixtures.ES256.jwks);
    const huge = `${'a'.repeat(20_000)}.b.c`;
    assert.throws(() => new Verifier({ keys, ...standardOptions }).verify(huge), (e) => e.code === 'ERR_JWS_INVALID' && /16384/.test(e.message));
  });

  test('bad options and keys fail at construction, naming the field', () => {
    const keys = KeySet.fromJwks(fixtures.ES256.jwks);
    assert.throws(() => new Verifier({ keys, audiance: 'x' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'audiance' });
    assert.throws(() => new Verifier({ keys, algorithms: ['none'] }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'algorithms' });
    assert.throws(() => new Verifier({ keys, clockTolerance: 'soon' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'clockTolerance' });
    assert.throws(() => new Verifier({ issuer: 'x' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'keys' });
    assert.throws(() => KeySet.fromSecret('too-short', { alg: 'HS256' }), { code: 'ERR_JWK_INVALID' });
    assert.throws(() => KeySet.fromJwks({ nope: [] }), { code: 'ERR_JWKS_INVALID' });
    assert.throws(() => KeySet.fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', { alg: 'RS256' }), { code: 'ERR_JWK_INVALID' });
  });

  test('unusable JWKS members are skipped, not fatal', () => {
    const good = fixtures.ES256.jwk;
    const keys = KeySet.fromJwks({ keys: [{ ...good, kid: 'enc', use: 'enc' }, { kty: 'OKP', crv: 'X25519', x: 'AA' }, good] });
    assert.equal(keys.keys.length, 1);
    assert.deepEqual(keys.skipped.map((s) => s.index), [0, 1]);
  });
});

describe('Cognito tokens', () => {
  test('clientId checks client_id (access tokens) or aud (ID tokens); tokenUse checks token_use', async () => {
    const fx = fixtures.RS256;
    const keys = KeySet.fromJwks(fx.jwks);
    const base = { iss: ISSUER, sub: 'alice', iat: NOW - 10, exp: NOW + 600 };
    const access = await sign(fx, { claims: { ...base, client_id: '7pl1abc', token_use: 'access', scope: 'pets/read' } });
    const id = await sign(fx, { claims: { ...base, aud: '7pl1abc', token_use: 'id' } });
    const verify = (token, options) => gateOutcome(token, keys, { issuer: ISSUER, currentDate, ...options });
    assert.deepEqual(verify(access, { clientId: '7pl1abc', tokenUse: 'access' }), { ok: true });
    assert.deepEqual(verify(id, { clientId: ['other', '7pl1abc'], tokenUse: 'id' }), { ok: true });
    assert.equal(verify(access, { clientId: 'other' }).claim, 'client_id');
    assert.equal(verify(id, { clientId: '7pl1abc', tokenUse: 'access' }).claim, 'token_use');
    // What `audience` does with an access token, as in jose: there is no `aud` to match.
    assert.deepEqual(verify(access, { audience: '7pl1abc' }), { ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud', reason: 'missing' });
  });
});

describe('secrets stay secret', () => {
  test('never in errors, key descriptions or log lines', async () => {
    const secret = 'Sup3r-Secr3t-Value-that-must-not-leak-0123456789';
    const short = 'tiny-secret-value';
    const texts = [];
    try { KeySet.fromSecret(short, { alg: 'HS256' }); } catch (e) { texts.push(e.message, JSON.stringify(e)); }
    const keys = KeySet.fromSecret(secret, { alg: 'HS384', kid: 'k' });
    texts.push(JSON.stringify(keys.keys));
    const { Authorizer } = await import('../../pkg/src/adapters/lambda.mjs');
    const lines = [];
    const authorizer = new Authorizer({ secret, algorithms: ['HS256'], log: (line) => lines.push(JSON.stringify(line)) });
    const token = await new jose.SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    const forged = await new jose.SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(`${secret}!`));
    for (const t of [token, forged, 'garbage']) {
      const result = await authorizer.authorize({ token: t });
      texts.push(result.error?.message ?? '');
    }
    texts.push(...lines);
    for (const text of texts) {
      for (const value of [secret, short, jose.base64url.encode(secret), Buffer.from(secret).toString('hex')]) {
        assert.ok(!text.includes(value), `leaked in: ${text}`);
      }
      assert.ok(!text.includes(token.split('.')[2]), 'no token signature in errors or logs');
    }
    assert.equal(lines.length, 3);
  });
});

describe('verified-token cache', () => {
  test('a repeat verification returns the same frozen result, only while the token is valid', async () => {
    const fx = fixtures.ES256;
    const token = await sign(fx, { claims: { ...baseClaims(), nbf: NOW - 5, exp: NOW + 60 } });
    const verifier = new Verifier({ keys: KeySet.fromJwks(fx.jwks), ...standardOptions, cache: { max: 2 } });
    const first = verifier.verify(token);
    assert.equal(verifier.verify(token), first);
    assert.ok(Object.isFrozen(first.payload));
    const at = (s) => ({ currentDate: new Date(s * 1000) });
    assert.throws(() => verifier.verify(token, at(NOW + 60)), { code: 'ERR_JWT_EXPIRED' });
    assert.throws(() => verifier.verify(token, at(NOW - 10)), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' });
    assert.equal(verifier.verify(token, at(NOW + 59)).payload.sub, 'alice');
  });

  test('failures are never cached, and maxTokenAge bounds entries', async () => {
    const fx = fixtures.HS256;
    const good = await sign(fx, { claims: { ...baseClaims(), iat: NOW - 50 } });
    const [h, p, sig] = good.split('.');
    const tampered = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BA' : 'AA'}`;
    const verifier = new Verifier({ keys: KeySet.fromJwks(fx.jwks), ...standardOptions, maxTokenAge: 60, cache: true });
    for (let i = 0; i < 3; i += 1) assert.throws(() => verifier.verify(tampered), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    verifier.verify(good);
    assert.throws(() => verifier.verify(good, { currentDate: new Date((NOW + 11) * 1000) }), { code: 'ERR_JWT_EXPIRED', claim: 'iat' });
  });

  test('fractional claims and options: a hit is accepted exactly when a fresh verification is', async () => {
    const fx = fixtures.HS256;
    const keys = KeySet.fromJwks(fx.jwks);
    const at = (s) => ({ currentDate: new Date(s * 1000) });
    const outcome = (verifier, token, s) => {
      try {
        return verifier.verify(token, at(s)).payload.sub;
      } catch (e) {
        return e.code;
      }
    };
    // Each bound falls half-way between two whole seconds: valid from NOW + 1 to NOW + 10.
    const cases = [
      [{ iat: NOW + 0.5 }, { maxTokenAge: 10 }],
      [{ iat: NOW + 1 }, { maxTokenAge: 9.5 }],
      [{ iat: NOW + 1 }, { maxTokenAge: 9, clockTolerance: 0.5 }],
      [{ nbf: NOW + 0.5, exp: NOW + 10.5 }, {}],
    ];
    for (const [claims, options] of cases) {
      const token = await sign(fx, { claims: { ...baseClaims(), iat: NOW, ...claims } });
      const fresh = new Verifier({ keys, ...standardOptions, ...options });
      for (let s = NOW - 1; s <= NOW + 12; s += 1) {
        const cached = new Verifier({ keys, ...standardOptions, ...options, cache: true });
        assert.equal(cached.verify(token, at(NOW + 5)).payload.sub, 'alice');
        const label = `${JSON.stringify(claims)} ${JSON.stringify(options)} at NOW + ${s - NOW}`;
        const fromRust = outcome(fresh, token, s);
        assert.equal(fromRust === 'alice', s >= NOW + 1 && s <= NOW + 10, `fresh: ${label}`);
        assert.equal(outcome(cached, token, s), fromRust, `cached: ${label}`);
      }
    }
  });

  test('random claims, options and times: a hit is accepted exactly when a fresh verification is', async () => {
    // The cache keeps a result for the window of seconds Rust computes (`Verified::window`);
    // this checks the window where it matters: a hit that a fresh verification would refuse (a
    // narrower window only misses, and Rust then decides). Values on a quarter-second grid
    // around the bounds.
    const keys = KeySet.fromJwks(fixtures.HS256.jwks);
    let seed = 11;
    const random = (n) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return Math.floor(seed / 2 ** 16) % n; };
    const quarter = (from, span) => from + random(span * 4) / 4;
    const outcome = (verifier, token, s) => {
      try {
        return verifier.verify(token, { currentDate: new Date(s * 1000) }).payload.sub;
      } catch (e) {
        return e.code;
      }
    };
    let hits = 0;
    let misses = 0;
    for (let i = 0; i < 200; i++) {
      const claims = { ...baseClaims(), iat: quarter(NOW - 4, 8), exp: quarter(NOW - 2, 12) };
      if (random(3) === 0) delete claims.iat;
      if (random(2) === 0) claims.nbf = quarter(NOW - 4, 8);
      const options = {};
      if (random(2) === 0) options.maxTokenAge = quarter(0, 8);
      if (random(2) === 0) options.clockTolerance = quarter(0, 2);
      const token = await sign(fixtures.HS256, { claims });
      const fresh = new Verifier({ keys, ...standardOptions, ...options });
      const times = Array.from({ length: 16 }, () => quarter(NOW - 6, 16));
      const primedAt = times.find((s) => outcome(fresh, token, s) === 'alice');
      if (primedAt === undefined) continue; // never valid at these times: nothing to cache
      for (const s of times) {
        const cached = new Verifier({ keys, ...standardOptions, ...options, cache: true });
        cached.verify(token, { currentDate: new Date(primedAt * 1000) });
        const expected = outcome(fresh, token, s);
        if (expected === 'alice') hits += 1; else misses += 1;
        assert.equal(outcome(cached, token, s), expected, `${JSON.stringify({ claims, options })} primed at ${primedAt - NOW}, at ${s - NOW}`);
      }
    }
    // Both sides of the bounds were reached, often.
    assert.ok(hits > 200 && misses > 200, `${hits} accepted, ${misses} refused`);
  });

  test('bad cache options fail at construction', () => {
    assert.throws(() => new Verifier({ keys: KeySet.fromJwks(fixtures.ES256.jwks), cache: { max: 0 } }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'cache' });
  });
});

describe('decode', () => {
  test('returns header, payload and warnings without verifying', async () => {
    const token = await sign(fixtures.HS256, { claims: { sub: 'x', iat: NOW, exp: NOW + 3 * 86_400 }, header: { jku: 'https://evil.example' } });
    const { header, payload, warnings } = decode(token, { currentDate });
    assert.equal(header.jku, 'https://evil.example');
    assert.equal(payload.sub, 'x');
    const codes = warnings.map((w) => w.code);
    for (const code of ['KEY_URL_IN_HEADER', 'LONG_LIFETIME', 'ALG_SYMMETRIC']) assert.ok(codes.includes(code), code);
  });

  test('malformed input is explained', () => {
    assert.throws(() => decode('eyJhbGciOiJIUzI1NiJ9.e+30.'), (e) => e.code === 'ERR_JWT_INVALID' && /segment 2.*offset 1/.test(e.message));
    assert.throws(() => decode('a.b.c.d.e'), (e) => e.code === 'ERR_JWS_INVALID' && /JWE/.test(e.message));
  });
});
