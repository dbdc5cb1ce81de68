// The demo: the Lambda authorizer on real API Gateway events (the captures in
// ../shared/fixtures/apigw, see its SOURCES.md), each with a token put into its identity
// source, decided against a sample policy. Prints each decision, the answer API Gateway gets,
// and one decision log line. Tokens come from jwtgate/testing's throwaway issuer, so the demo
// needs nothing but the package.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Authorizer } from '../pkg/src/adapters/lambda.mjs';
import { createTestIssuer } from '../pkg/src/testing/index.mjs';

const FIXTURES = [process.env.JWTGATE_FIXTURES, resolve(import.meta.dirname, '../../shared/fixtures/apigw'), '/work/shared/fixtures/apigw']
  .find((dir) => dir && existsSync(dir));

const POLICY = {
  rules: [
    { id: 'orders', effect: 'allow', routes: ['POST /lambda-token', 'POST /lambda-request', 'POST /lambda', 'GET /request'], scopes: { anyOf: ['orders:write'] } },
    { id: 'no-admin', effect: 'deny', routes: ['* /admin/**'] },
  ],
  context: { user: 'sub', tenant: 'tenant' },
};

/** Each capture, with `token` where API Gateway puts the identity source. */
const EVENTS = {
  'REST TOKEN (a real capture, eu-west-1)': ['powertools-lambda-typescript/apigw-rest_authorizer-token.json', (e, t) => { e.authorizationToken = `Bearer ${t}`; }],
  'REST REQUEST (a real capture)': ['powertools-lambda-typescript/apigw-rest_authorizer-request.json', withHeader('Authorization')],
  'HTTP API, payload 1.0': ['aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json', withHeader('Authorization')],
  'HTTP API, payload 2.0 (a real capture)': ['powertools-lambda-typescript/apigw-http_authorizer-request.json', withHeader('authorization')],
};

function withHeader(name) {
  return (event, token) => {
    event.headers = { ...event.headers, [name]: `Bearer ${token}` };
    if (event.multiValueHeaders) event.multiValueHeaders[name] = [`Bearer ${token}`];
    if (Array.isArray(event.identitySource)) event.identitySource = [`Bearer ${token}`];
    else if (typeof event.identitySource === 'string') event.identitySource = `Bearer ${token}`;
  };
}

if (!FIXTURES) {
  console.error('The API Gateway captures were not found (../shared/fixtures/apigw, or JWTGATE_FIXTURES).');
  process.exit(1);
}

const issuer = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.example' });
const alice = await issuer.sign({ sub: 'alice', aud: 'orders-api', scope: 'orders:write', tenant: 't1' });
const bob = await issuer.sign({ sub: 'bob', aud: 'orders-api', scope: 'orders:read' });
let logged;
const authorizer = new Authorizer({
  issuer: issuer.issuer, fetch: issuer.fetch, audience: 'orders-api', policy: POLICY,
  log: (line) => { logged ??= line; },
});

console.log(`The Lambda authorizer on real API Gateway events (${FIXTURES}), with the policy:\n${JSON.stringify(POLICY)}\n`);
for (const [name, [file, put]] of Object.entries(EVENTS)) {
  for (const [who, token] of [['alice (orders:write)', alice], ['bob (orders:read)', bob]]) {
    const event = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    put(event, token);
    const outcome = await authorizer.handleEvent(event);
    const verdict = outcome.status === 200 ? 'ALLOW' : outcome.status === 403 ? 'DENY ' : '401  ';
    console.log(`${verdict} ${name}, ${who}: ${outcome.route} — ${outcome.decision?.reason ?? outcome.error?.message}`);
    console.log(`      API Gateway gets: ${JSON.stringify(outcome.response)}`);
  }
}
const expired = await issuer.sign({ sub: 'carol', aud: 'orders-api', scope: 'orders:write' }, { expiresIn: -60 });
const event = JSON.parse(readFileSync(join(FIXTURES, EVENTS['REST TOKEN (a real capture, eu-west-1)'][0]), 'utf8'));
event.authorizationToken = `Bearer ${expired}`;
await authorizer.respond(event).catch((error) => console.log(`401   an expired token: the handler throws Error('${error.message}'), API Gateway answers 401`));

console.log(`\nOne decision log line (one per decision, JSON, never the token):\n${JSON.stringify(logged)}`);
