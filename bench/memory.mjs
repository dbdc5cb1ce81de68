// Memory under load: 1 000 000 verifications of distinct tokens (three in four good, the rest
// tampered, expired or garbage), then the same through the verified-token cache. Prints RSS
// and wasm linear memory after warm-up and at the end; asserts nothing (figures, not a test).
//
//   node --expose-gc bench/memory.mjs [count]      (default 1000000)
import { createHmac, randomBytes } from 'node:crypto';
import { KeySet, Verifier, wasmMemoryBytes } from '../pkg/src/runtime/node.mjs';

const COUNT = Number(process.argv[2] ?? 1_000_000);
// V8 and the allocator settle after a few hundred thousand calls; growth is measured after that.
const WARM_UP = 500_000;
const NOW = Math.floor(Date.now() / 1000);
const secret = randomBytes(32);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });

/** The i-th token: distinct (jti), Cognito-like, and bad in one of three ways for i % 4 == 3. */
function token(i) {
  const kind = i % 4 === 3 ? ['tampered', 'expired', 'garbage'][(i >> 2) % 3] : 'good';
  if (kind === 'garbage') return `${header}.${randomBytes(40).toString('base64url')}.x`;
  const payload = b64({
    iss: 'https://idp.example', aud: 'orders-api', sub: `user-${i}`, jti: `${i}-${NOW}`,
    scope: 'orders:read orders:write', 'cognito:groups': ['users'], iat: NOW - 10,
    exp: kind === 'expired' ? NOW - 5 : NOW + 3600,
  });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${kind === 'tampered' ? `A${signature.slice(1)}` : signature}`;
}

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
function snapshot() {
  globalThis.gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed, external, wasm: wasmMemoryBytes() };
}

function run(name, verifier) {
  const outcomes = { ok: 0, refused: 0 };
  const verifyAll = (from, to) => {
    for (let i = from; i < to; i += 1) {
      try {
        verifier.verify(token(i));
        outcomes.ok += 1;
      } catch {
        outcomes.refused += 1;
      }
    }
  };
  verifyAll(0, WARM_UP);
  Object.assign(outcomes, { ok: 0, refused: 0 });
  const before = snapshot();
  const started = performance.now();
  verifyAll(WARM_UP, WARM_UP + COUNT);
  const seconds = (performance.now() - started) / 1000;
  const after = snapshot();
  console.log(`${name}: ${COUNT.toLocaleString('en')} verifications in ${seconds.toFixed(1)} s (${outcomes.ok} accepted, ${outcomes.refused} refused)`);
  console.log(`  RSS   after warm-up ${mb(before.rss)}, at the end ${mb(after.rss)}, growth ${mb(after.rss - before.rss)}`);
  console.log(`  JS heap ${mb(before.heap)} → ${mb(after.heap)}, external ${mb(before.external)} → ${mb(after.external)}`);
  console.log(`  wasm  after warm-up ${mb(before.wasm)}, at the end ${mb(after.wasm)}`);
}

const keys = KeySet.fromSecret(secret, { alg: 'HS256' });
const options = { keys, issuer: 'https://idp.example', audience: 'orders-api', algorithms: ['HS256'] };
if (!globalThis.gc) console.log('(run with --expose-gc for steadier RSS figures)');
run('verify', new Verifier(options));
run('verify with cache (max 1000)', new Verifier({ ...options, cache: { max: 1000 } }));
