// examples/lambda: the SAM template passes cfn-lint, and the example's handler (index.mjs, as
// deployed: configuration from ISSUER/AUDIENCE, keys by OIDC discovery) decides API Gateway
// events as the example's README says. The issuer is a local HTTP server on 127.0.0.1 serving
// a discovery document and a JWKS; tokens are signed with `jose`.
//
// cfn-lint comes from scripts/setup-python.sh; the test is skipped (saying so) only when it
// is not installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';
import { cfnLintCommand } from './helpers/cfn-lint.mjs';
import { apigwEvent } from '../../pkg/src/testing/index.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples/lambda');
const AUDIENCE = 'example-client-id';
const ACCOUNT = '123456789012';
const API = 'abcdef1234';
const STAGE = 'prod';

// ---------------------------------------------------------------------------------------------
// cfn-lint

test('examples/lambda/template.yaml passes cfn-lint', (t) => {
  const found = cfnLintCommand();
  if (!found) {
    t.skip('cfn-lint is not installed: run scripts/setup-python.sh');
    return;
  }
  const [command, prefix] = found;
  const run = spawnSync(command, [...prefix, 'examples/lambda/template.yaml'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `cfn-lint exited with ${run.status}:\n${run.stdout}${run.stderr}`);
});

// ---------------------------------------------------------------------------------------------
// The handler

/**
 * IAM evaluation as API Gateway does it for one method ARN: explicit Deny, then Allow, else
 * deny. In a `Resource`, `*` is any run of characters and `?` exactly one.
 */
function effectFor(policyDocument, methodArn) {
  const glob = (pattern) => [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  const matches = (pattern) => new RegExp(`^${glob(pattern)}$`, 's').test(methodArn);
  const effects = policyDocument.Statement.filter((s) => [s.Resource].flat().some(matches)).map((s) => s.Effect);
  if (effects.includes('Deny')) return 'Deny';
  return effects.includes('Allow') ? 'Allow' : 'Deny';
}

/** A REST API REQUEST authorizer event of the example's API, as API Gateway sends it. */
const restEvent = ({ method, resource, path: requestPath, pathParameters, token }) =>
  apigwEvent('rest-request', { method, resource, path: requestPath, pathParameters, token, accountId: ACCOUNT, apiId: API, stage: STAGE });

/** An HTTP API payload 2.0 authorizer event of the example's API. */
const httpV2Event = ({ method, route, path: requestPath, pathParameters, token }) =>
  apigwEvent('http-v2', { method, routeKey: `${method} ${route}`, path: requestPath, pathParameters, token, accountId: ACCOUNT, apiId: API });

describe('examples/lambda/index.mjs against a local issuer', () => {
  let server;
  let issuer;
  let privateKey;
  let handler;
  let simpleHandler;
  const logLines = [];
  const cleanup = [];
  const originalLog = console.log;

  /** A token from the local issuer; `claims` are added to sub/iss/aud/iat/exp. */
  const sign = (claims = {}, { expiresIn = '5m', audience = AUDIENCE } = {}) =>
    new jose.SignJWT({ token_use: 'access', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setSubject('alice')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(privateKey);

  before(async () => {
    const pair = await jose.generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };

    server = http.createServer((req, res) => {
      const json = (body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') json({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` });
      else if (req.url === '/.well-known/jwks.json') json({ keys: [jwk] });
      else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Cognito's issuers look like https://cognito-idp.<region>.amazonaws.com/<pool id>.
    issuer = `http://127.0.0.1:${server.address().port}`;

    // The example imports 'jwtgate/lambda' as it would from node_modules after `npm install`;
    // link the package there unless an install already did.
    const modules = path.join(EXAMPLE, 'node_modules');
    const link = path.join(modules, 'jwtgate');
    if (!fs.existsSync(link)) {
      if (!fs.existsSync(modules)) {
        fs.mkdirSync(modules);
        cleanup.push(() => fs.rmSync(modules, { recursive: true, force: true }));
      }
      fs.symlinkSync(path.relative(modules, path.join(ROOT, 'pkg')), link, 'dir');
      cleanup.unshift(() => fs.rmSync(link, { force: true }));
    }

    // The decision log lines go to console.log (CloudWatch in Lambda): collect them.
    console.log = (line) => logLines.push(JSON.parse(line));

    process.env.ISSUER = issuer;
    process.env.AUDIENCE = AUDIENCE;
    delete process.env.SIMPLE_RESPONSES;
    ({ handler } = await import(new URL('index.mjs', `file://${EXAMPLE}/`).href));
    process.env.SIMPLE_RESPONSES = 'true';
    ({ handler: simpleHandler } = await import(new URL('index.mjs?simple', `file://${EXAMPLE}/`).href));
  });

  after(async () => {
    console.log = originalLog;
    for (const step of cleanup) step();
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('GET /pets/{petId} with scope pets:read is allowed (200), with the context', async () => {
    const token = await sign({ scope: 'openid pets:read', 'cognito:groups': ['users'] });
    const event = restEvent({ method: 'GET', resource: '/pets/{petId}', path: '/pets/7', pathParameters: { petId: '7' }, token });
    const response = await handler(event);
    assert.equal(response.principalId, 'alice');
    assert.equal(effectFor(response.policyDocument, event.methodArn), 'Allow');
    assert.deepEqual(response.context, { userId: 'alice', groups: '["users"]' });
    // The answer is cached per token for every route (ReauthorizeEvery 300): it must already
    // say no to the routes this token may not use.
    const arn = (method, p) => `arn:aws:execute-api:eu-west-1:${ACCOUNT}:${API}/${STAGE}/${method}${p}`;
    assert.equal(effectFor(response.policyDocument, arn('GET', '/pets')), 'Allow');
    assert.equal(effectFor(response.policyDocument, arn('DELETE', '/pets/7')), 'Deny');
    assert.equal(effectFor(response.policyDocument, arn('POST', '/pets')), 'Deny');
    assert.equal(effectFor(response.policyDocument, arn('GET', '/tenants/acme/orders')), 'Deny');
    assert.deepEqual(
      { decision: logLines.at(-1).decision, status: logLines.at(-1).status, rule: logLines.at(-1).rule },
      { decision: 'allow', status: 200, rule: 'read' },
    );
  });

  test('DELETE /pets/{petId} is denied (403) even for an admin', async () => {
    const token = await sign({ scope: 'pets:read', 'cognito:groups': ['admin'] });
    const event = restEvent({ method: 'DELETE', resource: '/pets/{petId}', path: '/pets/7', pathParameters: { petId: '7' }, token });
    const response = await handler(event);
    assert.equal(effectFor(response.policyDocument, event.methodArn), 'Deny');
    assert.equal(logLines.at(-1).status, 403);
    assert.equal(logLines.at(-1).rule, 'no-delete');
  });

  test('POST /pets needs the admin group; tenants only see their own orders', async () => {
    const user = await sign({ 'cognito:groups': ['users'], tenant: 'acme' });
    const admin = await sign({ 'cognito:groups': ['users', 'admin'], tenant: 'acme' });
    const post = (token) => restEvent({ method: 'POST', resource: '/pets', path: '/pets', token });
    const orders = (tenantId, token) => restEvent({
      method: 'GET', resource: '/tenants/{tenantId}/orders', path: `/tenants/${tenantId}/orders`, pathParameters: { tenantId }, token,
    });
    for (const [event, token, expected] of [
      [post(user), user, 'Deny'],
      [post(admin), admin, 'Allow'],
      [orders('acme', user), user, 'Allow'],
      [orders('globex', user), user, 'Deny'],
    ]) {
      const response = await handler(event);
      assert.equal(effectFor(response.policyDocument, event.methodArn), expected, `${event.httpMethod} ${event.path} (${token === admin ? 'admin' : 'user'})`);
    }
  });

  test('no token, an expired token or a wrong audience: Unauthorized (401)', async () => {
    const event = (token) => restEvent({ method: 'GET', resource: '/pets', path: '/pets', token });
    await assert.rejects(handler(event(undefined)), { message: 'Unauthorized' });
    const expired = await sign({ scope: 'pets:read' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    await assert.rejects(handler(event(expired)), { message: 'Unauthorized' });
    assert.equal(logLines.at(-1).code, 'ERR_JWT_EXPIRED');
    const otherAudience = await sign({ scope: 'pets:read' }, { audience: 'another-client' });
    await assert.rejects(handler(event(otherAudience)), { message: 'Unauthorized' });
    assert.equal(logLines.at(-1).status, 401);
  });

  test('SIMPLE_RESPONSES=true answers HTTP API 2.0 events with { isAuthorized, context }', async () => {
    const token = await sign({ tenant: 'acme' });
    const orders = (tenantId) => httpV2Event({
      method: 'GET', route: '/tenants/{tenantId}/orders', path: `/tenants/${tenantId}/orders`, pathParameters: { tenantId }, token,
    });
    const allowed = await simpleHandler(orders('acme'));
    assert.equal(allowed.isAuthorized, true);
    assert.equal(allowed.context.userId, 'alice');
    const denied = await simpleHandler(orders('globex'));
    assert.equal(denied.isAuthorized, false);
  });
});
