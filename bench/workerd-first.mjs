// The first request of a fresh workerd isolate: per run, a new miniflare (a new workerd process
// and isolate) is started with a worker that verifies one RS256 token on its first request, and
// the run is timed from Node: "start" from before startWorker (bundling the worker with esbuild,
// starting workerd, loading the worker's modules; jwtgate's .wasm is a CompiledWasm module) until
// miniflare is ready, "first request" the one request that builds the verifier's key and
// verifies. A floor worker (no library) gives what every run pays anyway. Variants run in turn
// (forwards and backwards by run) so that a change in the machine's load hits them alike;
// ratios are medians of the per-run ratios.
//
//   node bench/workerd-first.mjs [RUNS]        (default 15, after one discarded round)
import * as jose from 'jose';
import { startWorker } from '../tests/js/helpers/workerd.mjs';

const RUNS = Number(process.argv[2] ?? 15);
const ISSUER = 'https://idp.example';
const AUDIENCE = 'bench';

/** Each variant's worker: `${input}` is replaced by the JWKS and token (a module constant). */
const VARIANTS = [
  { name: 'floor', label: 'floor (no library)', source: 'const INPUT = ${input};\nexport default { fetch: () => new Response(INPUT.sub) };' },
  {
    name: 'jose', label: 'jose `jwtVerify` (`createLocalJWKSet`)',
    source: `import { createLocalJWKSet, jwtVerify } from 'jose';
const INPUT = \${input};
const keys = createLocalJWKSet(INPUT.jwks);
export default {
  async fetch() {
    const { payload } = await jwtVerify(INPUT.token, keys, { issuer: '${ISSUER}', audience: '${AUDIENCE}', algorithms: ['RS256'] });
    return new Response(payload.sub);
  },
};`,
  },
  ...[['async', 'verifyAsync', 'await verifier.verifyAsync', 'WebCrypto'], ['sync', 'verify', 'verifier.verify', 'wasm']].map(([name, method, call, how]) => ({
    name, label: `jwtgate \`${method}\` (${how})`,
    source: `import { KeySet, Verifier } from 'jwtgate';
const INPUT = \${input};
const verifier = new Verifier({ keys: KeySet.fromJwks(INPUT.jwks), issuer: '${ISSUER}', audience: '${AUDIENCE}', algorithms: ['RS256'] });
export default {
  async fetch() {
    return new Response((${call}(INPUT.token)).payload.sub);
  },
};`,
  })),
];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** One run: a fresh isolate with the variant's worker, its start and first request timed (ms). */
async function run(variant, input) {
  const started = performance.now();
  const worker = await startWorker(variant.source.replace('${input}', JSON.stringify(input)), { packages: ['jose'] });
  try {
    const ready = performance.now();
    const answer = await (await worker.mf.dispatchFetch('http://bench/')).text();
    const done = performance.now();
    if (answer !== input.sub) throw new Error(`${variant.name} answered ${answer.slice(0, 200)}`);
    return { startMs: ready - started, requestMs: done - ready, totalMs: done - started };
  } finally {
    await worker.dispose();
  }
}

async function main() {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const input = { jwks: { keys: [jwk] }, sub: 'alice' };
  input.token = await new jose.SignJWT({ sub: input.sub, scope: 'orders:read' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(privateKey);

  const runs = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
  for (let round = 0; round <= RUNS; round++) { // round 0: discarded (esbuild's service, file cache)
    for (const v of round % 2 ? [...VARIANTS].reverse() : VARIANTS) {
      const r = await run(v, input);
      if (round) runs[v.name].push(r);
    }
  }
  const med = (name, field) => median(runs[name].map((r) => r[field]));
  const perRun = (name, f) => median(runs[name].map((r, i) => f(r, runs.jose[i], runs.floor[i])));
  console.log(`workerd (miniflare ${(await import('miniflare/package.json', { with: { type: 'json' } })).default.version}), a fresh isolate per run, RS256, ${RUNS} runs per variant, medians (ms)`);
  console.log('| worker | start ms | first request ms | start + first request ms | over the floor ms | total / jose\'s | over the floor / jose\'s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const v of VARIANTS) {
    const over = perRun(v.name, (r, _, f) => r.totalMs - f.totalMs);
    const ratio = perRun(v.name, (r, j) => r.totalMs / j.totalMs);
    const overRatio = v.name === 'floor' ? '' : `${perRun(v.name, (r, j, f) => (r.totalMs - f.totalMs) / (j.totalMs - f.totalMs)).toFixed(2)}×`;
    console.log(`| ${v.label} | ${med(v.name, 'startMs').toFixed(1)} | ${med(v.name, 'requestMs').toFixed(1)} | ${med(v.name, 'totalMs').toFixed(1)} | ${over.toFixed(1)} | ${ratio.toFixed(2)}× | ${overRatio} |`);
  }
}

await main();
