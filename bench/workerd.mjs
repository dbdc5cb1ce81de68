// jwtgate against jose inside real workerd (miniflare): the same tokens and keys, each request
// running N verifications in a loop inside the isolate. workerd freezes its clock during
// execution, so each request is timed from Node; the per-request overhead is measured with
// N = 0 and subtracted. The requests of each library (and the overhead's) are interleaved round
// by round, in turn forwards and backwards, so that a change in the machine's load hits them
// alike; "async / jose" is the median of the per-round ratios.
//
//   node bench/workerd.mjs [N]        (default 2000; the wasm path runs N/10 for the slow asymmetric algorithms)
import * as jose from 'jose';
import { startWorker } from '../tests/js/helpers/workerd.mjs';

// Enough work per request that the timing jitter of a request (~1 ms) is small per call.
const N = Number(process.argv[2] ?? 2000);
const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const ROUNDS = 9;

const WORKER = `
import { KeySet, Verifier } from 'jwtgate';
import * as jose from 'jose';
const state = {};
export default {
  async fetch(request) {
    const { op, alg, n, token, jwk } = await request.json();
    if (op === 'setup') {
      const keys = KeySet.fromJwk(jwk);
      state[alg] = { token, verifier: new Verifier({ keys, algorithms: [alg] }),
        joseKey: await jose.importJWK(jwk, alg) };
      await state[alg].verifier.verifyAsync(token);
      await jose.jwtVerify(token, state[alg].joseKey);
      return new Response('ok');
    }
    const s = state[alg];
    for (let i = 0; i < n; i++) {
      if (op === 'jose') await jose.jwtVerify(s.token, s.joseKey);
      else if (op === 'async') await s.verifier.verifyAsync(s.token);
      else s.verifier.verify(s.token);
    }
    return new Response('ok');
  },
};`;

async function keyFor(alg) {
  if (alg.startsWith('HS')) {
    const k = crypto.getRandomValues(new Uint8Array(32));
    return { signKey: k, jwk: { kty: 'oct', k: jose.base64url.encode(k), alg } };
  }
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { signKey: privateKey, jwk: { ...(await jose.exportJWK(publicKey)), alg } };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  const worker = await startWorker(WORKER, { packages: ['jose'] });
  const call = (body) => worker.mf.dispatchFetch('http://bench/', { method: 'POST', body: JSON.stringify(body) });
  console.log(`workerd (miniflare ${(await import('miniflare/package.json', { with: { type: 'json' } })).default.version}), ${N} verifications per request (${Math.max(1, N / 10)} for the wasm path), ${ROUNDS} rounds, medians`);
  console.log('| alg | jose µs | jwtgate verifyAsync (WebCrypto) µs | jwtgate verify (wasm) µs | async / jose |');
  console.log('|---|---:|---:|---:|---:|');
  for (const alg of ALGS) {
    const { signKey, jwk } = await keyFor(alg);
    const token = await new jose.SignJWT({ sub: 'alice', scope: 'orders:read', iss: 'https://idp.example' })
      .setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('1h').sign(signKey);
    await (await call({ op: 'setup', alg, token, jwk })).text();
    // [name, op, verifications per request]; "overhead" is a request that verifies nothing.
    const runs = [['overhead', 'jose', 0], ['jose', 'jose', N], ['async', 'async', N], ['sync', 'sync', alg.startsWith('HS') ? N : Math.max(1, N / 10)]];
    const ms = Object.fromEntries(runs.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, op, n] of round % 2 ? [...runs].reverse() : runs) {
        const started = performance.now();
        await (await call({ op, alg, n })).text();
        ms[name].push(performance.now() - started);
      }
    }
    // µs per verification in each round: the request's time less that round's overhead.
    const per = Object.fromEntries(runs.slice(1).map(([name, , n]) => [name, ms[name].map((t, round) => ((t - ms.overhead[round]) * 1000) / n)]));
    const ratio = median(per.async.map((a, round) => a / per.jose[round]));
    console.log(`| ${alg} | ${median(per.jose).toFixed(1)} | ${median(per.async).toFixed(1)} | ${median(per.sync).toFixed(1)} | ${ratio.toFixed(2)}× |`);
  }
  await worker.dispose();
}

await main();
