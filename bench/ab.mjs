#!/usr/bin/env node
// A/B of two or more builds of the package in one Node process: is a change faster? Differences
// of a few percent are below the noise of separate runs; here the builds' batches are
// interleaved round by round (in turn forwards and backwards), and each build's figure is the
// median over rounds of its time over the first build's time in the same round.
//
//   cp -r pkg /tmp/before            # the build to compare against
//   (change, scripts/build.sh)
//   node bench/ab.mjs /tmp/before pkg [--alg=ES256] [--handler] [--rounds=40]
//
// Default: `Verifier.verify` of 500 distinct Cognito-like tokens (RS256, PS256, ES256, ES384,
// EdDSA or HS256). `--handler`: the Lambda handler (`createLambdaAuthorizer`) deciding the REST
// REQUEST fixture carrying those tokens, against the same build's `verify` (the "handler /
// verify" ratio of the benchmark), per build.
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const builds = args.filter((a) => !a.startsWith('--'));
const ALG = option('alg', 'ES256');
const ROUNDS = Number(option('rounds', 40));
const HANDLER = args.includes('--handler');
if (builds.length < 2) {
  console.error('usage: node bench/ab.mjs <package dir A> <package dir B> [...] [--alg=ES256] [--handler] [--rounds=40]');
  process.exit(2);
}

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_bT7xQ2mZk';
const CLIENT_ID = '5r1gkq0d7lq4hbd3n8v2tm6o9c';
const FIXTURE = path.resolve(import.meta.dirname, '../../shared/fixtures/apigw/powertools-lambda-typescript/apigw-rest_authorizer-request.json');
const POLICY = {
  rules: [{ id: 'orders', effect: 'allow', routes: ['POST /lambda-request'], scopes: { anyOf: ['orders.write'] }, when: [{ claim: 'cognito:groups', containsAny: ['orders'] }] }],
  principalId: 'sub',
  context: { userId: 'sub', groups: 'cognito:groups' },
};

/** Key material and a signer for `alg`, with node:crypto. */
function signer(alg) {
  if (alg === 'HS256') {
    const secret = crypto.randomBytes(32);
    return { keys: { secret }, sign: (input) => crypto.createHmac('sha256', secret).update(input).digest() };
  }
  const pair = alg === 'EdDSA' ? crypto.generateKeyPairSync('ed25519')
    : alg.startsWith('ES') ? crypto.generateKeyPairSync('ec', { namedCurve: alg === 'ES384' ? 'P-384' : 'P-256' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = alg.startsWith('ES') ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }
    : alg.startsWith('PS') ? { key: pair.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : pair.privateKey;
  const hash = alg === 'EdDSA' ? null : alg === 'ES384' ? 'sha384' : 'sha256';
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg, use: 'sig' };
  return { keys: { jwks: { keys: [jwk] } }, sign: (input) => crypto.sign(hash, Buffer.from(input), key) };
}

const { keys, sign } = signer(ALG);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const tokens = Array.from({ length: 500 }, (_, i) => {
  const claims = {
    sub: crypto.randomUUID(), 'cognito:groups': ['orders', 'admin'], iss: ISSUER, client_id: CLIENT_ID, aud: CLIENT_ID,
    token_use: 'access', scope: 'openid orders.read orders.write', auth_time: now, exp: now + 86400, iat: now,
    jti: crypto.randomUUID(), username: `user${i}`,
  };
  const input = `${b64(keys.secret ? { alg: ALG } : { alg: ALG, kid: 'k1' })}.${b64(claims)}`;
  return `${input}.${sign(input).toString('base64url')}`;
});
const fixture = HANDLER && JSON.parse(readFileSync(FIXTURE, 'utf8'));
const events = HANDLER && tokens.map((t) => ({ ...fixture, headers: { ...fixture.headers, Authorization: `Bearer ${t}` } }));

const subjects = [];
for (const dir of builds) {
  const src = path.resolve(dir, 'src');
  // The entry points' places before and after pkg/src/ was sorted into folders by role.
  const at = (folder, name) => [path.join(src, folder, name), path.join(src, name)].find((file) => existsSync(file));
  if (!at('runtime', 'node.mjs')) throw new Error(`${dir}: not a package directory (no src/runtime/node.mjs)`);
  const { KeySet, Verifier } = await import(pathToFileURL(at('runtime', 'node.mjs')));
  const keySet = keys.secret ? KeySet.fromSecret(keys.secret, { alg: ALG }) : KeySet.fromJwks(keys.jwks);
  const verifier = new Verifier({ keys: keySet, issuer: ISSUER, audience: CLIENT_ID, algorithms: [ALG] });
  const subject = { dir, verify: (t) => verifier.verify(t) };
  if (HANDLER) {
    const { createLambdaAuthorizer } = await import(pathToFileURL(at('adapters', 'lambda.mjs')));
    subject.handler = createLambdaAuthorizer({ ...keys, algorithms: [ALG], issuer: ISSUER, audience: CLIENT_ID, policy: POLICY, log: false });
    const answer = await subject.handler(events[0]);
    if (answer.policyDocument?.Statement?.[0]?.Effect !== 'Allow') throw new Error(`${dir}: the handler does not allow: ${JSON.stringify(answer)}`);
  }
  if (subject.verify(tokens[0]).payload.jti === undefined) throw new Error(`${dir}: verify returned no payload`);
  subjects.push(subject);
}

/** µs per call of `fn` over `inputs`, `n` calls; a synchronous loop for a synchronous `fn`. */
function batch(fn, inputs, n, isAsync) {
  return isAsync ? batchAsync(fn, inputs, n) : batchSync(fn, inputs, n);
}

function batchSync(fn, inputs, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(inputs[i % inputs.length]);
  return ((performance.now() - t0) * 1000) / n;
}

async function batchAsync(fn, inputs, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(inputs[i % inputs.length]);
  return ((performance.now() - t0) * 1000) / n;
}

// Batches of about 50 ms, sized from the first build after a warm-up of every build.
const variants = subjects.flatMap((s) => [
  { s, name: 'verify', fn: s.verify, inputs: tokens, isAsync: false, times: [] },
  ...(HANDLER ? [{ s, name: 'handler', fn: s.handler, inputs: events, isAsync: true, times: [] }] : []),
]);
for (const v of variants) await batch(v.fn, v.inputs, 200, v.isAsync);
for (const v of variants) v.n = Math.max(10, Math.round(50_000 / (await batch(v.fn, v.inputs, 200, v.isAsync))));
for (let round = 0; round < ROUNDS; round++) {
  for (const v of round % 2 ? [...variants].reverse() : variants) v.times.push(await batch(v.fn, v.inputs, v.n, v.isAsync));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const paired = (a, b) => median(a.times.map((t, round) => t / b.times[round]));
console.log(`${ALG}, ${ROUNDS} rounds; ratios are medians of per-round ratios`);
for (const name of HANDLER ? ['verify', 'handler'] : ['verify']) {
  const rows = variants.filter((v) => v.name === name);
  for (const v of rows) {
    console.log(`${name.padEnd(8)} ${v.s.dir.padEnd(24)} ${median(v.times).toFixed(2).padStart(8)} µs  ×${paired(v, rows[0]).toFixed(3)} of ${rows[0].s.dir}`);
  }
}
if (HANDLER) {
  for (const s of subjects) {
    const [verify, handler] = variants.filter((v) => v.s === s);
    console.log(`handler / verify  ${s.dir.padEnd(24)} ${paired(handler, verify).toFixed(2)}×`);
  }
}
