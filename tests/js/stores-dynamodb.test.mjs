// The DynamoDB store (pkg/src/io/stores/dynamodb.mjs) through the real @aws-sdk/client-dynamodb
// against dynalite (an implementation of the DynamoDB API), started here on 127.0.0.1 with its
// table created here: replays across two independent stores and clients, an expired item that
// DynamoDB has not deleted yet counting as absent, get/set, and the service down failing closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbStore } from '../../pkg/src/io/stores/dynamodb.mjs';
import { STORE_UNAVAILABLE } from '../../pkg/src/io/stores/index.mjs';
import { TABLE, clientOf, startDynalite } from './helpers/dynalite.mjs';

let service;
before(async () => { service = await startDynalite(); });
after(() => service.stop());

/** A clock the tests move by hand (the store's TTL arithmetic; DynamoDB has no clock of its own here). */
function clock(start = Date.now()) {
  const c = { t: start, now: () => c.t, advance: (ms) => { c.t += ms; } };
  return c;
}

const storeOf = (options) => dynamoDbStore({ client: clientOf(service.endpoint), tableName: TABLE, ...options });

test('two independent stores (two clients) over one table: the second putIfAbsent of a key is refused', async () => {
  const [a, b] = [storeOf(), storeOf()];
  const key = `dpop:${randomUUID()}`;
  assert.equal(await a.putIfAbsent(key, 'instance a', 60_000), true);
  assert.equal(await b.putIfAbsent(key, 'instance b', 60_000), false);
  assert.equal(await b.get(key), 'instance a');
  const race = `dpop:${randomUUID()}`;
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).putIfAbsent(race, String(i), 60_000)));
  assert.equal(outcomes.filter(Boolean).length, 1);
});

test('the item holds the prefixed key, the value and the expiry in epoch seconds (rounded up), for DynamoDB TTL', async () => {
  const c = clock(1_900_000_000_400);
  const key = `dpop:${randomUUID()}`;
  await storeOf({ now: c.now }).putIfAbsent(key, 'v', 60_000);
  const { Item } = await clientOf(service.endpoint).send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `jwtgate:${key}` } } }));
  assert.deepEqual(Item, { pk: { S: `jwtgate:${key}` }, value: { S: 'v' }, expiresAt: { N: '1900000061' } });
});

test('an item past its TTL that DynamoDB has not deleted yet counts as absent', async () => {
  const c = clock();
  const store = storeOf({ now: c.now });
  const key = `dpop:${randomUUID()}`;
  assert.equal(await store.putIfAbsent(key, 'first', 60_000), true);
  c.advance(59_000);
  assert.equal(await store.putIfAbsent(key, 'replay', 60_000), false, 'still live');
  assert.equal(await store.get(key), 'first');
  c.advance(2000); // past the expiry second: the item is still in the table
  assert.equal(await store.get(key), undefined);
  assert.equal(await store.putIfAbsent(key, 'second', 60_000), true);
  assert.equal(await store.get(key), 'second');
  // And one written by someone else without an expiry is taken as live (fail closed).
  const foreign = `dpop:${randomUUID()}`;
  await clientOf(service.endpoint).send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `jwtgate:${foreign}` }, value: { S: 'x' } } }));
  assert.equal(await store.putIfAbsent(foreign, 'v', 60_000), false);
});

test('get and set, with other attribute names', async () => {
  const store = storeOf({ valueAttribute: 'v', ttlAttribute: 'ttl' });
  const key = `jwks:${randomUUID()}`;
  assert.equal(await store.get(key), undefined);
  await store.set(key, 'old', 60_000);
  await store.set(key, 'new', 60_000);
  assert.equal(await store.get(key), 'new');
  assert.throws(() => storeOf({ tableName: '' }), { field: 'tableName' });
  assert.throws(() => storeOf({ ttlAttribute: 'pk' }), { field: 'ttlAttribute' });
  assert.throws(() => dynamoDbStore({ tableName: TABLE }), { field: 'client' });
});

test('a missing table, and the service down: calls fail closed within the timeout', async () => {
  await assert.rejects(storeOf({ tableName: 'no-such-table' }).putIfAbsent('dpop:x', 'v', 60_000), { code: STORE_UNAVAILABLE, reason: 'failed' });
  const own = await startDynalite();
  const store = dynamoDbStore({ client: new DynamoDBClient({ endpoint: own.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }), tableName: TABLE, timeoutMs: 200 });
  await new Promise((resolve) => own.server.close(resolve));
  for (const call of [() => store.putIfAbsent('dpop:y', 'v', 60_000), () => store.get('dpop:y'), () => store.set('k', 'v', 1000)]) {
    const started = performance.now();
    await assert.rejects(call(), { code: STORE_UNAVAILABLE });
    assert.ok(performance.now() - started < 400, 'within the timeout (the SDK retries with backoff)');
  }
});
