// The edge middleware for real: Node's Request/Response, Hono, and a worker in workerd that
// fetches its JWKS from a local server. Valid, expired, tampered, missing and forbidden tokens.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as jose from 'jose';
import { Hono } from 'hono';
import { createEdgeGuard } from '../../pkg/src/adapters/edge.mjs';
import { jwtGate } from '../../pkg/src/adapters/hono.mjs';
import { startWorker } from './helpers/workerd.mjs';

const ISSUER = 'https://idp.example';
const AUDIENCE = 'orders-api';
const policy = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /orders', 'GET /orders/{id}'], scopes: { anyOf: ['orders:read'] } },
    { id: 'admin', effect: 'allow', routes: ['* /admin/**'], when: [{ claim: 'groups', containsAny: ['admin'] }] },
  ],
};

let jwks, privateKey, jwksServer, jwksUrl, fetches = 0;
const tokens = {};

async function sign(claims, { key = privateKey, exp = '10m' } = {}) {
  return new jose.SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt().setExpirationTime(exp).sign(key);
}

before(async () => {
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  const attacker = await jose.generateKeyPair('ES256');
  const good = await sign({ scope: 'orders:read' });
  const [h, , s] = good.split('.');
  tokens.valid = good;
  tokens.expired = await sign({ scope: 'orders:read' }, { exp: Math.floor(Date.now() / 1000) - 60 });
  tokens.tampered = `${h}.${jose.base64url.encode(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', scope: 'orders:read', exp: 4e9 }))}.${s}`;
  tokens.forged = await sign({ scope: 'orders:read' }, { key: attacker.privateKey });
  tokens.forbidden = await sign({ scope: 'profile' });
  jwksServer = createServer((req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(jwks));
  });
  await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/jwks.json`;
});

after(() => jwksServer?.close());

const request = (path, token, init = {}) => new Request(`https://api.example${path}`, {
  ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
});

/** The expectations every runtime must meet: status, challenge, JSON body without the token. */
async function assertRefused(response, status, error, token) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('content-type'), 'application/json');
  const challenge = response.headers.get('www-authenticate');
  assert.match(challenge, /^Bearer realm="orders"/);
  if (error) assert.match(challenge, new RegExp(`error="${error}", error_description="[^"]+"`));
  else assert.equal(challenge, 'Bearer realm="orders"');
  const body = await response.text();
  if (token) assert.ok(!body.includes(token.split('.')[2]), 'the body never echoes the token');
  if (error) assert.equal(JSON.parse(body).error, error);
}

describe('with Node Request/Response', () => {
  let guard;
  before(() => {
    guard = createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, policy, realm: 'orders', log: false, allowPreflight: true });
  });

  test('a valid token passes with the decision and payload', async () => {
    const auth = await guard(request('/orders/7', tokens.valid));
    assert.equal(auth.ok, true);
    assert.equal(auth.payload.sub, 'alice');
    assert.equal(auth.decision.rule, 'read');
  });

  test('expired, tampered and forged tokens get 401 invalid_token', async () => {
    for (const name of ['expired', 'tampered', 'forged']) {
      const auth = await guard(request('/orders', tokens[name]));
      assert.equal(auth.ok, false, name);
      await assertRefused(auth.response, 401, 'invalid_token', tokens[name]);
    }
    const expired = await guard(request('/orders', tokens.expired));
    assert.match(expired.response.headers.get('www-authenticate'), /ERR_JWT_EXPIRED/);
  });

  test('no token at all gets 401 with just the realm; another scheme counts as none', async () => {
    await assertRefused((await guard(request('/orders'))).response, 401);
    await assertRefused((await guard(request('/orders', null, { headers: { authorization: 'Basic YTpi' } }))).response, 401);
  });

  test('a valid token the policy denies gets 403 insufficient_scope', async () => {
    const auth = await guard(request('/orders', tokens.forbidden));
    assert.equal(auth.status, 403);
    assert.match(auth.decision.reason, /rule|allow/);
    // The reason is the caller's; the client is not told how the policy is written.
    assert.ok(!auth.response.headers.get('www-authenticate').includes(auth.decision.reason));
    await assertRefused(auth.response, 403, 'insufficient_scope', tokens.forbidden);
  });

  test('scheme in any case, and OPTIONS preflight let through when enabled', async () => {
    const lower = await guard(new Request('https://api.example/orders', { headers: { Authorization: `bEaReR ${tokens.valid}` } }));
    assert.equal(lower.ok, true);
    const cors = { origin: 'https://app.example', 'access-control-request-method': 'DELETE' };
    const preflight = await guard(new Request('https://api.example/orders', { method: 'OPTIONS', headers: cors }));
    assert.deepEqual(preflight, { ok: true, preflight: true });
    // Not a preflight (no Origin, or no Access-Control-Request-Method): a token is needed.
    for (const headers of [{}, { origin: cors.origin }, { 'access-control-request-method': 'GET' }]) {
      const plain = await guard(new Request('https://api.example/orders', { method: 'OPTIONS', headers }));
      await assertRefused(plain.response, 401);
    }
    const strict = createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, policy, log: false });
    assert.equal((await strict(new Request('https://api.example/orders', { method: 'OPTIONS', headers: cors }))).response.status, 401);
  });

  test('the policy decides on the decoded path, as routers match it', async () => {
    const admin = await sign({ scope: 'orders:read', groups: ['admin'] });
    // 'read' allows GET /orders/{id} only: an escaped letter names the same path.
    assert.equal((await guard(request('/%6Frders/7', tokens.valid))).ok, true);
    const escaped = await guard(request('/%61dmin/users', tokens.valid));
    await assertRefused(escaped.response, 403, 'insufficient_scope');
    assert.equal((await guard(request('/%61dmin/users', admin))).ok, true);
    // A parameter sees the decoded value.
    assert.equal((await guard(request('/orders/a%20b', tokens.valid))).ok, true);
    // An escaped separator makes two readings, `/orders/a%2Fb` and `/orders/a/b`: both must be
    // allowed, as in every Lambda event shape; a one-segment parameter takes only the first.
    for (const path of ['/orders/a%2Fb', '/orders/a%2fb']) {
      const split = await guard(request(path, tokens.valid));
      await assertRefused(split.response, 403, 'insufficient_scope');
    }
    // Anything else decodes to one segment: a `%` without two hex digits stays a `%`, and
    // bytes that are not UTF-8 are replaced, as lenient decoders do.
    for (const path of ['/orders/a%5Cb', '/orders/%E0%A4%A', '/orders/%zz']) {
      assert.equal((await guard(request(path, tokens.valid))).ok, true, path);
    }
  });

  test('HEAD must be allowed as GET too', async () => {
    const headOnly = { rules: [{ id: 'head', effect: 'allow', routes: ['HEAD /orders'] }] };
    const both = { rules: [{ id: 'any', effect: 'allow', routes: ['* /orders'] }, { id: 'no-get', effect: 'deny', routes: ['GET /orders'] }] };
    const ask = (p, method) => createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, policy: p, realm: 'orders', log: false })(request('/orders', tokens.valid, { method }));
    assert.equal((await ask(headOnly, 'HEAD')).status, 403, 'allowed as HEAD, not as GET');
    assert.equal((await ask(both, 'HEAD')).status, 403, 'GET denied');
    assert.equal((await ask(both, 'POST')).ok, true);
    const getAndHead = { rules: [{ id: 'read', effect: 'allow', routes: ['GET /orders', 'HEAD /orders'] }] };
    assert.equal((await ask(getAndHead, 'HEAD')).ok, true);
  });

  test('token from a configured cookie', async () => {
    const cookieGuard = createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, policy, tokenCookie: 'session', realm: 'orders', log: false });
    const auth = await cookieGuard(new Request('https://api.example/orders', { headers: { cookie: `theme=dark; session=${tokens.valid}` } }));
    assert.equal(auth.ok, true);
    // Given twice, it is ambiguous (a backend might read the other one): refused as no token.
    const twice = await cookieGuard(new Request('https://api.example/orders', { headers: { cookie: `session=${tokens.forged}; session=${tokens.valid}` } }));
    await assertRefused(twice.response, 401, undefined, tokens.valid);
    // Cookie parsers (npm cookie, Hono's getCookie) trim names and read the first: `session `
    // is a second session cookie.
    const spaced = await cookieGuard(new Request('https://api.example/orders', { headers: { cookie: `session =${tokens.forged}; session=${tokens.valid}` } }));
    await assertRefused(spaced.response, 401, undefined, tokens.valid);
    // A different token in the Authorization header and the cookie: the backend might read either.
    const both = (cookieToken) => cookieGuard(new Request('https://api.example/orders', { headers: { authorization: `Bearer ${tokens.valid}`, cookie: `session=${cookieToken}` } }));
    await assertRefused((await both(tokens.forged)).response, 401, undefined, tokens.valid);
    assert.equal((await both(tokens.valid)).ok, true, 'the same token in both is one token');
  });

  test('a token query parameter given twice is refused as no token', async () => {
    const queryGuard = createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, policy, tokenQuery: 'access_token', realm: 'orders', log: false });
    const url = (query) => `https://api.example/orders?${query}`;
    assert.equal((await queryGuard(new Request(url(`access_token=${tokens.valid}`)))).ok, true);
    const twice = await queryGuard(new Request(url(`access_token=${tokens.forged}&access_token=${tokens.valid}`)));
    await assertRefused(twice.response, 401, undefined, tokens.valid);
  });

  test('keys from a jwksUri are fetched once and shared across requests', async () => {
    const before = fetches;
    const remote = createEdgeGuard({ issuer: ISSUER, audience: AUDIENCE, jwksUri: jwksUrl, policy, log: false });
    for (let i = 0; i < 5; i += 1) assert.equal((await remote(request('/orders', tokens.valid))).ok, true);
    assert.equal(fetches - before, 1);
  });
});

describe('with Hono', () => {
  test('the middleware refuses or sets the payload on the context', async () => {
    const app = new Hono();
    app.use('/orders/*', jwtGate({ issuer: ISSUER, audience: AUDIENCE, jwks, policy, realm: 'orders', log: false }));
    app.get('/orders/:id', (c) => c.json({ sub: c.get('jwtPayload').sub, rule: c.get('jwtgate').decision.rule }));
    const ok = await app.request('/orders/7', { headers: { authorization: `Bearer ${tokens.valid}` } });
    assert.deepEqual(await ok.json(), { sub: 'alice', rule: 'read' });
    await assertRefused(await app.request('/orders/7', { headers: { authorization: `Bearer ${tokens.expired}` } }), 401, 'invalid_token', tokens.expired);
    await assertRefused(await app.request('/orders/7'), 401);
  });

  test('an escaped path or a HEAD request does not reach a handler the policy denies', async () => {
    const app = new Hono();
    const denyAdmin = { rules: [{ id: 'all', effect: 'allow', routes: ['* /api/**'] }, { id: 'no-admin', effect: 'deny', routes: ['* /api/admin/**'] }, { id: 'no-get', effect: 'deny', routes: ['GET /api/report'] }] };
    app.use('/api/*', jwtGate({ issuer: ISSUER, audience: AUDIENCE, jwks, policy: denyAdmin, realm: 'orders', log: false }));
    let ran = 0;
    app.get('/api/admin/secrets', (c) => { ran += 1; return c.text('secrets'); });
    app.get('/api/report', (c) => { ran += 1; return c.text('report'); });
    const headers = { authorization: `Bearer ${tokens.valid}` };
    for (const path of ['/api/admin/secrets', '/api/%61dmin/secrets', '/api/%61%64%6d%69%6e/secrets']) {
      assert.equal((await app.request(path, { headers })).status, 403, path);
    }
    assert.equal((await app.request('/api/report', { method: 'HEAD', headers })).status, 403);
    assert.equal(ran, 0);
  });
});

describe('in workerd', () => {
  let worker;
  before(async () => {
    worker = await startWorker(`
      import { createEdgeGuard } from 'jwtgate/edge';
      let guard;
      export default {
        async fetch(request, env) {
          guard ??= createEdgeGuard({ issuer: ${JSON.stringify(ISSUER)}, audience: ${JSON.stringify(AUDIENCE)},
            jwksUri: env.JWKS_URL, policy: JSON.parse(env.POLICY), realm: 'orders', log: false });
          const auth = await guard(request);
          if (!auth.ok) return auth.response;
          return Response.json({ sub: auth.payload.sub, rule: auth.decision.rule });
        },
      };`, { bindings: { JWKS_URL: jwksUrl, POLICY: JSON.stringify(policy) } });
  });
  after(() => worker?.dispose());

  const call = (path, token) => worker.mf.dispatchFetch(`https://api.example${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('valid, expired, tampered, missing and forbidden tokens', async () => {
    assert.deepEqual(await (await call('/orders/1', tokens.valid)).json(), { sub: 'alice', rule: 'read' });
    await assertRefused(await call('/orders/1', tokens.expired), 401, 'invalid_token', tokens.expired);
    await assertRefused(await call('/orders/1', tokens.tampered), 401, 'invalid_token', tokens.tampered);
    await assertRefused(await call('/orders/1'), 401);
    await assertRefused(await call('/orders/1', tokens.forbidden), 403, 'insufficient_scope', tokens.forbidden);
    // Still healthy after the refusals.
    assert.equal((await call('/orders', tokens.valid)).status, 200);
  });
});
