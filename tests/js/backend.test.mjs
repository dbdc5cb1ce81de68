// `jwtgate/backend`: the policy applied in the backend Lambda to the claims API Gateway's own JWT
// authorizer verified (HTTP API 2.0 and 1.0, REST), as `withPolicy` and as a `@middy/core`
// middleware; and the typed context a jwtgate Lambda authorizer sends, read back from the proxy
// events API Gateway gives the backend (the real captures in ../shared/fixtures/apigw, and
// `apigwEvent`'s events turned into proxy events as API Gateway does).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import middy from '@middy/core';
import { jwtgatePolicy, readAuthorizerContext, withPolicy } from '../../pkg/src/adapters/backend.mjs';
import { createLambdaAuthorizer } from '../../pkg/src/adapters/lambda.mjs';
import { Policy } from '../../pkg/src/runtime/node.mjs';
import { apigwEvent, createTestIssuer } from '../../pkg/src/testing/index.mjs';
import { FIXTURES } from './helpers/fixtures.mjs';

const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, 'powertools-lambda-typescript', name), 'utf8'));

const POLICY = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
    { id: 'admin', effect: 'allow', routes: ['POST /lambda', 'POST /lambda-token', 'DELETE /pets/{petId}'], when: [{ claim: 'cognito:groups', containsAny: ['admin'] }] },
    { id: 'tenant', effect: 'allow', routes: ['GET /tenants/{tenantId}/orders'], when: [{ claim: 'tenant', equalsParam: 'tenantId' }] },
    { id: 'no-secrets', effect: 'deny', routes: ['* /pets/secret'] },
    { id: 'head-only', effect: 'allow', routes: ['HEAD /files/{f}', 'HEAD /both/{f}', 'GET /both/{f}'] },
  ],
  context: {
    userId: 'sub',
    groups: { claim: 'cognito:groups', type: 'string[]' },
    level: { claim: 'level', type: 'number' },
    staff: { claim: 'staff', type: 'boolean' },
    address: { claim: 'address', type: 'json' },
  },
};

/** The real HTTP API 2.0 proxy event (a capture), its authorizer replaced by a JWT authorizer's: every claim a string, arrays as `[a b]`. */
function httpJwtEvent(claims, { method, path } = {}) {
  const event = fixture('apigw-http_lambda-authorizer-auth.json');
  if (method) event.requestContext.http.method = method;
  if (path) event.rawPath = event.requestContext.http.path = path;
  event.requestContext.authorizer = { jwt: { claims, scopes: null } };
  return event;
}

/** The real REST proxy event (a capture), with the claims REST's JWT authorizer passes: each with its JSON type. */
function restJwtEvent(claims, { method, path } = {}) {
  const event = fixture('apigw-rest_lambda-authorizer-auth.json');
  if (method) event.httpMethod = event.requestContext.httpMethod = method;
  if (path) {
    event.path = event.resource = event.requestContext.resourcePath = path;
    event.requestContext.path = `/prod${path}`;
  }
  event.requestContext.authorizer = { claims };
  return event;
}

/**
 * The proxy event API Gateway gives the backend for a request `apigwEvent` describes: the
 * authorizer's members out (`type`, the ARN, the identity source), the authorizer's result in.
 */
function proxyOf(shape, options, authorizer) {
  const { type, methodArn, routeArn, identitySource, authorizationToken, ...event } = apigwEvent(shape, options);
  return { ...event, requestContext: { ...event.requestContext, authorizer }, body: 'x'.repeat(2 << 20), isBase64Encoded: false };
}

const ok = async (event) => ({ statusCode: 200, body: JSON.stringify(event.jwtgate) });

describe('withPolicy, behind an HTTP API JWT authorizer', () => {
  const handler = withPolicy(POLICY, ok, { log: false });

  test('allowed requests reach the handler with the decision, the principal and the typed context', async () => {
    const event = httpJwtEvent({ sub: 'alice', 'cognito:groups': '[admin users]', level: '3', iss: 'https://idp', exp: '1718639600' });
    const answer = await handler(event);
    assert.equal(answer.statusCode, 200);
    const { decision, principalId, context, claims } = JSON.parse(answer.body);
    assert.equal(decision.rule, 'admin');
    assert.equal(principalId, 'alice');
    // `[a b]` is read back as the array the token held.
    assert.deepEqual(claims['cognito:groups'], ['admin', 'users']);
    assert.deepEqual(context.groups, ['admin', 'users']);
    assert.equal(context.userId, 'alice');
  });

  test('a denied request is answered 403 with RFC 6750 insufficient_scope, without the handler', async () => {
    let called = false;
    const guarded = withPolicy(POLICY, async () => { called = true; }, { log: false });
    const answer = await guarded(httpJwtEvent({ sub: 'bob', 'cognito:groups': '[users]' }));
    assert.equal(called, false);
    assert.equal(answer.statusCode, 403);
    assert.equal(answer.headers['WWW-Authenticate'], 'Bearer error="insufficient_scope"');
    assert.equal(answer.headers['Cache-Control'], 'no-store');
    assert.equal(JSON.parse(answer.body).error, 'insufficient_scope');
  });

  test('no verified claims (a route without the JWT authorizer, a Lambda authorizer\'s context) is 401', async () => {
    for (const authorizer of [undefined, { lambda: null }, { lambda: { sub: 'alice' } }, { jwt: { claims: null } }]) {
      const event = fixture('apigw-http_lambda-authorizer-auth.json');
      if (authorizer) event.requestContext.authorizer = authorizer;
      else delete event.requestContext.authorizer;
      const answer = await handler(event);
      assert.equal(answer.statusCode, 401, JSON.stringify(authorizer));
      assert.equal(answer.headers['WWW-Authenticate'], 'Bearer');
      assert.deepEqual(JSON.parse(answer.body), { message: 'Unauthorized' });
    }
    assert.equal((await handler('not an event')).statusCode, 401);
  });

  test('the request semantics are the core\'s: escapes decoded once, HEAD needs GET, the stage out of the path, deny wins', async () => {
    const reader = { sub: 'r', scope: 'pets:read' };
    const status = async (method, path, stage = '$default', claims = reader) => {
      const event = proxyOf('http-v2', { method, path, stage }, { jwt: { claims, scopes: ['pets:read'] } });
      return (await handler(event)).statusCode;
    };
    assert.equal(await status('GET', '/pets/7'), 200);
    assert.equal(await status('GET', '/pets/7', 'prod'), 200);
    assert.equal(await status('HEAD', '/pets/7'), 403, 'HEAD must be allowed as HEAD and as GET');
    assert.equal(await status('HEAD', '/files/a'), 403, 'HEAD must be allowed as a GET too');
    assert.equal(await status('HEAD', '/both/a'), 200);
    assert.equal(await status('POST', '/pets/7'), 403);
    assert.equal(await status('GET', '/pets/secret'), 403);
    assert.equal(await status('GET', '/pets/%73ecret'), 403);
    assert.equal(await status('GET', '/pets/a%2Fb'), 403, 'an escaped / must be allowed as two segments too');
    assert.equal(await status('GET', '/tenants/t1/orders', '$default', { sub: 'u', tenant: 't1' }), 200);
    assert.equal(await status('GET', '/tenants/t2/orders', '$default', { sub: 'u', tenant: 't1' }), 403);
  });

  test('HTTP API payload 1.0 events carry the claims in requestContext.authorizer.claims', async () => {
    const event = proxyOf('http-v1', { method: 'GET', path: '/pets/7' }, { claims: { sub: 'alice', scope: 'pets:read' }, scopes: null });
    assert.equal((await handler(event)).statusCode, 200);
  });

  test('a claim HTTP APIs stringified no longer matches a number: numeric conditions fail closed', async () => {
    const numeric = { rules: [{ id: 'n', effect: 'allow', routes: ['GET /pets'], when: [{ claim: 'level', equals: 3 }] }] };
    const guarded = withPolicy(numeric, ok, { log: false });
    assert.equal((await guarded(httpJwtEvent({ sub: 'a', level: '3' }, { method: 'GET', path: '/pets' }))).statusCode, 403);
    assert.equal((await guarded(restJwtEvent({ sub: 'a', level: 3 }, { method: 'GET', path: '/pets' }))).statusCode, 200);
  });
});

describe('withPolicy, behind a REST API JWT authorizer', () => {
  test('claims keep their JSON types; the path is the resource path, without the stage', async () => {
    const handler = withPolicy(POLICY, ok, { log: false });
    const event = restJwtEvent({ sub: 'carol', 'cognito:groups': ['admin'], level: 7, staff: true, address: { city: 'Lyon' } });
    const answer = await handler(event);
    assert.equal(answer.statusCode, 200);
    const { context, decision } = JSON.parse(answer.body);
    assert.equal(decision.rule, 'admin');
    assert.deepEqual(context, { userId: 'carol', groups: ['admin'], level: 7, staff: true, address: { city: 'Lyon' } });
    const denied = await handler(restJwtEvent({ sub: 'carol', 'cognito:groups': ['admin'] }, { method: 'GET', path: '/pets/secret' }));
    assert.equal(denied.statusCode, 403);
  });

  test('a context over budget, or a claim of another type than its entry\'s, refuses the request (fail closed)', async () => {
    const handler = withPolicy(POLICY, ok, { log: false });
    const big = await handler(restJwtEvent({ sub: 'c', 'cognito:groups': ['admin', 'x'.repeat(5000)] }));
    assert.equal(big.statusCode, 401);
    const typed = await handler(restJwtEvent({ sub: 'c', 'cognito:groups': ['admin'], level: 'seven' }));
    assert.equal(typed.statusCode, 401);
  });

  test('the decision log: one line per decision, no claims unless logClaims', async () => {
    const lines = [];
    const handler = withPolicy(POLICY, ok, { log: (line) => lines.push(line) });
    await handler(restJwtEvent({ sub: 'dave', 'cognito:groups': ['users'] }));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'jwtgate backend decision');
    assert.equal(lines[0].decision, 'deny');
    assert.equal(lines[0].route, 'POST /lambda-token');
    assert.equal(lines[0].principal, 'dave');
    assert.equal(lines[0].trace, undefined);
    assert.throws(() => withPolicy(POLICY, ok, { logs: false }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'logs' });
    assert.throws(() => withPolicy({ rules: 'x' }, ok), { code: 'ERR_POLICY_INVALID' });
  });
});

describe('jwtgatePolicy, a @middy/core middleware', () => {
  test('refusals end the chain; allowed requests reach the handler with event.jwtgate', async () => {
    let calls = 0;
    const handler = middy(async (event) => {
      calls += 1;
      return { statusCode: 200, body: event.jwtgate.principalId };
    }).use(jwtgatePolicy(new Policy(POLICY), { log: false }));
    const allowed = await handler(httpJwtEvent({ sub: 'erin', 'cognito:groups': '[admin]' }), {});
    assert.deepEqual(allowed, { statusCode: 200, body: 'erin' });
    const denied = await handler(httpJwtEvent({ sub: 'erin', 'cognito:groups': '[users]' }), {});
    assert.equal(denied.statusCode, 403);
    const unauthorized = await handler(fixture('apigw-http_lambda-authorizer-auth.json'), {});
    assert.equal(unauthorized.statusCode, 401);
    assert.equal(calls, 1);
  });
});

describe('readAuthorizerContext: the typed context of a jwtgate Lambda authorizer', () => {
  test('from the authorizer\'s answer through each API type\'s event, back to its types', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const authorize = createLambdaAuthorizer({
      issuer: idp.issuer, fetch: idp.fetch, audience: 'api', policy: POLICY, log: false, usageIdentifierKeyClaim: 'custom:api_key',
    });
    const token = await idp.sign(
      { sub: 'frank', 'cognito:groups': ['admin', 'ops'], level: 2, staff: false, address: { city: 'Oslo' }, 'custom:api_key': 'k-123' },
      { audience: 'api' },
    );
    const answer = await authorize(apigwEvent('rest-request', { method: 'DELETE', path: '/pets/1', token }));
    assert.equal(answer.context.groups, '["admin","ops"]', 'API Gateway takes scalars only');
    assert.equal(answer.usageIdentifierKey, 'k-123', 'usageIdentifierKeyClaim, beside the typed context');
    const expected = { userId: 'frank', groups: ['admin', 'ops'], level: 2, staff: false, address: { city: 'Oslo' } };
    // REST and WebSocket APIs hand the backend every context value as a string, beside their own members.
    const stringified = Object.fromEntries(Object.entries(answer.context).map(([k, v]) => [k, String(v)]));
    const rest = fixture('apigw-rest_lambda-authorizer-auth.json');
    rest.requestContext.authorizer = { ...stringified, principalId: answer.principalId, integrationLatency: 12 };
    assert.deepEqual(readAuthorizerContext(rest, POLICY), expected);
    const websocket = proxyOf('websocket', {}, { ...stringified, principalId: 'frank' });
    assert.deepEqual(readAuthorizerContext(websocket, new Policy(POLICY)), expected);
    // HTTP API 2.0 keeps the values' types, under `lambda`.
    const http = fixture('apigw-http_lambda-authorizer-auth.json');
    http.requestContext.authorizer = { lambda: answer.context };
    assert.deepEqual(readAuthorizerContext(http, POLICY), expected);
    // Without a policy: as API Gateway passed it, without its own members.
    assert.deepEqual(readAuthorizerContext(rest), stringified);
  });

  test('the Lambda authorizer refuses (401) a token whose context would be over budget or of another type', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const lines = [];
    const authorize = createLambdaAuthorizer({ issuer: idp.issuer, fetch: idp.fetch, audience: 'api', policy: POLICY, log: (line) => lines.push(line) });
    for (const claims of [{ 'cognito:groups': ['admin', 'x'.repeat(2000)] }, { 'cognito:groups': ['admin'], level: 'high' }]) {
      const token = await idp.sign({ sub: 'gina', ...claims }, { audience: 'api' });
      await assert.rejects(authorize(apigwEvent('rest-request', { method: 'DELETE', path: '/pets/1', token })), { message: 'Unauthorized' });
    }
    assert.deepEqual(lines.filter((l) => l.msg === 'jwtgate decision').map((l) => l.code), ['ERR_JWTGATE_CONTEXT_INVALID', 'ERR_JWTGATE_CONTEXT_INVALID']);
  });

  test('the real captures: no context, and no authorizer at all', () => {
    assert.deepEqual(readAuthorizerContext(fixture('apigw-http_lambda-authorizer-auth.json'), POLICY), {});
    assert.deepEqual(readAuthorizerContext(fixture('apigw-rest_lambda-authorizer-auth.json'), POLICY), {});
    const none = fixture('apigw-rest_lambda-authorizer-auth.json');
    delete none.requestContext.authorizer;
    assert.throws(() => readAuthorizerContext(none), { code: 'ERR_APIGW_EVENT_INVALID' });
  });

  test('a value that is not of its entry\'s type is refused, naming the entry', () => {
    const rest = fixture('apigw-rest_lambda-authorizer-auth.json');
    rest.requestContext.authorizer = { principalId: 'x', level: 'high', groups: 'admin' };
    assert.throws(() => readAuthorizerContext(rest, POLICY), { code: 'ERR_JWTGATE_CONTEXT_INVALID' });
  });

  test('the mapping is checked at load: types, reserved names, sizes', () => {
    const load = (context) => new Policy({ rules: [], context });
    assert.throws(() => load({ g: { claim: 'g', type: 'list' } }), { code: 'ERR_POLICY_INVALID', field: '$.context.g.type' });
    assert.throws(() => load({ claims: 'sub' }), { code: 'ERR_POLICY_INVALID', field: '$.context.claims' });
    assert.throws(() => load({ ['n'.repeat(65)]: 'sub' }), { code: 'ERR_POLICY_INVALID' });
    assert.throws(() => load(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`c${i}`, 'sub']))), { code: 'ERR_POLICY_INVALID', field: '$.context' });
  });
});
