// jwtgate against jose inside real Deno and Bun (their npm packages), an app with both installed
// in node_modules: 200 distinct tokens per algorithm, each library timed in batches, the batches
// interleaved round by round, medians reported.
//   - jwtgate `verify` through `import 'jwtgate'`: what the runtime's user gets (the Node entry:
//     each key checked by the runtime's node:crypto or by the wasm code, whichever is faster
//     there; see nativeIsFaster in pkg/src/crypto/node.mjs);
//   - the browser entry's `verify` (the wasm code alone) and `verifyAsync` (WebCrypto);
//   - jose's `jwtVerify` (WebCrypto);
//   - the runtime's node:crypto checking the signature alone.
//
//   node bench/runtimes.mjs [deno] [bun] [--batch-ms=100]     (default: both)
import { createApp, runtimeVersion } from '../tests/js/helpers/runtime-app.mjs';

const args = process.argv.slice(2);
const BATCH_MS = Number(args.find((a) => a.startsWith('--batch-ms='))?.split('=')[1] ?? 100);
const ROUNDS = 9;
const named = args.filter((a) => !a.startsWith('--'));
const RUNTIMES = named.length ? named : ['deno', 'bun'];

const APP = `
import * as jose from 'jose';
import nodeCrypto from 'node:crypto';
import process from 'node:process';
// One entry per process: both share the package's wasm instance, and the Node entry installs
// its native backend in it.
const [entry, batchMs, rounds] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const lib = await import(entry === 'browser' ? new URL('./node_modules/jwtgate/src/runtime/browser.mjs', import.meta.url).href : 'jwtgate');
await lib.init();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function subjects(alg) {
  let signKey, verifyKey, jwk;
  if (alg === 'HS256') {
    signKey = verifyKey = crypto.getRandomValues(new Uint8Array(32));
    jwk = { kty: 'oct', k: jose.base64url.encode(signKey), alg };
  } else {
    const pair = await jose.generateKeyPair(alg, { extractable: true });
    [signKey, verifyKey] = [pair.privateKey, pair.publicKey];
    jwk = { ...(await jose.exportJWK(pair.publicKey)), alg };
  }
  const tokens = [];
  for (let i = 0; i < 200; i++) {
    tokens.push(await new jose.SignJWT({ sub: 'user' + i, jti: crypto.randomUUID(), scope: 'orders:read orders:write' })
      .setProtectedHeader({ alg }).setIssuer('https://idp.example').setIssuedAt().setExpirationTime('1h').sign(signKey));
  }
  const verifier = new lib.Verifier({ keys: lib.KeySet.fromJwk(jwk), algorithms: [alg] });
  const ours = entry === 'browser'
    ? [['wasm', (t) => verifier.verify(t)], ['webcrypto', (t) => verifier.verifyAsync(t)]]
    : [['jwtgate', (t) => verifier.verify(t)], ['nodeCrypto', signatureCheck(alg, jwk)]];
  return { tokens, list: [['jose', (t) => jose.jwtVerify(t, verifyKey, { algorithms: [alg] })], ...ours] };
}

/** The runtime's node:crypto checking the signature alone (as the Node benchmark's native limit). */
function signatureCheck(alg, jwk) {
  const parts = (t) => { const dot = t.lastIndexOf('.'); return [t.slice(0, dot), Buffer.from(t.slice(dot + 1), 'base64url')]; };
  if (alg === 'HS256') {
    const secret = Buffer.from(jwk.k, 'base64url');
    return (t) => { const [input, sig] = parts(t); return nodeCrypto.timingSafeEqual(nodeCrypto.createHmac('sha256', secret).update(input).digest(), sig); };
  }
  const key = nodeCrypto.createPublicKey({ key: jwk, format: 'jwk' });
  if (alg === 'EdDSA') return (t) => { const [input, sig] = parts(t); return nodeCrypto.verify(null, Buffer.from(input), key, sig); };
  const options = alg.startsWith('PS') ? { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
    : alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key;
  const hash = alg === 'ES384' ? 'sha384' : 'sha256';
  return (t) => { const [input, sig] = parts(t); return nodeCrypto.createVerify(hash).update(input).verify(options, sig); };
}

async function batch(fn, tokens, n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn(tokens[i % tokens.length]);
  return ((performance.now() - started) * 1000) / n;
}

for (const alg of ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']) {
  const { tokens, list } = await subjects(alg);
  const sized = [];
  for (const [name, fn] of list) {
    await batch(fn, tokens, 50); // warm-up: compile, tier up
    const us = await batch(fn, tokens, 200);
    sized.push({ name, fn, n: Math.max(20, Math.round((batchMs * 1000) / us)), times: [] });
  }
  for (let round = 0; round < rounds; round++) {
    for (const s of round % 2 ? [...sized].reverse() : sized) s.times.push(await batch(s.fn, tokens, s.n));
  }
  console.log(JSON.stringify({ alg, ...Object.fromEntries(sized.map((s) => [s.name, median(s.times)])) }));
}
`;

for (const runtime of RUNTIMES) {
  const app = createApp(runtime, { 'bench.mjs': APP }, { packages: ['jose'] });
  try {
    console.log(`${await runtimeVersion(runtime)}, ${ROUNDS} rounds of ~${BATCH_MS} ms batches per library, medians; 200 distinct tokens per algorithm\n`);
    const run = async (entry) => (await app.script('bench.mjs', [entry, String(BATCH_MS), String(ROUNDS)], { timeout: 600_000 }))
      .trim().split('\n').map((line) => JSON.parse(line));
    const [installed, browser] = [await run('node'), await run('browser')];
    console.log(`| alg | jose µs | jwtgate verify (as installed) µs | wasm verify (browser entry) µs | verifyAsync (browser entry, WebCrypto) µs | ${runtime}'s node:crypto, signature only µs | jwtgate / jose |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [i, row] of installed.entries()) {
      const { wasm, webcrypto } = browser[i];
      console.log(`| ${row.alg} | ${row.jose.toFixed(1)} | ${row.jwtgate.toFixed(1)} | ${wasm.toFixed(1)} | ${webcrypto.toFixed(1)} | ${row.nodeCrypto.toFixed(1)} | ${(row.jwtgate / row.jose).toFixed(2)}× |`);
    }
    console.log('\njose and jwtgate (as installed) are timed in one process, interleaved; the browser entry in a second one.\n');
  } finally {
    app.dispose();
  }
}
