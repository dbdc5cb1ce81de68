// The Cloudflare stores (pkg/src/io/stores/cloudflare.mjs) inside real workerd (miniflare@3):
// two workers, bundled as a Workers user bundles them ('jwtgate/stores/cloudflare' through the
// package's exports map), the second bound to the first one's JwtGateDurableObject class, so
// that two isolates and many stubs share one replay state; entries expiring and swept by the
// object's alarm; Durable Objects that fail or hang; and the Cache API store for key sets, with
// two isolates' RemoteKeySets sharing one fetch through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { startWorker } from './helpers/workerd.mjs';

const WORKER = `
import { RemoteKeySet } from 'jwtgate';
import { JwtGateDurableObject, durableObjectStore, cacheStore } from 'jwtgate/stores/cloudflare';

let keys; // this isolate's, as an edge guard keeps it

/** The object, plus a look at its storage for the tests. */
export class InspectableStore extends JwtGateDurableObject {
  #storage;
  constructor(state, env) {
    super(state, env);
    this.#storage = state.storage;
  }
  async fetch(request) {
    if (new URL(request.url).pathname === '/storage') return Response.json([...(await this.#storage.list()).keys()]);
    return super.fetch(request);
  }
}
export class Failing { fetch() { return new Response('overloaded', { status: 503 }); } }
export class Hanging { fetch() { return new Promise(() => {}); } }

const stores = {
  replay: (env, options) => durableObjectStore(env.JWTGATE_STORE, options),
  failing: (env, options) => durableObjectStore(env.FAILING, options),
  hanging: (env, options) => durableObjectStore(env.HANGING, options),
  cache: (env, options) => cacheStore(options),
};

export default {
  async fetch(request, env) {
    const { store, op, key, value, ttlMs, options } = await request.json();
    if (op === 'keys') {
      keys ??= new RemoteKeySet({ jwksUri: env.JWKS_URL, store: cacheStore() });
      const set = await keys.getKeySet();
      return Response.json({ kids: set.keys.map((k) => k.kid), fetchedAt: keys.fetchedAt, storeError: keys.lastStoreError?.message ?? null });
    }
    if (op === 'raw') {
      const stub = env.JWTGATE_STORE.get(env.JWTGATE_STORE.idFromName('jwtgate-store-0'));
      const res = await stub.fetch('https://raw/', { method: 'POST', body: value });
      return Response.json({ status: res.status, body: await res.json() });
    }
    if (op === 'storage') {
      const stub = env.JWTGATE_STORE.get(env.JWTGATE_STORE.idFromName('jwtgate-store-0'));
      return stub.fetch('https://inspect/storage');
    }
    try {
      // A new store (and stub) per call, as separate requests and isolates have.
      const result = await stores[store](env, options)[op](key, value, ttlMs);
      return Response.json({ ok: true, result: result ?? null });
    } catch (e) {
      return Response.json({ ok: false, code: e.code, reason: e.reason, message: e.message });
    }
  },
};`;

let worker, idp;
let keyFetches = 0;

before(async () => {
  idp = http.createServer((req, res) => {
    keyFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'sMjKtbgWuqWeiJRr3qRUHI-1rEtUmSzR12en53N5U1o', y: 'oEJdfr_6fMdq14V0-3QC-E-WtE6N0OWS9_LmcHupZf8', kid: 'k1', alg: 'ES256' }] }));
  });
  await new Promise((r) => idp.listen(0, '127.0.0.1', r));
  worker = await startWorker(WORKER, {
    isolates: 2,
    bindings: { JWKS_URL: `http://127.0.0.1:${idp.address().port}/keys` },
    durableObjects: { JWTGATE_STORE: 'InspectableStore', FAILING: 'Failing', HANGING: 'Hanging' },
  });
});

after(async () => {
  await worker?.dispose();
  await new Promise((r) => (idp ? idp.close(r) : r()));
});

/** Runs one store call in worker `name`; its answer. */
async function call(name, body) {
  const isolate = await worker.mf.getWorker(name);
  const res = await isolate.fetch('http://worker/', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('two workers (isolates) bound to one Durable Object class: the second putIfAbsent of a key is refused', async () => {
  const key = `dpop:${randomUUID()}`;
  const put = (name, value) => call(name, { store: 'replay', op: 'putIfAbsent', key, value, ttlMs: 60_000 });
  assert.deepEqual(await put('a', 'from a'), { ok: true, result: true });
  assert.deepEqual(await put('b', 'from b'), { ok: true, result: false });
  assert.deepEqual(await put('a', 'from a again'), { ok: true, result: false });
  assert.deepEqual(await call('b', { store: 'replay', op: 'get', key }), { ok: true, result: 'from a' });
  // Concurrent first uses from both isolates: exactly one wins.
  const race = `dpop:${randomUUID()}`;
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? 'a' : 'b', { store: 'replay', op: 'putIfAbsent', key: race, value: String(i), ttlMs: 60_000 })));
  assert.deepEqual(outcomes.map((o) => o.ok), Array(10).fill(true));
  assert.equal(outcomes.filter((o) => o.result).length, 1);
});

test('entries expire after their TTL, and the alarm deletes them from storage', async () => {
  const options = { shards: 1 }; // every key in object 0, which the test can look into
  const key = `dpop:${randomUUID()}`;
  assert.equal((await call('a', { store: 'replay', op: 'putIfAbsent', key, value: 'v', ttlMs: 300, options })).result, true);
  const stored = await call('a', { op: 'storage' });
  assert.ok(stored.includes(`k:jwtgate:${key}`) && stored.some((name) => name.startsWith('x:') && name.endsWith(`:jwtgate:${key}`)), JSON.stringify(stored));
  assert.equal((await call('b', { store: 'replay', op: 'putIfAbsent', key, value: 'v', ttlMs: 300, options })).result, false);
  await sleep(600);
  assert.equal((await call('b', { store: 'replay', op: 'get', key, options })).result, null);
  const swept = await call('a', { op: 'storage' });
  assert.ok(!swept.some((name) => name.endsWith(`jwtgate:${key}`)), `swept: ${JSON.stringify(swept)}`);
  assert.equal((await call('b', { store: 'replay', op: 'putIfAbsent', key, value: 'v', ttlMs: 300, options })).result, true);
});

test('the object refuses malformed calls (400): unknown ops, keys, values or TTLs of the wrong type', async () => {
  const bodies = ['not json', 'null', '{"op":"drop","key":"k"}', '{"op":"putIfAbsent","key":"k","value":"v","ttlMs":"5"}', '{"op":"set","key":"k","value":1,"ttlMs":5}', '{"op":"get","key":1}'];
  for (const body of bodies) assert.equal((await call('a', { op: 'raw', value: body })).status, 400, body);
  assert.deepEqual(await call('a', { op: 'raw', value: '{"op":"get","key":"never-set"}' }), { status: 200, body: {} });
});

test('set replaces; get reads through any isolate', async () => {
  const key = `jwks:${randomUUID()}`;
  await call('a', { store: 'replay', op: 'set', key, value: 'old', ttlMs: 60_000 });
  await call('b', { store: 'replay', op: 'set', key, value: 'new', ttlMs: 60_000 });
  assert.deepEqual(await call('a', { store: 'replay', op: 'get', key }), { ok: true, result: 'new' });
});

test('a Durable Object that fails or hangs: ERR_STORE_UNAVAILABLE, within the timeout', async () => {
  assert.deepEqual(
    (({ ok, code, reason }) => ({ ok, code, reason }))(await call('a', { store: 'failing', op: 'putIfAbsent', key: 'dpop:x', value: 'v', ttlMs: 1000 })),
    { ok: false, code: 'ERR_STORE_UNAVAILABLE', reason: 'failed' },
  );
  const started = performance.now();
  const hung = await call('a', { store: 'hanging', op: 'putIfAbsent', key: 'dpop:x', value: 'v', ttlMs: 1000, options: { timeoutMs: 150 } });
  assert.deepEqual([hung.ok, hung.code, hung.reason], [false, 'ERR_STORE_UNAVAILABLE', 'timeout']);
  assert.ok(performance.now() - started < 1000);
});

test('Cache API store: set and get with a TTL; it refuses putIfAbsent (it cannot detect replays)', async () => {
  const key = `jwks:${randomUUID()}`;
  assert.deepEqual(await call('a', { store: 'cache', op: 'get', key }), { ok: true, result: null });
  await call('a', { store: 'cache', op: 'set', key, value: '{"keys":[]}', ttlMs: 1500 });
  assert.deepEqual(await call('a', { store: 'cache', op: 'get', key }), { ok: true, result: '{"keys":[]}' });
  await call('a', { store: 'cache', op: 'set', key, value: '{"keys":[1]}', ttlMs: 1500 });
  assert.deepEqual(await call('a', { store: 'cache', op: 'get', key }), { ok: true, result: '{"keys":[1]}' });
  await sleep(1600);
  assert.deepEqual(await call('a', { store: 'cache', op: 'get', key }), { ok: true, result: null }, 'expired');
  const refused = await call('a', { store: 'cache', op: 'putIfAbsent', key, value: 'v', ttlMs: 1000 });
  assert.deepEqual([refused.ok, refused.code, refused.reason], [false, 'ERR_STORE_UNAVAILABLE', 'unsupported']);
});

test('key sets through the Cache API: a second isolate takes the first one\'s fetch', async () => {
  const first = await call('a', { op: 'keys' });
  assert.deepEqual(first.kids, ['k1']);
  assert.equal(first.storeError, null);
  assert.equal(keyFetches, 1);
  const second = await call('b', { op: 'keys' });
  assert.deepEqual(second, first, 'the same set, fetched at the same time');
  assert.equal(keyFetches, 1);
});
