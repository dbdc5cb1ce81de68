import type { GuardOptions, GuardedStore } from '../stores.js';

export interface DynamoDbStoreOptions extends GuardOptions {
  /** A `DynamoDBClient` of `@aws-sdk/client-dynamodb` (an optional peer dependency). */
  client: { send(command: any, options?: any): Promise<any> };
  /** The table; its partition key is a string attribute named `keyAttribute`. */
  tableName: string;
  /** Default `"pk"`. */
  keyAttribute?: string;
  /** Default `"value"`. */
  valueAttribute?: string;
  /** Epoch seconds; enable the table's TTL on it. Default `"expiresAt"`. */
  ttlAttribute?: string;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * A store in DynamoDB: `putIfAbsent` is a conditional `PutItem` that also treats an item past its
 * TTL as absent (DynamoDB deletes expired items lazily); reads are strongly consistent.
 * @example
 * const store = dynamoDbStore({ client: new DynamoDBClient({ maxAttempts: 2 }), tableName: 'jwtgate' });
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): GuardedStore;
