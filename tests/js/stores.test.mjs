// The store interface (pkg/src/io/stores/): the guard against stores that hang, throw, reject or
// answer with the wrong types, and the bounded in-memory store. The shared stores are tested
// against the real thing in stores-redis, stores-dynamodb and stores-cloudflare.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appDir } from './helpers/app-dir.mjs';
import { guardStore, memoryStore, STORE_UNAVAILABLE } from '../../pkg/src/io/stores/index.mjs';
import { JwtGateError } from '../../pkg/src/core/errors.mjs';

/** A clock the tests move by hand. */
function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t, advance: (ms) => { c.t += ms; } };
  return c;
}

async function unavailable(promise, reason) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof JwtGateError, `${error}`);
    assert.equal(error.code, STORE_UNAVAILABLE);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

/** A store whose three methods all do `behaviour`. */
const storeDoing = (behaviour) => ({ putIfAbsent: behaviour, get: behaviour, set: behaviour });

describe('guardStore', () => {
  test('a store that never settles is given up on after timeoutMs (default 200 ms)', async () => {
    const hanging = guardStore(storeDoing(() => new Promise(() => {})));
    for (const call of [() => hanging.putIfAbsent('k', 'v', 1000), () => hanging.get('k'), () => hanging.set('k', 'v', 1000)]) {
      const started = performance.now();
      await unavailable(call(), 'timeout');
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 190 && elapsed < 400, `${elapsed} ms`);
    }
    const quick = guardStore(storeDoing(() => new Promise(() => {})), { timeoutMs: 20 });
    const started = performance.now();
    await unavailable(quick.putIfAbsent('k', 'v', 1000), 'timeout');
    assert.ok(performance.now() - started < 150);
  });

  test('throwing synchronously, rejecting, or rejecting with a non-Error all become ERR_STORE_UNAVAILABLE', async () => {
    const behaviours = [
      () => { throw new Error('boom'); },
      () => Promise.reject(new Error('connection reset')),
      () => Promise.reject('a string'),
      () => { throw new JwtGateError('ERR_JWKS_INVALID', 'another code'); },
    ];
    for (const behaviour of behaviours) {
      const store = guardStore(storeDoing(behaviour));
      const pending = store.putIfAbsent('k', 'v', 1000); // never a synchronous throw
      assert.ok(pending instanceof Promise);
      await unavailable(pending, 'failed');
      await unavailable(store.get('k'), 'failed');
      await unavailable(store.set('k', 'v', 1000), 'failed');
    }
  });

  test('putIfAbsent must answer a boolean, get a string or undefined: anything else is refused', async () => {
    for (const answer of [1, 0, 'OK', null, undefined, {}, 'true']) {
      await unavailable(guardStore(storeDoing(async () => answer)).putIfAbsent('k', 'v', 1000), 'bad_reply');
    }
    for (const answer of [null, 1, {}, new Uint8Array(1), true]) {
      await unavailable(guardStore(storeDoing(async () => answer)).get('k'), 'bad_reply');
    }
    await unavailable(guardStore(storeDoing(async () => 'x'.repeat(70_000))).get('k'), 'bad_reply');
    assert.equal(await guardStore(storeDoing(async () => true)).putIfAbsent('k', 'v', 1000), true);
    assert.equal(await guardStore(storeDoing(async () => false)).putIfAbsent('k', 'v', 1000), false);
    assert.equal(await guardStore(storeDoing(async () => undefined)).get('k'), undefined);
    assert.equal(await guardStore(storeDoing(async () => 'v')).get('k'), 'v');
  });

  test('keys are prefixed; keys, values and TTLs are checked before the store is called', async () => {
    const calls = [];
    const store = guardStore({
      putIfAbsent: async (...args) => { calls.push(['putIfAbsent', ...args]); return true; },
      get: async (...args) => { calls.push(['get', ...args]); return undefined; },
      set: async (...args) => { calls.push(['set', ...args]); },
    }, { prefix: 'app1:' });
    await store.putIfAbsent('dpop:abc', 'v', 299_999.2);
    await store.get('jwks:x');
    await store.set('jwks:x', 'v', 10);
    assert.deepEqual(calls, [['putIfAbsent', 'app1:dpop:abc', 'v', 300_000], ['get', 'app1:jwks:x'], ['set', 'app1:jwks:x', 'v', 10]]);
    calls.length = 0;
    // Default prefix `jwtgate:` counts towards the 512 bytes; UTF-8 bytes, not UTF-16 units.
    const plain = guardStore(storeDoing(async (...args) => { calls.push(args); return true; }));
    await plain.putIfAbsent('k'.repeat(512 - 8), 'v', 1);
    await unavailable(plain.putIfAbsent('k'.repeat(512 - 7), 'v', 1), 'too_large');
    await unavailable(plain.putIfAbsent('é'.repeat(253), 'v', 1), 'too_large'); // 506 bytes + prefix
    await unavailable(plain.set('k', 'v'.repeat(65_537), 1), 'too_large');
    await unavailable(plain.set('k', '€'.repeat(21_846), 1), 'too_large'); // 65 538 bytes
    for (const ttl of [0, -1, NaN, Infinity, '1000', undefined]) await unavailable(plain.putIfAbsent('k', 'v', ttl), 'invalid');
    for (const key of ['', 1, undefined, null]) await unavailable(plain.get(key), 'invalid');
    await unavailable(plain.set('k', 1, 1000), 'invalid');
    assert.deepEqual(calls, [['jwtgate:' + 'k'.repeat(504), 'v', 1]]);
  });

  test('options and stores are checked; a guarded store is not guarded twice', () => {
    assert.throws(() => guardStore({ get() {}, set() {} }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'store' });
    assert.throws(() => guardStore(undefined), { field: 'store' });
    const raw = storeDoing(async () => true);
    assert.throws(() => guardStore(raw, { timeoutMs: 0 }), { field: 'timeoutMs' });
    assert.throws(() => guardStore(raw, { timeoutMs: 1.5 }), { field: 'timeoutMs' });
    assert.throws(() => guardStore(raw, { prefix: 1 }), { field: 'prefix' });
    assert.throws(() => guardStore(raw, { timeout: 5 }), { field: 'timeout' });
    assert.throws(() => guardStore(raw, { toString: 5 }), { field: 'toString' });
    const guarded = guardStore(raw);
    assert.equal(guardStore(guarded), guarded);
    assert.throws(() => guardStore(guarded, { prefix: 'again:' }), { field: 'store' });
  });
});

describe('memoryStore', () => {
  test('putIfAbsent: the first use stores, a replay within the TTL is refused, after it stored again', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    assert.equal(await store.putIfAbsent('dpop:a', '1', 60_000), true);
    c.advance(59_999);
    assert.equal(await store.putIfAbsent('dpop:a', '2', 60_000), false);
    assert.equal(await store.get('dpop:a'), '1');
    c.advance(1);
    assert.equal(await store.get('dpop:a'), undefined);
    assert.equal(await store.putIfAbsent('dpop:a', '3', 60_000), true);
    assert.equal(await store.get('dpop:a'), '3');
  });

  test('set replaces; get sees only live entries', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    await store.set('jwks:x', 'old', 1000);
    await store.set('jwks:x', 'new', 5000);
    c.advance(4999);
    assert.equal(await store.get('jwks:x'), 'new');
    c.advance(1);
    assert.equal(await store.get('jwks:x'), undefined);
  });

  test('full of live entries: new keys are refused (reason full), no live entry is evicted, so no replay passes', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now, maxEntries: 3 });
    for (const jti of ['a', 'b', 'c']) assert.equal(await store.putIfAbsent(jti, '', 60_000), true);
    await unavailable(store.putIfAbsent('d', '', 60_000), 'full');
    await unavailable(store.set('e', '', 60_000), 'full');
    // Every live entry is still there: each replay is still refused.
    for (const jti of ['a', 'b', 'c']) assert.equal(await store.putIfAbsent(jti, '', 60_000), false);
    // A live key can still be replaced by set (it takes no new room).
    await store.set('a', 'renewed', 120_000);
    assert.equal(await store.get('a'), 'renewed');
  });

  test('when full, expired entries are dropped first, and only those', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now, maxEntries: 3 });
    await store.putIfAbsent('short', '', 1000);
    await store.putIfAbsent('long1', '', 60_000);
    await store.putIfAbsent('long2', '', 60_000);
    c.advance(1000); // `short` has expired, the others live
    assert.equal(await store.putIfAbsent('new', '', 60_000), true);
    await unavailable(store.putIfAbsent('newer', '', 60_000), 'full');
    for (const jti of ['long1', 'long2', 'new']) assert.equal(await store.putIfAbsent(jti, '', 60_000), false);
    await unavailable(store.putIfAbsent('short', '', 60_000), 'full'); // its slot went to `new`
  });

  test('options are checked', () => {
    assert.throws(() => memoryStore({ maxEntries: 0 }), { field: 'maxEntries' });
    assert.throws(() => memoryStore({ now: 5 }), { field: 'now' });
    assert.throws(() => memoryStore({ timeoutMs: -1 }), { field: 'timeoutMs' });
  });
});

test('the stores\' types check with tsc, through the package\'s subpath exports', (t) => {
  const { dir, remove } = appDir('stores-types');
  t.after(remove);
  writeFileSync(join(dir, 'user.ts'), `
import { guardStore, memoryStore, STORE_UNAVAILABLE, type Store } from 'jwtgate/stores';
import { redisStore } from 'jwtgate/stores/redis';
import { dynamoDbStore } from 'jwtgate/stores/dynamodb';
import { JwtGateDurableObject, durableObjectStore, cacheStore } from 'jwtgate/stores/cloudflare';
import { RemoteKeySet, snapshotJwks, JwtGateError } from 'jwtgate';
const mine: Store = { putIfAbsent: async () => true, get: async () => undefined, set: async () => {} };
const replay = guardStore(mine, { timeoutMs: 100, prefix: 'app:' });
const first: Promise<boolean> = replay.putIfAbsent('dpop:x', '', 1000);
const memory = memoryStore({ maxEntries: 100 });
const redis = redisStore(async (args: string[]) => args.length);
const dynamo = dynamoDbStore({ client: { send: async () => ({}) }, tableName: 't' });
declare const namespace: { idFromName(name: string): unknown; get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> } };
const objects = durableObjectStore(namespace, { shards: 4 });
const keys = new RemoteKeySet({ jwksUri: 'https://idp.example/jwks', store: cacheStore(), snapshot: await snapshotJwks({ jwksUri: 'https://idp.example/jwks' }) });
const value: Promise<string | undefined> = memory.get('k');
try { await first; } catch (e) { if (e instanceof JwtGateError && e.code === STORE_UNAVAILABLE) console.log(e.reason); }
console.log(redis, dynamo, objects, keys, value, JwtGateDurableObject);
// @ts-expect-error: putIfAbsent needs a TTL
replay.putIfAbsent('k', 'v');
export {};
`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], lib: ['es2022', 'dom'] },
    files: ['user.ts'],
  }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const tsc = resolve(import.meta.dirname, '../../node_modules/.bin/tsc');
  execFileSync(tsc, ['-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
});
