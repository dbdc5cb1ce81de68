// The Redis store (pkg/src/io/stores/redis.mjs) against a real redis-server (Debian's, installed
// by scripts/setup.sh), started here on 127.0.0.1 on a free port without persistence, through the
// node-redis client: replays across two independent stores and clients, TTLs kept by Redis,
// get/set, the store going down (killed, or never there) failing closed within the timeout, and
// key sets shared through it by two RemoteKeySets (two cold instances, one fetch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createClient } from 'redis';
import * as jose from 'jose';
import { RemoteKeySet } from '../../pkg/src/runtime/node.mjs';
import { redisStore } from '../../pkg/src/io/stores/redis.mjs';
import { STORE_UNAVAILABLE } from '../../pkg/src/io/stores/index.mjs';
import { freePort, startRedis } from './helpers/redis.mjs';

/** A connected node-redis client whose commands fail at once while it is disconnected. */
async function client(port, t) {
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 }, disableOfflineQueue: true });
  c.on('error', () => {}); // reconnection errors after a kill: the store reports them
  await c.connect();
  t?.after(() => c.destroy());
  return c;
}

let redis;
before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

const storeOf = (c, options) => redisStore((args) => c.sendCommand(args), options);

test('two independent stores (two clients) over one server: the second putIfAbsent of a key is refused', async (t) => {
  const a = storeOf(await client(redis.port, t));
  const b = storeOf(await client(redis.port, t));
  const key = `dpop:${randomUUID()}`;
  const [first, second] = [await a.putIfAbsent(key, 'instance a', 60_000), await b.putIfAbsent(key, 'instance b', 60_000)];
  assert.deepEqual([first, second], [true, false]);
  assert.equal(await b.get(key), 'instance a');
  // Concurrent first uses: exactly one wins.
  const race = `dpop:${randomUUID()}`;
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).putIfAbsent(race, String(i), 60_000)));
  assert.equal(outcomes.filter(Boolean).length, 1);
});

test('the entry is SET NX PX under the prefixed key; Redis expires it and the key can be used again', async (t) => {
  const c = await client(redis.port, t);
  const store = storeOf(c, { prefix: 'test-app:' });
  const key = `dpop:${randomUUID()}`;
  assert.equal(await store.putIfAbsent(key, 'v', 300), true);
  const ttl = Number(await c.sendCommand(['PTTL', `test-app:${key}`]));
  assert.ok(ttl > 0 && ttl <= 300, `PTTL ${ttl}`);
  assert.equal(await store.putIfAbsent(key, 'v', 300), false);
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal(await store.get(key), undefined);
  assert.equal(await store.putIfAbsent(key, 'again', 300), true);
});

test('get and set: set replaces, with its own TTL', async (t) => {
  const store = storeOf(await client(redis.port, t));
  const key = `jwks:${randomUUID()}`;
  assert.equal(await store.get(key), undefined);
  await store.set(key, '{"keys":[]}', 60_000);
  await store.set(key, '{"keys":[1]}', 60_000);
  assert.equal(await store.get(key), '{"keys":[1]}');
});

test('a reply that is not what the command answers is refused (another type behind the key)', async (t) => {
  const c = await client(redis.port, t);
  await c.sendCommand(['RPUSH', 'jwtgate:list', 'x']);
  await assert.rejects(storeOf(c).get('list'), { code: STORE_UNAVAILABLE, reason: 'failed' });
});

test('the server killed: calls fail closed (ERR_STORE_UNAVAILABLE) within the timeout, and work again once it is back', async (t) => {
  const own = await startRedis();
  t.after(() => own.stop());
  const c = await client(own.port, t);
  const store = storeOf(c, { timeoutMs: 200 });
  assert.equal(await store.putIfAbsent('dpop:x', 'v', 60_000), true);
  await own.stop();
  for (const call of [() => store.putIfAbsent('dpop:y', 'v', 60_000), () => store.get('dpop:x'), () => store.set('k', 'v', 1000)]) {
    const started = performance.now();
    await assert.rejects(call(), { code: STORE_UNAVAILABLE });
    assert.ok(performance.now() - started < 400, 'within the timeout');
  }
  const back = await startRedis(own.port);
  t.after(() => back.stop());
  let answer;
  for (const deadline = Date.now() + 3000; answer === undefined && Date.now() < deadline;) {
    answer = await store.putIfAbsent('dpop:y', 'v', 60_000).catch(() => new Promise((resolve) => setTimeout(resolve, 50)));
  }
  assert.equal(answer, true, 'the client reconnected; the store works again');
  await back.stop();
  // A client that queues commands while offline (node-redis' default): the guard's timeout ends the wait.
  const queueing = createClient({ socket: { host: '127.0.0.1', port: own.port, reconnectStrategy: () => 50 } });
  queueing.on('error', () => {});
  t.after(() => queueing.destroy());
  queueing.connect().catch(() => {});
  const started = performance.now();
  await assert.rejects(storeOf(queueing, { timeoutMs: 150 }).putIfAbsent('dpop:z', 'v', 60_000), { code: STORE_UNAVAILABLE, reason: 'timeout' });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 140 && elapsed < 400, `${elapsed} ms`);
});

test('a wrong port: nothing listens, every call fails closed', async (t) => {
  const port = await freePort();
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
  c.on('error', () => {});
  await assert.rejects(c.connect());
  t.after(() => c.destroy());
  const store = storeOf(c);
  await assert.rejects(store.putIfAbsent('dpop:x', 'v', 60_000), { code: STORE_UNAVAILABLE, reason: 'failed' });
  await assert.rejects(store.get('dpop:x'), { code: STORE_UNAVAILABLE });
});

test('two RemoteKeySets sharing a Redis store: the second takes the first one\'s fetch; with Redis gone, keys are still fetched', async (t) => {
  const { publicKey } = await jose.generateKeyPair('ES256');
  const body = JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  let requests = 0;
  const idp = http.createServer((req, res) => { requests += 1; res.writeHead(200, { 'cache-control': 'max-age=300' }).end(body); });
  await new Promise((resolve) => idp.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => idp.close(resolve)));
  const jwksUri = `http://127.0.0.1:${idp.address().port}/keys-${randomUUID()}`;
  const instance = async () => new RemoteKeySet({ jwksUri, store: storeOf(await client(redis.port, t)) });
  const first = await instance();
  assert.deepEqual((await first.getKeySet()).keys.map((k) => k.kid), ['k1']);
  const second = await instance();
  assert.deepEqual((await second.getKeySet()).keys.map((k) => k.kid), ['k1']);
  assert.equal(requests, 1, 'one fetch for two instances');
  assert.equal(second.fetchedAt, first.fetchedAt);

  const gone = new RemoteKeySet({ jwksUri, store: storeOf(createClient({ socket: { port: await freePort() } })) });
  assert.deepEqual((await gone.getKeySet()).keys.map((k) => k.kid), ['k1']);
  assert.equal(gone.lastStoreError.code, STORE_UNAVAILABLE);
  assert.equal(requests, 2);
});
