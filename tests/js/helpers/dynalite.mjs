// dynalite (an implementation of the DynamoDB API, from npm) on 127.0.0.1, with a table for the
// stores, reached through the real @aws-sdk/client-dynamodb.
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const TABLE = 'jwtgate-test';

export const clientOf = (endpoint) => new DynamoDBClient({
  endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1,
});

/** A dynalite server with the stores' table (`pk` as its key); `{ server, endpoint, stop }`. */
export async function startDynalite() {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  await clientOf(endpoint).send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  return { server, endpoint, stop: () => new Promise((resolve) => server.close(resolve)) };
}
