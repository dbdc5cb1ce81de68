// A store in a DynamoDB table, through the AWS SDK v3 (`@aws-sdk/client-dynamodb`, an optional
// peer dependency: only this module imports it). The table's partition key is a string attribute
// (`keyAttribute`); enable the table's TTL on `ttlAttribute`, which holds epoch seconds.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { optionsError } from '../../core/errors.mjs';
import { guardStore } from './guard.mjs';

/**
 * A guarded store over `tableName`, sent through `client` (a `DynamoDBClient`); the other
 * options are `guardStore`'s. Give the client a short timeout and few retries of its own
 * (`maxAttempts`, `requestHandler`'s timeouts): the guard stops waiting, not the SDK.
 */
export function dynamoDbStore({
  client, tableName, keyAttribute = 'pk', valueAttribute = 'value', ttlAttribute = 'expiresAt',
  now = () => Date.now(), ...guard
} = {}) {
  if (typeof client?.send !== 'function') throw optionsError('client', 'must be a DynamoDBClient');
  for (const [field, value] of Object.entries({ tableName, keyAttribute, valueAttribute, ttlAttribute })) {
    if (typeof value !== 'string' || value === '') throw optionsError(field, 'must be a non-empty string');
  }
  if (new Set([keyAttribute, valueAttribute, ttlAttribute]).size !== 3) throw optionsError('ttlAttribute', 'the three attributes must differ');
  if (typeof now !== 'function') throw optionsError('now', 'must be a function');
  return guardStore(new DynamoDbStore({ client, tableName, keyAttribute, valueAttribute, ttlAttribute, now }), guard);
}

const seconds = (ms) => Math.floor(ms / 1000);

class DynamoDbStore {
  #table;

  constructor(table) {
    this.#table = table;
  }

  async putIfAbsent(key, value, ttlMs) {
    const { client, tableName, keyAttribute, ttlAttribute, now } = this.#table;
    const at = now();
    try {
      await client.send(new PutItemCommand({
        TableName: tableName,
        Item: this.#item(key, value, at + ttlMs),
        // DynamoDB deletes expired items lazily (within days): until then one is still there,
        // and counts as absent when its expiry has passed.
        ConditionExpression: 'attribute_not_exists(#key) OR #expires <= :now',
        ExpressionAttributeNames: { '#key': keyAttribute, '#expires': ttlAttribute },
        ExpressionAttributeValues: { ':now': { N: String(seconds(at)) } },
      }));
      return true;
    } catch (error) {
      if (error?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async get(key) {
    const { client, tableName, keyAttribute, valueAttribute, ttlAttribute, now } = this.#table;
    const { Item: item } = await client.send(new GetItemCommand({
      TableName: tableName, Key: { [keyAttribute]: { S: key } }, ConsistentRead: true,
    }));
    if (item === undefined || !(Number(item[ttlAttribute]?.N) > seconds(now()))) return undefined;
    const value = item[valueAttribute]?.S;
    if (typeof value !== 'string') throw new Error(`the item's ${valueAttribute} is not a string`);
    return value;
  }

  async set(key, value, ttlMs) {
    const { client, tableName, now } = this.#table;
    await client.send(new PutItemCommand({ TableName: tableName, Item: this.#item(key, value, now() + ttlMs) }));
  }

  /** The item, its expiry rounded up to the second: an entry may outlive its TTL, never fall short of it. */
  #item(key, value, expiresAtMs) {
    const { keyAttribute, valueAttribute, ttlAttribute } = this.#table;
    return {
      [keyAttribute]: { S: key },
      [valueAttribute]: { S: value },
      [ttlAttribute]: { N: String(Math.ceil(expiresAtMs / 1000)) },
    };
  }
}
