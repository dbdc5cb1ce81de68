#!/usr/bin/env node
// A/B of the pure-wasm verification (what browsers and workerd's synchronous `verify` run: the
// wasm's own RSA, ECDSA, EdDSA and HMAC code, no native backend installed) of two or more builds
// of the package, in one Node process, batches interleaved round by round as in bench/ab.mjs:
// each build's figure is the median over rounds of its time over the first build's.
//
//   cp -r pkg /tmp/before            # the build to compare against
//   (change, scripts/build.sh)
//   node bench/ab-pure.mjs /tmp/before pkg [--algs=RS256,ES256,ES384,EdDSA,HS256] [--rounds=15]
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const builds = args.filter((a) => !a.startsWith('--'));
const ALGS = option('algs', 'RS256,ES256,ES384,EdDSA,HS256').split(',');
const ROUNDS = Number(option('rounds', 15));
if (builds.length < 2) {
  console.error('usage: node bench/ab-pure.mjs <package dir A> <package dir B> [...] [--algs=RS256,ES256] [--rounds=15]');
  process.exit(2);
}
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_bT7xQ2mZk';
const CLIENT_ID = '5r1gkq0d7lq4hbd3n8v2tm6o9c';

function signer(alg) {
  if (alg.startsWith('HS')) {
    const secret = crypto.randomBytes(32);
    return { secret, sign: (input) => crypto.createHmac('sha256', secret).update(input).digest() };
  }
  const pair = alg === 'EdDSA' ? crypto.generateKeyPairSync('ed25519')
    : alg.startsWith('ES') ? crypto.generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg] })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = alg.startsWith('ES') ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }
    : alg.startsWith('PS') ? { key: pair.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : pair.privateKey;
  const hash = alg === 'EdDSA' ? null : { ES384: 'sha384', ES512: 'sha512' }[alg] ?? 'sha256';
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg, use: 'sig' };
  return { jwks: { keys: [jwk] }, sign: (input) => crypto.sign(hash, Buffer.from(input), key) };
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const cases = ALGS.map((alg) => {
  const s = signer(alg);
  const tokens = Array.from({ length: 50 }, (_, i) => {
    const claims = { sub: crypto.randomUUID(), iss: ISSUER, client_id: CLIENT_ID, aud: CLIENT_ID, token_use: 'access', scope: 'openid orders.read', exp: now + 86400, iat: now, jti: crypto.randomUUID(), username: `user${i}` };
    const input = `${b64(s.secret ? { alg } : { alg, kid: 'k1' })}.${b64(claims)}`;
    return `${input}.${s.sign(input).toString('base64url')}`;
  });
  return { alg, s, tokens };
});

const variants = [];
for (const dir of builds) {
  const web = path.resolve(dir, 'dist/web');
  const m = await import(`${pathToFileURL(path.join(web, 'jwtgate.js'))}?pure-wasm`);
  m.initSync({ module: readFileSync(path.join(web, 'jwtgate_bg.wasm')) });
  for (const c of cases) {
    const keys = c.s.secret ? m.KeySet.fromSecret(c.s.secret, c.alg, null) : m.KeySet.fromJwks(JSON.stringify(c.s.jwks));
    const verifier = new m.Verifier(JSON.stringify({ issuer: ISSUER, audience: CLIENT_ID, algorithms: [c.alg] }));
    const fn = (t) => verifier.verify(keys, t, Date.now() / 1000);
    const out = JSON.parse(fn(c.tokens[0]));
    if (!JSON.stringify(out).includes(c.tokens[0].length ? 'user0' : '')) throw new Error(`${dir} ${c.alg}: not verified: ${JSON.stringify(out).slice(0, 200)}`);
    variants.push({ dir, alg: c.alg, fn, tokens: c.tokens, times: [] });
  }
}

function batch(v, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) v.fn(v.tokens[i % v.tokens.length]);
  return ((performance.now() - t0) * 1000) / n;
}
for (const v of variants) batch(v, 20);
for (const v of variants) v.n = Math.max(5, Math.round(50_000 / batch(v, 20)));
for (let round = 0; round < ROUNDS; round++) {
  for (const v of round % 2 ? [...variants].reverse() : variants) v.times.push(batch(v, v.n));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`pure-wasm verify, ${ROUNDS} rounds; ratios are medians of per-round ratios`);
for (const c of cases) {
  const rows = variants.filter((v) => v.alg === c.alg);
  for (const v of rows) {
    const ratio = median(v.times.map((t, r) => t / rows[0].times[r]));
    console.log(`${c.alg.padEnd(6)} ${v.dir.padEnd(24)} ${median(v.times).toFixed(1).padStart(9)} µs  ×${ratio.toFixed(3)} of ${rows[0].dir}`);
  }
}
