// RemoteKeySet (pkg/src/io/jwks.mjs) against a local HTTP server that each test scripts: discovery,
// caching and max-age, rotation, the unknown-kid flood, sharing of in-flight requests, outages,
// garbage, timeouts and oversized bodies; key sets shared through a store, and snapshots. Time is an injected clock, so nothing sleeps except
// the timeout tests (200 ms).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { Verifier, KeySet, JwtGateError } from '../../pkg/src/runtime/node.mjs'; // loads the wasm first
import { RemoteKeySet, remoteKeySet, snapshotJwks } from '../../pkg/src/io/jwks.mjs';
import { guardStore, memoryStore } from '../../pkg/src/io/stores/index.mjs';
import { Authorizer } from '../../pkg/src/adapters/authorizer.mjs';

const SECOND = 1000;
const PUBLISHED_SECRET = 'a symmetric key in a remote key set: anyone who can read the set could sign tokens';
const COOLDOWN = 30 * SECOND;

/** ES256 key pairs by kid; public JWKs in `jwk`. */
const pairs = {};

before(async () => {
  for (const kid of ['k1', 'k2']) {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    pairs[kid] = { privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  }
});

const jwks = (...kids) => JSON.stringify({ keys: kids.map((kid) => pairs[kid].jwk) });

/** A clock the tests move by hand. */
function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t, advance: (ms) => { c.t += ms; } };
  return c;
}

/**
 * A server on 127.0.0.1 (random port) answering with `server.handler(req, res)`, which tests
 * replace at will; `hits(path)` counts requests per path. Closed after the test.
 */
async function startServer(t, handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    state.handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const state = {
    base,
    handler,
    requests,
    hits: (path) => requests.filter((url) => url === path).length,
  };
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return state;
}

/** A handler that sends `body` with `status` and `headers`, after `delayMs`. */
function reply(body, { status = 200, headers = {}, delayMs = 0 } = {}) {
  return (req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    }, delayMs);
  };
}

async function signedToken(kid, issuer = 'https://idp.example', lifetime = '5m') {
  return new jose.SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(issuer)
    .setAudience('api')
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(pairs[kid].privateKey);
}

function verify(keys, token) {
  return new Verifier({ keys, issuer: 'https://idp.example', audience: 'api', algorithms: ['ES256'] }).verify(token);
}

const kidsOf = (keySet) => keySet.keys.map((key) => key.kid).sort();

async function rejectsWith(promise, code, messagePart) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof JwtGateError, `${error}`);
    assert.equal(error.code, code, error.message);
    if (messagePart) assert.ok(error.message.includes(messagePart), error.message);
    return true;
  });
}

describe('discovery', () => {
  test('issuer → openid-configuration → jwks_uri (trailing slash of the issuer ignored for the path)', async (t) => {
    const server = await startServer(t, (req, res) => {
      if (req.url === '/tenant/.well-known/openid-configuration') {
        return reply(JSON.stringify({ issuer: `${server.base}/tenant/`, jwks_uri: `${server.base}/tenant/keys` }))(req, res);
      }
      if (req.url === '/tenant/keys') return reply(jwks('k1'))(req, res);
      reply('{}', { status: 404 })(req, res);
    });
    const rks = new RemoteKeySet({ issuer: `${server.base}/tenant/` });
    const keys = await rks.getKeySet();
    assert.ok(keys instanceof KeySet);
    assert.deepEqual(kidsOf(keys), ['k1']);
    assert.deepEqual(server.requests, ['/tenant/.well-known/openid-configuration', '/tenant/keys']);
    assert.equal(rks.lastError, undefined);
  });

  test("a discovery document naming another issuer is refused, and its jwks_uri never fetched", async (t) => {
    const server = await startServer(t, (req, res) => {
      if (req.url.endsWith('/openid-configuration')) {
        return reply(JSON.stringify({ issuer: 'https://evil.example', jwks_uri: `${server.base}/keys` }))(req, res);
      }
      reply(jwks('k1'))(req, res);
    });
    const rks = new RemoteKeySet({ issuer: server.base });
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_INVALID', 'https://evil.example');
    assert.equal(server.hits('/keys'), 0);
    assert.equal(rks.lastError.code, 'ERR_JWKS_INVALID');
  });

  test('a discovery document whose jwks_uri is plain http to another host is refused', async (t) => {
    const server = await startServer(t, (req, res) => {
      reply(JSON.stringify({ issuer: server.base, jwks_uri: 'http://keys.example/jwks' }))(req, res);
    });
    const rks = new RemoteKeySet({ issuer: server.base, fetch: (url, init) => (String(url).startsWith(server.base) ? fetch(url, init) : assert.fail(`fetched ${url}`)) });
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_INVALID', 'https URL');
  });

  test('keys redirected to plain http are refused', async () => {
    const redirected = async () => Object.defineProperty(new Response(jwks('k1')), 'url', { value: 'http://keys.example/jwks' });
    const rks = new RemoteKeySet({ jwksUri: 'https://idp.example/jwks', fetch: redirected });
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_FETCH_FAILED', 'https only');
  });

  test('redirects are followed only to https (or loopback http), each hop checked before it is fetched', async (t) => {
    const server = await startServer(t, (req, res) => {
      if (req.url === '/moved') return res.writeHead(302, { location: '/keys' }).end();
      if (req.url === '/loop') return res.writeHead(307, { location: '/loop' }).end();
      reply(jwks('k1'))(req, res);
    });
    const followed = new RemoteKeySet({ jwksUri: `${server.base}/moved` });
    assert.deepEqual((await followed.getKeySet()).keys.map((k) => k.kid), ['k1']);
    assert.equal(server.hits('/keys'), 1);
    await rejectsWith(new RemoteKeySet({ jwksUri: `${server.base}/loop` }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', 'over 5 redirects');

    // https -> plain http on another host -> (whatever that hop answers): refused at the
    // first hop, which is never fetched.
    const fetched = [];
    const hops = {
      'https://idp.example/jwks': () => new Response(null, { status: 301, headers: { location: 'http://mirror.example/jwks' } }),
      'https://idp.example/bad': () => new Response(null, { status: 302, headers: { location: 'https://[' } }),
      'https://idp.example/local': () => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:2375/jwks' } }),
      // A non-standard Response (node-fetch v2: its body is a Node stream, without `cancel`).
      'https://idp.example/moved': () => ({ status: 302, headers: new Headers({ location: '/keys' }), body: {} }),
    };
    const fakeFetch = async (url, init) => {
      fetched.push(String(url));
      assert.equal(init.redirect, 'manual');
      return hops[url]?.() ?? new Response(jwks('k1'));
    };
    await rejectsWith(new RemoteKeySet({ jwksUri: 'https://idp.example/jwks', fetch: fakeFetch }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', 'https only');
    await rejectsWith(new RemoteKeySet({ jwksUri: 'https://idp.example/bad', fetch: fakeFetch }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', 'https only');
    // Nor from a remote server to this machine.
    await rejectsWith(new RemoteKeySet({ jwksUri: 'https://idp.example/local', fetch: fakeFetch }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', 'https only');
    assert.deepEqual(fetched, ['https://idp.example/jwks', 'https://idp.example/bad', 'https://idp.example/local']);
    const moved = await new RemoteKeySet({ jwksUri: 'https://idp.example/moved', fetch: fakeFetch }).getKeySet();
    assert.deepEqual(moved.keys.map((k) => k.kid), ['k1']);
    assert.deepEqual(fetched.slice(3), ['https://idp.example/moved', 'https://idp.example/keys']);
  });

  test('options: exactly one of jwksUri and issuer, valid URLs', () => {
    for (const options of [{}, { jwksUri: 'https://a.example/k', issuer: 'https://a.example' }, { jwksUri: 'not a url' }]) {
      assert.throws(() => new RemoteKeySet(options), { code: 'ERR_JWTGATE_INVALID_OPTIONS' });
    }
    // Keys only over https, or plain http to this machine.
    for (const [field, url] of [['jwksUri', 'http://idp.example/k'], ['issuer', 'http://idp.example'], ['jwksUri', 'file:///etc/jwks.json'], ['jwksUri', 'data:application/json,{}']]) {
      assert.throws(() => new RemoteKeySet({ [field]: url }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field }, url);
    }
    for (const url of ['http://localhost:8080/k', 'http://127.0.0.1/k', 'http://[::1]/k', 'https://a.example/k']) {
      assert.doesNotThrow(() => new RemoteKeySet({ jwksUri: url }), url);
    }
    assert.throws(() => new RemoteKeySet({ jwksUri: 'https://a.example/k', timeoutMs: -1 }), { field: 'timeoutMs' });
  });
});

describe('symmetric keys', () => {
  test('an oct key in a remote set is skipped (anyone can read the set, so anyone could sign); its RSA key still verifies', async (t) => {
    const secret = randomBytes(32);
    const oct = { kty: 'oct', k: jose.base64url.encode(secret), kid: 'shared', alg: 'HS256' };
    const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
    const rsa = { ...(await jose.exportJWK(publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' };
    const body = JSON.stringify({ keys: [oct, rsa] });
    const server = await startServer(t, reply(body));
    const keys = await new RemoteKeySet({ jwksUri: `${server.base}/keys` }).getKeySet();
    assert.deepEqual(kidsOf(keys), ['rsa']);
    assert.deepEqual(keys.skipped, [{ index: 0, kid: 'shared', reason: PUBLISHED_SECRET }]);

    const sign = (alg, kid, key) => new jose.SignJWT({ sub: 'alice' }).setProtectedHeader({ alg, kid })
      .setIssuer('https://idp.example').setAudience('api').setIssuedAt().setExpirationTime('5m').sign(key);
    const [hs256, rs256] = [await sign('HS256', 'shared', secret), await sign('RS256', 'rsa', privateKey)];
    const verifier = (keySet) => new Verifier({ keys: keySet, issuer: 'https://idp.example', audience: 'api' });
    assert.throws(() => verifier(keys).verify(hs256), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.equal(verifier(keys).verify(rs256).payload.sub, 'alice');
    // The same set given by the user keeps its secret, and the token is otherwise good.
    assert.equal(verifier(KeySet.fromJwks(body)).verify(hs256).payload.sub, 'alice');
  });
});

describe('caching', () => {
  test('the second call is answered from the cache', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now });
    const first = await rks.getKeySet();
    c.advance(10 * SECOND);
    const second = await rks.getKeySet({ kid: 'k1' });
    assert.equal(second, first);
    assert.equal(server.requests.length, 1);
    assert.equal(rks.fetchedAt, c.t - 10 * SECOND);
  });

  test('cachedKeySet: nothing before the first fetch, the set while fresh, nothing once stale; never fetches', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { headers: { 'cache-control': 'max-age=120' } }));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now });
    assert.equal(rks.cachedKeySet(), undefined);
    const fetched = await rks.getKeySet();
    c.advance(120 * SECOND - 1);
    assert.equal(rks.cachedKeySet(), fetched);
    c.advance(1);
    assert.equal(rks.cachedKeySet(), undefined);
    assert.equal(server.requests.length, 1);
  });

  // [Cache-Control, expected lifetime] with minMaxAgeMs 60 s, maxMaxAgeMs 1 h, default 10 min.
  const cases = [
    ['max-age=120', 120 * SECOND],
    ['public, max-age=1', 60 * SECOND], // clamped up
    ['max-age=999999, must-revalidate', 3600 * SECOND], // clamped down
    [undefined, 600 * SECOND], // default
    ['no-store', 60 * SECOND], // as short as allowed
    ['s-maxage=5000', 600 * SECOND], // not max-age
  ];
  for (const [cacheControl, lifetime] of cases) {
    test(`Cache-Control ${cacheControl ?? '(absent)'} → refetch after ${lifetime / SECOND} s`, async (t) => {
      const headers = cacheControl === undefined ? {} : { 'cache-control': cacheControl };
      const server = await startServer(t, reply(jwks('k1'), { headers }));
      const c = clock();
      const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, maxMaxAgeMs: 3600 * SECOND });
      await rks.getKeySet();
      c.advance(lifetime - 1);
      await rks.getKeySet();
      assert.equal(server.requests.length, 1, 'still fresh just before max-age');
      c.advance(1);
      await rks.getKeySet();
      assert.equal(server.requests.length, 2, 'refetched at max-age');
    });
  }

  test('concurrent first calls share one request', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { delayMs: 50 }));
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys` });
    const sets = await Promise.all(Array.from({ length: 50 }, (_, i) => rks.getKeySet(i % 2 ? { kid: 'k1' } : {})));
    assert.equal(server.requests.length, 1);
    assert.ok(sets.every((set) => set === sets[0]));
  });

  test('an injected fetch is called unbound (as workerd requires) and gets the URL and a signal', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const calls = [];
    const fetch = function (url, init) {
      calls.push({ self: this, url, signal: init.signal });
      return globalThis.fetch(url, init);
    };
    await new RemoteKeySet({ jwksUri: `${server.base}/keys`, fetch }).getKeySet();
    assert.equal(calls.length, 1);
    assert.equal(calls[0].self, undefined);
    assert.equal(calls[0].url, `${server.base}/keys`);
    assert.ok(calls[0].signal instanceof AbortSignal);
  });

  test('hydrate() prefetches, then calls are served from the cache', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys` });
    const keys = await rks.hydrate();
    assert.equal(await rks.getKeySet({ kid: 'k1' }), keys);
    assert.equal(server.requests.length, 1);
  });
});

describe('rotation', () => {
  test('a token with a new kid triggers one refetch (once the cooldown allows) and verifies', async (t) => {
    let served = jwks('k1');
    const server = await startServer(t, (req, res) => reply(served)(req, res));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, cooldownMs: COOLDOWN });

    const oldToken = await signedToken('k1');
    assert.equal(verify(await rks.getKeySet({ kid: 'k1' }), oldToken).payload.sub, 'alice');

    served = jwks('k1', 'k2'); // the IdP rotates
    const newToken = await signedToken('k2');
    const kid = jose.decodeProtectedHeader(newToken).kid;

    // Within the cooldown of the first fetch: no refetch, the token fails as an unknown key.
    c.advance(COOLDOWN - 1);
    const early = await rks.getKeySet({ kid });
    assert.equal(server.requests.length, 1);
    assert.throws(() => verify(early, newToken), { code: 'ERR_JWKS_NO_MATCHING_KEY' });

    c.advance(1);
    const rotated = await rks.getKeySet({ kid });
    assert.equal(server.requests.length, 2);
    assert.deepEqual(kidsOf(rotated), ['k1', 'k2']);
    assert.equal(verify(rotated, newToken).payload.sub, 'alice');
    assert.equal(verify(rotated, oldToken).payload.sub, 'alice');

    // The new kid is now known: no further fetch.
    c.advance(COOLDOWN);
    assert.equal(await rks.getKeySet({ kid }), rotated);
    assert.equal(server.requests.length, 2);
  });

  test('a flood of unknown kids costs exactly one fetch per cooldown', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { delayMs: 20 }));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, cooldownMs: COOLDOWN });
    const initial = await rks.getKeySet();
    c.advance(COOLDOWN);

    const concurrent = await Promise.all(Array.from({ length: 100 }, () => rks.getKeySet({ kid: randomUUID() })));
    assert.equal(server.requests.length, 2, 'one extra fetch for 100 concurrent unknown kids');
    const step = Math.floor((COOLDOWN - 1) / 100);
    for (let i = 0; i < 100; i++) {
      c.advance(step);
      await rks.getKeySet({ kid: randomUUID() });
    }
    assert.equal(server.requests.length, 2, 'no fetch for sequential unknown kids within the cooldown');
    assert.ok(concurrent.every((set) => set === concurrent[0]) && concurrent[0] !== initial);

    c.advance(COOLDOWN - 100 * step); // exactly one cooldown after the second fetch
    await rks.getKeySet({ kid: randomUUID() });
    assert.equal(server.requests.length, 3, 'the next cooldown allows one more');
  });
});

describe('failures', () => {
  test('outage (HTTP 500): the stale keys are kept, retried no sooner than the cooldown', async (t) => {
    let down = false;
    const server = await startServer(t, (req, res) => (down ? reply('oops', { status: 500 }) : reply(jwks('k1')))(req, res));
    const c = clock();
    const url = `${server.base}/keys`;
    const rks = new RemoteKeySet({ jwksUri: url, now: c.now, cooldownMs: COOLDOWN });
    const good = await rks.getKeySet();
    const fetchedAt = rks.fetchedAt;

    down = true;
    c.advance(600 * SECOND); // expired
    assert.equal(await rks.getKeySet(), good);
    assert.equal(server.requests.length, 2);
    assert.equal(rks.lastError.code, 'ERR_JWKS_FETCH_FAILED');
    assert.match(rks.lastError.message, /500/);
    assert.ok(rks.lastError.message.includes(url));
    assert.equal(rks.fetchedAt, fetchedAt);

    c.advance(COOLDOWN - 1);
    assert.equal(await rks.getKeySet({ kid: 'unknown' }), good);
    assert.equal(server.requests.length, 2, 'no retry within the cooldown');

    down = false;
    c.advance(1);
    const fresh = await rks.getKeySet();
    assert.equal(server.requests.length, 3);
    assert.notEqual(fresh, good);
    assert.equal(rks.lastError, undefined);
    assert.equal(rks.fetchedAt, c.t);
  });

  test('outage: stale keys are served for maxStaleMs past their max-age, then refused', async (t) => {
    let down = false;
    const server = await startServer(t, (req, res) => (down ? reply('oops', { status: 500 }) : reply(jwks('k1'), { headers: { 'cache-control': 'max-age=600' } }))(req, res));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, cooldownMs: COOLDOWN, maxStaleMs: 3600 * SECOND });
    const good = await rks.getKeySet();
    down = true;
    c.advance((600 + 3600) * SECOND - 1); // the last moment of the stale window
    assert.equal(await rks.getKeySet(), good);
    assert.equal(rks.lastError.code, 'ERR_JWKS_FETCH_FAILED');
    c.advance(1);
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_FETCH_FAILED', '500'); // within the cooldown: the last error
    c.advance(COOLDOWN);
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_FETCH_FAILED', '500'); // a new attempt, failing too
    down = false;
    c.advance(COOLDOWN);
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
  });

  test('an authorizer stops deciding with keys past jwksMaxStaleMs (fails as with no keys at all)', async (t) => {
    let down = false;
    const server = await startServer(t, (req, res) => (down ? reply('oops', { status: 500 }) : reply(jwks('k1')))(req, res));
    const token = await signedToken('k1', 'https://idp.example', '30d');
    // The key cache's clock is Date.now: mocked here (timers stay real).
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const c = { advance: (ms) => t.mock.timers.tick(ms) };
    const authorizer = new Authorizer({ jwksUri: `${server.base}/stale-keys`, jwksMaxStaleMs: 3600 * SECOND, issuer: 'https://idp.example', audience: 'api', log: false });
    assert.equal((await authorizer.authorize({ token })).status, 200);
    down = true;
    c.advance((600 + 3600) * SECOND - 1);
    assert.equal((await authorizer.authorize({ token })).status, 200, 'within the stale window');
    c.advance(COOLDOWN + 1);
    await assert.rejects(authorizer.authorize({ token }), { code: 'ERR_JWKS_FETCH_FAILED' });
    await assert.rejects(authorizer.authorize({ token }), { code: 'ERR_JWKS_FETCH_FAILED' }, 'and again, within the cooldown');
    down = false;
    c.advance(COOLDOWN);
    assert.equal((await authorizer.authorize({ token })).status, 200, 'keys again once the IdP answers');
  });

  const garbage = [
    ['not JSON', 'this is not json {', 'ERR_JWKS_INVALID'],
    ['HTML', '<html><body>Login</body></html>', 'ERR_JWKS_INVALID'],
    ['not a JWKS', '{"keys":"nope"}', 'ERR_JWKS_INVALID'],
    ['a JWKS without usable keys', '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"tiny"}]}', 'ERR_JWKS_INVALID'],
    ['a JWKS of a secret only', JSON.stringify({ keys: [{ kty: 'oct', k: 'A'.repeat(43) }] }), 'ERR_JWKS_INVALID', PUBLISHED_SECRET],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'ERR_JWKS_INVALID'],
    ['HTTP 404', null, 'ERR_JWKS_FETCH_FAILED'],
  ];
  for (const [what, body, code, reason] of garbage) {
    test(`${what}: stale keys kept; thrown (${code}) when nothing is cached`, async (t) => {
      const bad = body === null ? reply('', { status: 404 }) : reply(body);
      let broken = false;
      const server = await startServer(t, (req, res) => (broken ? bad : reply(jwks('k1')))(req, res));
      const c = clock();
      const url = `${server.base}/keys`;
      const rks = new RemoteKeySet({ jwksUri: url, now: c.now });
      const good = await rks.getKeySet();
      broken = true;
      c.advance(COOLDOWN);
      assert.equal(await rks.getKeySet({ kid: 'k9' }), good);
      assert.equal(server.requests.length, 2);
      assert.equal(rks.lastError.code, code);

      const fresh = new RemoteKeySet({ jwksUri: url, now: c.now });
      await rejectsWith(fresh.getKeySet(), code, url);
      if (reason) assert.ok(fresh.lastError.message.includes(reason), fresh.lastError.message);
    });
  }

  test('nothing cached: thrown, not retried within the cooldown, then retried', async (t) => {
    let down = true;
    const server = await startServer(t, (req, res) => (down ? reply('', { status: 503 }) : reply(jwks('k1')))(req, res));
    const c = clock();
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, cooldownMs: COOLDOWN });
    await rejectsWith(rks.hydrate(), 'ERR_JWKS_FETCH_FAILED', '503');
    c.advance(COOLDOWN - 1);
    await rejectsWith(rks.getKeySet(), 'ERR_JWKS_FETCH_FAILED', '503');
    assert.equal(server.requests.length, 1);
    down = false;
    c.advance(1);
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
    assert.equal(server.requests.length, 2);
  });

  test('connection refused → ERR_JWKS_FETCH_FAILED naming the URL', async () => {
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${closed.address().port}/keys`;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there any more
    await rejectsWith(new RemoteKeySet({ jwksUri: url }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', url);
  });

  test('a server that never answers → ERR_JWKS_TIMEOUT after timeoutMs', async (t) => {
    const server = await startServer(t, () => {}); // headers never come
    const url = `${server.base}/keys`;
    const started = Date.now();
    await rejectsWith(new RemoteKeySet({ jwksUri: url, timeoutMs: 200 }).getKeySet(), 'ERR_JWKS_TIMEOUT', url);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 150 && elapsed < 2000, `${elapsed} ms`);
  });

  test('an injected fetch that ignores the abort signal still times out', async () => {
    const fetch = () => new Promise(() => {}); // never settles, whatever the signal says
    await rejectsWith(new RemoteKeySet({ jwksUri: 'https://idp.example/keys', fetch, timeoutMs: 50 }).getKeySet(), 'ERR_JWKS_TIMEOUT', 'https://idp.example/keys');
  });

  test('a body that trickles past timeoutMs → ERR_JWKS_TIMEOUT', async (t) => {
    const server = await startServer(t, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":['); // and nothing more
    });
    await rejectsWith(new RemoteKeySet({ jwksUri: `${server.base}/keys`, timeoutMs: 200 }).getKeySet(), 'ERR_JWKS_TIMEOUT');
  });

  test('a 50 MB body is cut off at maxBytes without being buffered', async (t) => {
    const TOTAL = 50 * 1024 * 1024;
    const CHUNK = Buffer.alloc(64 * 1024, 0x20); // spaces: would even be valid JSON padding
    let written = 0;
    let closedEarly;
    let serverDone;
    const closed = new Promise((resolve) => { serverDone = resolve; });
    const server = await startServer(t, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length announced
      res.on('close', () => {
        closedEarly = written < TOTAL;
        serverDone();
      });
      const pump = () => {
        while (written < TOTAL && !res.destroyed) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump); // honour backpressure
        }
        res.end();
      };
      pump();
    });

    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const url = `${server.base}/keys`;
    await rejectsWith(new RemoteKeySet({ jwksUri: url, maxBytes: 1_048_576 }).getKeySet(), 'ERR_JWKS_INVALID', 'larger than 1048576 bytes');
    await closed;
    const elapsed = Date.now() - started;
    assert.equal(closedEarly, true, 'the client dropped the connection');
    assert.ok(written < 16 * 1024 * 1024, `server wrote only ${written} bytes before the connection closed`);
    assert.ok(elapsed < 3000, `${elapsed} ms`);
    assert.ok(process.memoryUsage().rss - rssBefore < 40 * 1024 * 1024, 'the process did not balloon');
  });

  test('an announced Content-Length over maxBytes is refused before reading', async (t) => {
    const server = await startServer(t, (req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write(' ');
    });
    await rejectsWith(new RemoteKeySet({ jwksUri: `${server.base}/keys`, maxBytes: 1000 }).getKeySet(), 'ERR_JWKS_INVALID', 'larger than 1000');
  });
});

describe('remoteKeySet()', () => {
  test('a store or snapshot by identity: another store, another instance', () => {
    const url = 'https://idp.example/shared-keys';
    const store = memoryStore();
    assert.equal(remoteKeySet({ jwksUri: url, store }), remoteKeySet({ jwksUri: url, store }));
    assert.notEqual(remoteKeySet({ jwksUri: url, store }), remoteKeySet({ jwksUri: url, store: memoryStore() }));
    assert.notEqual(remoteKeySet({ jwksUri: url, store }), remoteKeySet({ jwksUri: url }));
  });

  test('the same URI gives the same instance; issuer and jwksUri are never mixed up', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const url = `${server.base}/keys`;
    const a = remoteKeySet({ jwksUri: url });
    assert.ok(a instanceof RemoteKeySet);
    assert.equal(remoteKeySet({ jwksUri: url, timeoutMs: undefined }), a);
    // Other options, another instance: a caller's limits are never dropped for another's.
    const strict = remoteKeySet({ jwksUri: url, maxStaleMs: 0 });
    assert.notEqual(strict, a);
    assert.equal(remoteKeySet({ maxStaleMs: 0, jwksUri: url }), strict);
    const fetchA = (...args) => fetch(...args);
    assert.notEqual(remoteKeySet({ jwksUri: url, fetch: fetchA }), remoteKeySet({ jwksUri: url, fetch: (...args) => fetch(...args) }));
    assert.equal(remoteKeySet({ jwksUri: url, fetch: fetchA }), remoteKeySet({ jwksUri: url, fetch: fetchA }));
    assert.notEqual(remoteKeySet({ jwksUri: `${url}?other` }), a);
    assert.notEqual(remoteKeySet({ issuer: url }), a);
    await a.getKeySet();
    await remoteKeySet({ jwksUri: url }).getKeySet();
    assert.equal(server.requests.length, 1, 'the shared instance shares its cache');
  });
});

describe('a store shared by instances', () => {
  /** Two (or more) instances of one key set over one store, as two Lambda containers would be. */
  const instances = (url, c, store, limits = {}) => () => new RemoteKeySet({ jwksUri: url, now: c.now, cooldownMs: COOLDOWN, store, ...limits });

  test('the second instance takes the set the first fetched, without a request of its own', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { headers: { 'cache-control': 'max-age=120' } }));
    const c = clock();
    const store = memoryStore({ now: c.now });
    const instance = instances(`${server.base}/keys`, c, store);
    const a = instance();
    await a.getKeySet();
    c.advance(10 * SECOND);
    const b = instance();
    const keys = await b.getKeySet({ kid: 'k1' });
    assert.deepEqual(kidsOf(keys), ['k1']);
    assert.equal(server.requests.length, 1);
    assert.equal(b.fetchedAt, a.fetchedAt);
    assert.equal(verify(keys, await signedToken('k1')).payload.sub, 'alice');
    // Shared under the prefixed key, with its fetch time and max-age.
    const record = JSON.parse(await store.get(`jwks:uri ${server.base}/keys`));
    assert.deepEqual({ ...record, jwks: JSON.parse(record.jwks) }, { fetchedAt: a.fetchedAt, maxAgeMs: 120 * SECOND, jwks: JSON.parse(jwks('k1')) });
    // Still fresh: the second instance serves it from memory now.
    c.advance(109 * SECOND);
    assert.equal(await b.getKeySet(), keys);
    assert.equal(server.requests.length, 1);
  });

  test('a shared set is trusted no longer than its max-age, clamped by the reader\'s own limits', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { headers: { 'cache-control': 'max-age=3600' } }));
    const c = clock();
    const store = memoryStore({ now: c.now });
    const url = `${server.base}/keys`;
    await instances(url, c, store)().getKeySet();
    c.advance(60 * SECOND);
    await instances(url, c, store, { maxMaxAgeMs: 60 * SECOND })().getKeySet();
    assert.equal(server.requests.length, 2, 'past this reader\'s maxMaxAgeMs: fetched');
    c.advance(3600 * SECOND);
    await instances(url, c, store)().getKeySet();
    assert.equal(server.requests.length, 3, 'past the max-age: fetched');
  });

  test('rotation: an unknown kid takes a newer shared set before fetching', async (t) => {
    let served = jwks('k1');
    const server = await startServer(t, (req, res) => reply(served)(req, res));
    const c = clock();
    const instance = instances(`${server.base}/keys`, c, memoryStore({ now: c.now }));
    const [a, b] = [instance(), instance()];
    await a.getKeySet();
    await b.getKeySet();
    assert.equal(server.requests.length, 1);
    served = jwks('k1', 'k2');
    c.advance(COOLDOWN);
    assert.deepEqual(kidsOf(await a.getKeySet({ kid: 'k2' })), ['k1', 'k2']);
    assert.equal(server.requests.length, 2);
    const rotated = await b.getKeySet({ kid: 'k2' });
    assert.deepEqual(kidsOf(rotated), ['k1', 'k2']);
    assert.equal(server.requests.length, 2, 'b found k2 in the store');
    assert.equal(verify(rotated, await signedToken('k2')).payload.sub, 'alice');
  });

  test('a store that fails, hangs or is full never makes keys unavailable: they are fetched', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const failing = { putIfAbsent: async () => true, get: async () => { throw new Error('ECONNRESET'); }, set: async () => { throw new Error('ECONNRESET'); } };
    const hanging = { putIfAbsent: () => new Promise(() => {}), get: () => new Promise(() => {}), set: () => new Promise(() => {}) };
    const full = memoryStore({ maxEntries: 1 });
    await full.set('other', 'x', 60_000);
    for (const store of [guardStore(failing), guardStore(hanging, { timeoutMs: 50 }), full]) {
      const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, store });
      assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
      assert.equal(rks.lastStoreError.code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(rks.lastError, undefined);
    }
    assert.equal(server.requests.length, 3);
  });

  test('what the store holds is loaded as a fetched set is: garbage, secrets and empty sets are not taken', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const url = `${server.base}/keys`;
    const secretOnly = JSON.stringify({ keys: [{ kty: 'oct', k: 'A'.repeat(43), kid: 'k1', alg: 'HS256' }] });
    const records = [
      ['not JSON', 'the stored JWKS record is not JSON'],
      ['null', 'not { fetchedAt, maxAgeMs, jwks }'],
      [JSON.stringify({ fetchedAt: Date.now(), jwks: jwks('k1') }), 'not { fetchedAt, maxAgeMs, jwks }'],
      [JSON.stringify({ fetchedAt: Date.now(), maxAgeMs: 600_000, jwks: secretOnly }), PUBLISHED_SECRET],
      [JSON.stringify({ fetchedAt: Date.now(), maxAgeMs: 600_000, jwks: '{"keys":"nope"}' }), 'the stored JWKS is invalid'],
    ];
    for (const [record, message] of records) {
      const store = memoryStore();
      await store.set(`jwks:uri ${url}`, record, 60_000);
      // Even with the IdP down, none of it is taken.
      const offline = new RemoteKeySet({ jwksUri: url, store, fetch: async () => new Response('', { status: 503 }) });
      await rejectsWith(offline.getKeySet(), 'ERR_JWKS_FETCH_FAILED', '503');
      assert.equal(offline.lastStoreError.code, 'ERR_JWKS_INVALID');
      assert.ok(offline.lastStoreError.message.includes(message), offline.lastStoreError.message);
      // With it up, the fetched set replaces the record.
      const keys = await new RemoteKeySet({ jwksUri: url, store }).getKeySet();
      assert.deepEqual(keys.keys.map((k) => [k.kid, k.alg]), [['k1', 'ES256']]);
      assert.equal(JSON.parse(await store.get(`jwks:uri ${url}`)).jwks, jwks('k1'));
    }
    assert.equal(server.requests.length, records.length);
  });

  test('a stored fetch time ahead of the clock buys no freshness: the set is fetched', async (t) => {
    const server = await startServer(t, reply(jwks('k2')));
    const c = clock();
    const record = JSON.stringify({ fetchedAt: c.t + 1, maxAgeMs: 86_400_000, jwks: jwks('k1') });
    const store = guardStore({ putIfAbsent: async () => true, get: async () => record, set: async () => {} });
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, now: c.now, store });
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k2']);
    assert.equal(server.requests.length, 1);
  });

  test('the IdP down at a cold start: a stale shared set is served within maxStaleMs, not past it', async (t) => {
    let down = false;
    const server = await startServer(t, (req, res) => (down ? reply('oops', { status: 500 }) : reply(jwks('k1'), { headers: { 'cache-control': 'max-age=600' } }))(req, res));
    const c = clock();
    const instance = instances(`${server.base}/keys`, c, memoryStore({ now: c.now }), { maxStaleMs: 3600 * SECOND });
    await instance().getKeySet();
    down = true;
    c.advance((600 + 3600) * SECOND - 1);
    const cold = instance();
    assert.deepEqual(kidsOf(await cold.getKeySet()), ['k1']);
    assert.equal(cold.lastError.code, 'ERR_JWKS_FETCH_FAILED');
    c.advance(1);
    await rejectsWith(instance().getKeySet(), 'ERR_JWKS_FETCH_FAILED', '500');
  });
});

describe('snapshots', () => {
  test('snapshotJwks takes the set as a RemoteKeySet loads it; a fresh snapshot then serves it with no fetch', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { headers: { 'cache-control': 'max-age=300' } }));
    const url = `${server.base}/keys`;
    const before = Date.now();
    const snapshot = JSON.parse(JSON.stringify(await snapshotJwks({ jwksUri: url })));
    const { fetchedAt, ...rest } = snapshot;
    assert.deepEqual(rest, { jwksUri: url, maxAgeMs: 300 * SECOND, jwks: JSON.parse(jwks('k1')) });
    assert.ok(Date.parse(fetchedAt) >= before - 1000 && Date.parse(fetchedAt) <= Date.now());
    assert.equal(server.requests.length, 1);

    const rks = new RemoteKeySet({ jwksUri: url, snapshot });
    assert.equal(verify(await rks.getKeySet({ kid: 'k1' }), await signedToken('k1')).payload.sub, 'alice');
    assert.ok(rks.cachedKeySet());
    assert.equal(rks.fetchedAt, Date.parse(snapshot.fetchedAt));
    assert.equal(server.requests.length, 1, 'no fetch');
  });

  test('snapshotJwks by issuer (discovery); it rejects as a first fetch does', async (t) => {
    const server = await startServer(t, (req, res) => {
      if (req.url === '/.well-known/openid-configuration') return reply(JSON.stringify({ issuer: server.base, jwks_uri: `${server.base}/keys` }))(req, res);
      if (req.url === '/keys') return reply(jwks('k1', 'k2'))(req, res);
      reply('', { status: 404 })(req, res);
    });
    const snapshot = await snapshotJwks({ issuer: server.base });
    assert.equal(snapshot.issuer, server.base);
    assert.equal(snapshot.jwksUri, `${server.base}/keys`);
    assert.equal(snapshot.maxAgeMs, 600 * SECOND);
    const rks = new RemoteKeySet({ issuer: server.base, snapshot });
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1', 'k2']);
    assert.equal(server.requests.length, 2);
    await rejectsWith(snapshotJwks({ jwksUri: `${server.base}/missing` }), 'ERR_JWKS_FETCH_FAILED', '404');
    await assert.rejects(snapshotJwks({ jwksUri: `${server.base}/keys`, store: memoryStore() }), { field: 'store' });
  });

  test('`jwtgate jwks snapshot` writes what the snapshot option takes', async (t) => {
    const server = await startServer(t, reply(jwks('k1'), { headers: { 'cache-control': 'max-age=120' } }));
    const script = new URL('../../pkg/bin/jwtgate.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [script, 'jwks', 'snapshot', '--jwks-uri', `${server.base}/keys`]);
    const snapshot = JSON.parse(stdout);
    assert.equal(snapshot.maxAgeMs, 120 * SECOND);
    const rks = new RemoteKeySet({ jwksUri: `${server.base}/keys`, snapshot });
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
    assert.equal(server.requests.length, 1, 'fetched by the script only');
    await assert.rejects(promisify(execFile)(process.execPath, [script, 'jwks', 'snapshot', '--url', 'x']), { code: 2 });
    await assert.rejects(promisify(execFile)(process.execPath, [script, 'jwks', 'snapshot', '--jwks-uri', 'http://127.0.0.1:1/keys']), { code: 1 });
  });

  test('an old snapshot: the keys are fetched first; it is served only while fetching fails, within maxStaleMs', async (t) => {
    let down = true;
    const server = await startServer(t, (req, res) => (down ? reply('oops', { status: 503 }) : reply(jwks('k2')))(req, res));
    const c = clock();
    const url = `${server.base}/keys`;
    const snapshot = { jwksUri: url, fetchedAt: new Date(c.t - 3600 * SECOND).toISOString(), jwks: JSON.parse(jwks('k1')) }; // default max-age: 10 min
    const rks = new RemoteKeySet({ jwksUri: url, now: c.now, snapshot, maxStaleMs: 7200 * SECOND, cooldownMs: COOLDOWN });
    assert.equal(rks.cachedKeySet(), undefined, 'not fresh');
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
    assert.equal(rks.lastError.code, 'ERR_JWKS_FETCH_FAILED');
    assert.equal(server.requests.length, 1);
    down = false;
    c.advance(COOLDOWN);
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k2'], 'replaced by the first successful fetch');

    const tooOld = { ...snapshot, fetchedAt: c.t - (600 + 7200) * SECOND };
    down = true;
    await rejectsWith(new RemoteKeySet({ jwksUri: url, now: c.now, snapshot: tooOld, maxStaleMs: 7200 * SECOND }).getKeySet(), 'ERR_JWKS_FETCH_FAILED', '503');
  });

  test('a snapshot is checked: of this key set, well formed; keys it cannot load are fetched instead', async (t) => {
    const server = await startServer(t, reply(jwks('k1')));
    const url = `${server.base}/keys`;
    const good = { jwksUri: url, fetchedAt: Date.now(), jwks: jwks('k2') };
    for (const snapshot of [null, 'text', { ...good, jwksUri: `${url}?other` }, { ...good, fetchedAt: 'yesterday' }, { ...good, maxAgeMs: -1 }, { ...good, jwks: 5 }]) {
      assert.throws(() => new RemoteKeySet({ jwksUri: url, snapshot }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'snapshot' }, JSON.stringify(snapshot));
    }
    assert.throws(() => new RemoteKeySet({ issuer: server.base, snapshot: good }), { field: 'snapshot' }, 'taken by jwksUri, not by issuer');
    const secretOnly = { ...good, jwks: { keys: [{ kty: 'oct', k: 'A'.repeat(43), kid: 'k2', alg: 'HS256' }] } };
    const rks = new RemoteKeySet({ jwksUri: url, snapshot: secretOnly });
    assert.deepEqual(kidsOf(await rks.getKeySet()), ['k1']);
    const future = new RemoteKeySet({ jwksUri: url, snapshot: { ...good, fetchedAt: Date.now() + 60_000 } });
    assert.deepEqual(kidsOf(await future.getKeySet()), ['k1'], 'a snapshot from the future is not taken');
    assert.equal(server.requests.length, 2);
  });
});
