// jwtgate inside real Deno and Bun (their npm packages bring the binaries): an app with the
// package linked into node_modules, as `npm install` (or `deno install`) leaves it. Both resolve
// `jwtgate` with the "node" export condition, so they run the Node entry: signatures are checked
// by their own node:crypto (Deno's is Rust code, Bun's is BoringSSL), or by the wasm code where
// that is faster. Bun runs JavaScriptCore, not V8. Every verdict must equal Node's (and jose's,
// where jose has an opinion), for valid and hostile tokens alike. The browser entry (`init()`
// fetching the .wasm, pure-Rust and WebCrypto verification) runs there too.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { KeySet, Verifier } from '../../pkg/src/runtime/node.mjs';
import { createApp } from './helpers/runtime-app.mjs';
import { FIXTURES } from './helpers/fixtures.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api://orders';
const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const FIXTURE = path.join(FIXTURES, 'powertools-lambda-typescript/apigw-rest_authorizer-request.json');

// Runs in Deno or Bun: every case through `verify` and `verifyAsync` of the entry named on the
// command line, then (Node entry) the edge guard and the Lambda handler. Prints one JSON document.
const APP = `
import { readFileSync } from 'node:fs';
import process from 'node:process';
const [entry, casesFile] = process.argv.slice(2);
const { KeySet, Verifier, init } = await import(entry === 'browser' ? '${pathToUrl(path.join(ROOT, 'pkg/src/runtime/browser.mjs'))}' : 'jwtgate');
await init();
const { keys, cases, now, fixture } = JSON.parse(readFileSync(casesFile, 'utf8'));
const outcome = async (run) => {
  try { return (await run()).payload.sub; } catch (e) { return e.code ?? String(e); }
};
const verdicts = [];
const native = {};
for (const c of cases) {
  const k = keys[c.alg];
  const keySet = k.secret ? KeySet.fromSecret(Uint8Array.from(atob(k.secret), (ch) => ch.charCodeAt(0)), { alg: c.alg }) : KeySet.fromJwks(k.jwks);
  native[c.alg] = keySet.keys[0].native;
  const verifier = new Verifier({ keys: keySet, issuer: '${ISSUER}', audience: '${AUDIENCE}', algorithms: [c.alg], currentDate: new Date(now * 1000) });
  verdicts.push([await outcome(() => verifier.verify(c.token)), await outcome(() => verifier.verifyAsync(c.token))]);
}
const result = { verdicts, native };
if (entry === 'node') {
  const { createEdgeGuard } = await import('jwtgate/edge');
  const { createLambdaAuthorizer } = await import('jwtgate/lambda');
  const policy = { rules: [{ id: 'read', effect: 'allow', routes: ['GET /orders/*', 'POST /lambda-request'], scopes: { anyOf: ['orders:read'] } }] };
  const options = { jwks: keys.ES256.jwks, issuer: '${ISSUER}', audience: '${AUDIENCE}', algorithms: ['ES256'], policy, log: false };
  const guard = createEdgeGuard(options);
  const valid = cases.find((c) => c.alg === 'ES256' && c.kind === 'valid').token;
  const ask = async (url, headers) => {
    const auth = await guard(new Request(url, { headers }));
    return auth.ok ? { status: 200, sub: auth.payload.sub } : { status: auth.response.status, challenge: auth.response.headers.get('www-authenticate') };
  };
  result.edge = [
    await ask('https://api.example/orders/1', { authorization: 'Bearer ' + valid }),
    await ask('https://api.example/admin', { authorization: 'Bearer ' + valid }),
    await ask('https://api.example/orders/1', {}),
  ];
  const handler = createLambdaAuthorizer(options);
  const event = { ...fixture, headers: { ...fixture.headers, Authorization: 'Bearer ' + valid }, multiValueHeaders: { Authorization: ['Bearer ' + valid] } };
  const answer = await handler(event);
  result.lambda = { principalId: answer.principalId, effect: answer.policyDocument.Statement[0].Effect };
  result.refused = await handler({ ...event, headers: {}, multiValueHeaders: {} }).then(() => 'allowed', (e) => e.message);
}
console.log(JSON.stringify(result));
`;

function pathToUrl(file) {
  return new URL(`file://${file}`).href;
}

let cases;
const now = Math.floor(Date.now() / 1000);

/** Keys for every algorithm (jose), as JWKS or a base64 secret. */
async function makeKeys() {
  const keys = {};
  for (const alg of ALGS) {
    if (alg === 'HS256') {
      const secret = crypto.randomBytes(32);
      keys[alg] = { secret: secret.toString('base64'), signingKey: secret };
      continue;
    }
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
    keys[alg] = { jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg }] }, signingKey: privateKey };
  }
  return keys;
}

/** Valid and hostile tokens for every algorithm. */
async function makeCases(keys) {
  const sign = (alg, claims = {}) => new jose.SignJWT({ sub: 'alice', scope: 'orders:read', iss: ISSUER, aud: AUDIENCE, iat: now - 60, exp: now + 600, ...claims })
    .setProtectedHeader({ alg, kid: 'k1' }).sign(keys[alg].signingKey);
  const out = [];
  for (const alg of ALGS) {
    const valid = await sign(alg);
    const [h, p, s] = valid.split('.');
    const sig = Buffer.from(s, 'base64url');
    const flipped = Buffer.from(sig);
    flipped[flipped.length >> 1] ^= 1;
    out.push(
      { alg, kind: 'valid', token: valid },
      { alg, kind: 'signature bit flipped', token: `${h}.${p}.${flipped.toString('base64url')}` },
      { alg, kind: 'signature truncated', token: `${h}.${p}.${sig.subarray(1).toString('base64url')}` },
      { alg, kind: 'payload swapped', token: `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now + 600 })).toString('base64url')}.${s}` },
      { alg, kind: 'expired', token: await sign(alg, { exp: now - 120 }) },
      { alg, kind: 'other audience', token: await sign(alg, { aud: 'api://other' }) },
    );
  }
  // RFC 7518 §3.5: a PSS salt as long as the hash. A 20-byte salt is a valid RSASSA-PSS
  // signature, but not a PS256 one.
  const pss = keys.PS256.signingKey;
  const input = `${Buffer.from(JSON.stringify({ alg: 'PS256', kid: 'k1' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now + 600 })).toString('base64url')}`;
  const shortSalt = crypto.sign('sha256', Buffer.from(input), { key: crypto.KeyObject.from(pss), padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
  out.push({ alg: 'PS256', kind: 'PSS salt of 20 bytes', token: `${input}.${shortSalt.toString('base64url')}` });
  // ECDSA in DER, as OpenSSL writes it, instead of JWS's fixed-length r || s.
  const es = keys.ES256.signingKey;
  const esInput = input.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k1' })).toString('base64url'));
  const der = crypto.sign('sha256', Buffer.from(esInput), crypto.KeyObject.from(es));
  out.push({ alg: 'ES256', kind: 'ECDSA signature in DER', token: `${esInput}.${der.toString('base64url')}` });
  return out;
}

/** The verdicts the same cases get in this Node process (OpenSSL). */
async function nodeVerdicts(keys) {
  const verdicts = [];
  for (const c of cases) {
    const k = keys[c.alg];
    const keySet = k.secret ? KeySet.fromSecret(Buffer.from(k.secret, 'base64'), { alg: c.alg }) : KeySet.fromJwks(k.jwks);
    const verifier = new Verifier({ keys: keySet, issuer: ISSUER, audience: AUDIENCE, algorithms: [c.alg], currentDate: new Date(now * 1000) });
    const outcome = async (run) => {
      try { return (await run()).payload.sub; } catch (e) { return e.code; }
    };
    verdicts.push([await outcome(() => verifier.verify(c.token)), await outcome(() => verifier.verifyAsync(c.token))]);
  }
  return verdicts;
}

/** jose's verdict: accepted or not (its error codes are its own). */
async function joseAccepts(keys, c) {
  const k = keys[c.alg];
  const key = k.secret ? Buffer.from(k.secret, 'base64') : await jose.importJWK(k.jwks.keys[0], c.alg);
  return jose.jwtVerify(c.token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: [c.alg], currentDate: new Date(now * 1000) })
    .then(() => true, () => false);
}

/** Which keys each runtime's node:crypto checks, rather than the wasm code (the faster one there). */
const NATIVE = {
  // Deno implements node:crypto in Rust: only its EdDSA is faster than the wasm code.
  deno: (alg) => alg === 'EdDSA',
  // Bun's node:crypto is BoringSSL: faster than the wasm code for every key, P-384 included.
  bun: (alg) => alg !== 'HS256',
};
const inNode = (alg) => alg !== 'HS256' && alg !== 'ES384';

let keys;
let casesJson;
before(async () => {
  keys = await makeKeys();
  cases = await makeCases(keys);
  const shared = Object.fromEntries(Object.entries(keys).map(([alg, { secret, jwks }]) => [alg, { secret, jwks }]));
  casesJson = JSON.stringify({ keys: shared, cases: cases.map(({ alg, kind, token }) => ({ alg, kind, token })), now, fixture: JSON.parse(readFileSync(FIXTURE, 'utf8')) });
});

test('in Node, every key but P-384 is checked by OpenSSL', () => {
  const native = Object.fromEntries(ALGS.map((alg) => [alg, (keys[alg].secret ? KeySet.fromSecret(Buffer.from(keys[alg].secret, 'base64'), { alg }) : KeySet.fromJwks(keys[alg].jwks)).keys[0].native]));
  assert.deepEqual(native, Object.fromEntries(ALGS.map((alg) => [alg, inNode(alg)])));
});

for (const runtime of Object.keys(NATIVE)) {
  describe(runtime, () => {
    let app;
    let casesFile;
    before(() => {
      app = createApp(runtime, { 'app.mjs': APP, 'resolve.mjs': "console.log(import.meta.resolve('jwtgate'))" });
      casesFile = path.join(app.dir, 'cases.json');
      writeFileSync(casesFile, casesJson);
    });
    after(() => app?.dispose());

    /** Runs the app with the given entry ('node': `jwtgate` as resolved; 'browser'). */
    const runApp = async (entry) => JSON.parse(await app.script('app.mjs', [entry, casesFile]));

    test(`${runtime} resolves the package to the Node entry`, async () => {
      assert.match((await app.script('resolve.mjs')).trim(), /\/pkg\/src\/runtime\/node\.mjs$/);
    });

    for (const entry of ['node', 'browser']) {
      test(`${runtime}, ${entry} entry: every verdict is Node's, and valid tokens alone are accepted as jose accepts them`, async () => {
        const there = await runApp(entry);
        const node = await nodeVerdicts(keys);
        assert.equal(there.verdicts.length, cases.length);
        for (const [i, c] of cases.entries()) {
          const label = `${c.alg} ${c.kind}`;
          assert.deepEqual(there.verdicts[i], node[i], `${label}: ${runtime} [verify, verifyAsync] against Node's`);
          const accepted = c.kind === 'valid';
          assert.equal(there.verdicts[i][0] === 'alice', accepted, `${label}: ${there.verdicts[i][0]}`);
          assert.equal(await joseAccepts(keys, c), accepted, `${label}: jose`);
        }
        const codes = new Set(there.verdicts.flat());
        for (const code of ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWT_EXPIRED', 'ERR_JWT_CLAIM_VALIDATION_FAILED']) assert.ok(codes.has(code), `${code} among ${[...codes]}`);
        // The browser entry has no native backend: the wasm code checks every signature.
        const native = entry === 'node' ? NATIVE[runtime] : () => false;
        assert.deepEqual(there.native, Object.fromEntries(ALGS.map((alg) => [alg, native(alg)])));
      });
    }

    test(`${runtime}: the edge guard and the Lambda handler decide as in Node`, async () => {
      const { edge, lambda, refused } = await runApp('node');
      assert.deepEqual(edge[0], { status: 200, sub: 'alice' });
      assert.equal(edge[1].status, 403);
      assert.match(edge[1].challenge, /error="insufficient_scope"/);
      assert.deepEqual(edge[2], { status: 401, challenge: 'Bearer realm="api"' });
      assert.deepEqual(lambda, { principalId: 'alice', effect: 'Allow' });
      assert.equal(refused, 'Unauthorized');
    });
  });
}
