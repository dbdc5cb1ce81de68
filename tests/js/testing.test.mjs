// `jwtgate/testing` as users' tests use it: tokens its issuers sign verify with the package (a
// key set, OIDC discovery through its `fetch`), its sign options make the tokens they say, every
// event shape it builds is the real one's and is decided by the Lambda authorizer on the right
// route, and all of it runs in workerd too.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeySet, Verifier, Policy, decode } from '../../pkg/src/runtime/node.mjs';
import { createLambdaAuthorizer, Authorizer } from '../../pkg/src/adapters/lambda.mjs';
import { createTestIssuer, apigwEvent, eventShapes, mockClaims } from '../../pkg/src/testing/index.mjs';
import { FIXTURES } from './helpers/fixtures.mjs';
import { startWorker } from './helpers/workerd.mjs';

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'HS256', 'HS512'];

describe('createTestIssuer', () => {
  for (const alg of ALGORITHMS) {
    test(`${alg}: its tokens verify against its key set, with the defaults in them`, async () => {
      const idp = await createTestIssuer({ alg });
      const currentDate = new Date('2030-01-01T00:00:00Z');
      const token = await idp.sign({ scope: 'pets:read' }, { audience: 'api', currentDate });
      const verifier = new Verifier({ keys: KeySet.fromJwks(idp.jwks), issuer: idp.issuer, audience: 'api', algorithms: [alg], currentDate });
      const { header, payload } = verifier.verify(token);
      assert.deepEqual(header, { alg, typ: 'JWT', kid: 'test-key-1' });
      const iat = Date.parse('2030-01-01T00:00:00Z') / 1000;
      assert.deepEqual(payload, { iss: 'https://issuer.test', sub: 'user-1234', iat, exp: iat + 3600, scope: 'pets:read', aud: 'api' });
      // Another issuer's key does not verify it.
      const other = await createTestIssuer({ alg });
      assert.throws(() => new Verifier({ keys: KeySet.fromJwks(other.jwks), currentDate }).verify(token), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    });
  }

  test('the key set holds the public key only, pinned to the algorithm, for signatures', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      const { jwks } = await createTestIssuer({ alg, kid: 'k9' });
      assert.equal(jwks.keys.length, 1);
      const [jwk] = jwks.keys;
      assert.equal(jwk.kid, 'k9');
      assert.equal(jwk.alg, alg);
      assert.equal(jwk.use, 'sig');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'key_ops', 'ext']) assert.ok(!(secret in jwk), `${alg}: ${secret}`);
      assert.deepEqual(KeySet.fromJwks(jwks).skipped, []);
    }
    const hmac = await createTestIssuer({ alg: 'HS384' });
    assert.equal(hmac.secret.length, 48, 'as long as the hash');
    assert.equal(hmac.jwks.keys[0].kty, 'oct');
  });

  test('a given HMAC secret signs its tokens: text as UTF-8, or bytes', async () => {
    const text = 'a-given-secret-of-32-bytes-or-so!';
    for (const secret of [text, new TextEncoder().encode(text)]) {
      const idp = await createTestIssuer({ alg: 'HS256', secret });
      assert.deepEqual(idp.secret, new TextEncoder().encode(text));
      const token = await idp.sign({ scope: 'x' });
      const { payload } = new Verifier({ keys: KeySet.fromSecret(text, { alg: 'HS256' }) }).verify(token);
      assert.equal(payload.scope, 'x');
    }
    await assert.rejects(createTestIssuer({ alg: 'ES256', secret: text }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'secret' });
    await assert.rejects(createTestIssuer({ alg: 'HS256', secret: 42 }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'secret' });
  });

  test('its fetch serves discovery and the key set, so an authorizer needs only its issuer URL', async () => {
    const idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.example/tenant-1' });
    const calls = [];
    const fetch = (url, init) => { calls.push(url); return idp.fetch(url, init); };
    const authorizer = new Authorizer({ issuer: idp.issuer, fetch, audience: 'api', log: false });
    const allowed = await authorizer.authorize({ token: await idp.sign({}, { audience: 'api', subject: 'alice' }) });
    assert.equal(allowed.status, 200, allowed.error?.message);
    assert.equal(allowed.principalId, 'alice');
    assert.deepEqual(calls, ['https://idp.example/tenant-1/.well-known/openid-configuration', 'https://idp.example/tenant-1/.well-known/jwks.json']);
    assert.deepEqual(idp.openidConfiguration.id_token_signing_alg_values_supported, ['ES256']);
    assert.equal((await idp.fetch('https://idp.example/tenant-1/other')).status, 404);
    assert.equal((await idp.fetch(new Request(idp.jwksUri))).status, 200);
    const refused = await authorizer.authorize({ token: await idp.sign({}, { audience: 'other' }) });
    assert.equal(refused.error.code, 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  test('sign options make the tokens they say', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const currentDate = new Date('2030-01-01T00:00:00Z');
    const verifier = new Verifier({ keys: KeySet.fromJwks(idp.jwks), currentDate });
    const failure = async (options, claims = {}) => {
      try {
        verifier.verify(await idp.sign(claims, { currentDate, ...options }));
        return 'valid';
      } catch (error) {
        return `${error.code}${error.claim ? ` ${error.claim}` : ''}`;
      }
    };
    assert.equal(await failure({ expiresIn: -1 }), 'ERR_JWT_EXPIRED exp');
    assert.equal(await failure({ expiresIn: null }), 'ERR_JWT_CLAIM_VALIDATION_FAILED exp');
    assert.equal(await failure({ notBefore: 120 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED nbf');
    assert.equal(await failure({ alg: 'none' }), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.equal(await failure({ alg: 'ES384' }), 'ERR_JWKS_NO_MATCHING_KEY', 'the header lies; the key is pinned to ES256');
    assert.equal(await failure({}, { exp: 1 }), 'ERR_JWT_EXPIRED exp', 'a claim given wins over the default');
    assert.equal(await failure({ kid: 'unknown' }), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(await failure({ kid: null }), 'valid', 'without a kid, every key fitting the algorithm is tried');

    const token = await idp.sign({ iss: undefined, tenant: 't1' }, { typ: 'at+jwt', header: { cty: undefined, x5u: 'https://evil.example/x' }, subject: 'bob', notBefore: 0, currentDate });
    const { header, payload, warnings } = decode(token, { currentDate });
    assert.deepEqual(header, { alg: 'ES256', typ: 'at+jwt', kid: 'test-key-1', x5u: 'https://evil.example/x' });
    assert.deepEqual(Object.keys(payload).sort(), ['exp', 'iat', 'nbf', 'sub', 'tenant']);
    assert.ok(warnings.some((w) => w.code === 'KEY_URL_IN_HEADER'));
    assert.equal(decode(await idp.sign({}, { alg: 'none' })).signatureBytes, 0);
  });

  test('bad options are refused with the option named', async () => {
    const idp = await createTestIssuer({ alg: 'HS256' });
    await assert.rejects(idp.sign({}, { expiresIn: '5m' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'expiresIn' });
    await assert.rejects(idp.sign({}, { currentDate: 'today' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'currentDate' });
    await assert.rejects(createTestIssuer({ alg: 'none' }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'alg', message: /RS256/ });
    await assert.rejects(createTestIssuer({ issuer: new URL('https://x.example') }), { field: 'issuer' });
  });
});

describe('apigwEvent', () => {
  const policy = {
    rules: [
      { id: 'write', effect: 'allow', routes: ['POST /pets/{petId}', '$connect'], scopes: { anyOf: ['pets:write'] } },
      { id: 'read', effect: 'allow', routes: ['GET /pets'] },
    ],
    context: { user: 'sub' },
  };
  let idp, writer, reader;
  const ready = (async () => {
    idp = await createTestIssuer({ alg: 'ES256' });
    writer = await idp.sign({ scope: 'pets:write' }, { subject: 'alice' });
    reader = await idp.sign({ scope: 'pets:read' }, { subject: 'bob' });
  })();

  /** The handler's answer and log line for an event; `null` answer for a 401. */
  async function decide(event, options = {}) {
    await ready;
    const logs = [];
    const handler = createLambdaAuthorizer({ jwks: idp.jwks, policy, log: (line) => logs.push(line), ...options });
    const answer = await handler(event).catch((error) => (error.message === 'Unauthorized' ? null : Promise.reject(error)));
    return { answer, log: logs.at(-1) };
  }

  const SHAPES = { 'rest-token': 'restToken', 'rest-request': 'restRequest', 'http-v1': 'httpV1', 'http-v2': 'httpV2', websocket: 'webSocket' };

  test('it builds the five shapes', () => assert.deepEqual([...eventShapes].sort(), Object.keys(SHAPES).sort()));

  for (const shape of eventShapes) {
    test(`${shape}: the authorizer reads the shape, the route and the token, and allows or denies`, async () => {
      await ready;
      const route = shape === 'websocket' ? '$connect' : 'POST /pets/7';
      const { answer, log } = await decide(apigwEvent(shape, { method: 'post', path: '/pets/7', token: writer }));
      assert.equal(log.shape, SHAPES[shape]);
      assert.equal(log.route, route);
      assert.equal(log.decision, 'allow', log.reason);
      assert.equal(answer.principalId, 'alice');
      assert.deepEqual(answer.context, { user: 'alice' });
      const denied = await decide(apigwEvent(shape, { method: 'POST', path: '/pets/7', token: reader }));
      assert.equal(denied.log.decision, 'deny');
      assert.equal((await decide(apigwEvent(shape, { method: 'POST', path: '/pets/7' }))).answer, null, 'no token: 401');
    });
  }

  for (const shape of eventShapes.filter((s) => s !== 'rest-token')) {
    test(`${shape}: the token is found in the query, a cookie or another header where the authorizer is told to look`, async () => {
      await ready;
      const request = { method: 'POST', path: '/pets/7' };
      const found = async (event, options) => (await decide(event, options)).log.decision;
      assert.equal(await found(apigwEvent(shape, { ...request, query: { access_token: writer, other: ['1', '2'] } }), { tokenQuery: 'access_token' }), 'allow');
      assert.equal(await found(apigwEvent(shape, { ...request, cookies: { theme: 'dark', session: writer } }), { tokenCookie: 'session' }), 'allow');
      assert.equal(await found(apigwEvent(shape, { ...request, cookies: [`session=${writer}`] }), { tokenCookie: 'session' }), 'allow');
      assert.equal(await found(apigwEvent(shape, { ...request, headers: { 'X-Api-Token': writer } }), { tokenHeader: 'x-api-token' }), 'allow');
      // A header given twice is two values where the shape keeps them apart: refused as ambiguous.
      const twice = apigwEvent(shape, { ...request, headers: { 'X-Api-Token': [reader, writer] } });
      assert.notEqual(await found(twice, { tokenHeader: 'x-api-token' }), 'allow');
    });
  }

  test('the IAM answer names the event\'s own API, stage and route', async () => {
    const event = apigwEvent('rest-request', { method: 'GET', path: '/pets', token: reader, region: 'us-east-2', accountId: '210987654321', apiId: 'zyx987', stage: 'v2' });
    assert.equal(event.methodArn, 'arn:aws:execute-api:us-east-2:210987654321:zyx987/v2/GET/pets');
    const { answer } = await decide(event);
    const resources = answer.policyDocument.Statement.flatMap((s) => [].concat(s.Resource));
    assert.ok(resources.includes('arn:aws:execute-api:us-east-2:210987654321:zyx987/v2/GET/pets'), resources.join());
  });

  /** The members of an object, and of its `requestContext`, sorted. */
  const members = (event) => ({ top: Object.keys(event).sort(), requestContext: Object.keys(event.requestContext ?? {}).sort() });
  const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

  test('each shape has the members of a real event of that shape', () => {
    const token = 'foo';
    const cases = [
      ['rest-token', 'powertools-lambda-typescript/apigw-rest_authorizer-token.json', { method: 'POST', path: '/lambda-token', token }],
      ['rest-request', 'powertools-lambda-typescript/apigw-rest_authorizer-request.json', { method: 'POST', path: '/lambda-request', token }],
      ['http-v1', 'aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json', { path: '/request', token }],
      ['http-v2', 'powertools-lambda-typescript/apigw-http_authorizer-request.json', { method: 'POST', path: '/lambda', token }],
      ['http-v2', 'aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json', {
        method: 'POST', path: '/my/path', routeKey: '$default', token, cookies: ['cookie1', 'cookie2'], query: { parameter1: ['value1', 'value2'], parameter2: 'value' },
        pathParameters: { parameter1: 'value1' }, stageVariables: { stageVariable1: 'value1' },
      }],
    ];
    for (const [shape, name, options] of cases) {
      const real = fixture(name);
      const built = apigwEvent(shape, options);
      const expected = members(real);
      // Client certificates (mTLS) are not built.
      expected.requestContext = expected.requestContext.filter((m) => m !== 'authentication');
      assert.deepEqual(members(built), expected, `${shape} against ${name}`);
      for (const [member, value] of Object.entries(real)) {
        if (['type', 'version', 'httpMethod', 'path', 'resource', 'rawPath', 'rawQueryString', 'routeKey', 'cookies'].includes(member)) {
          assert.deepEqual(built[member], value, `${shape}.${member}`);
        }
      }
    }
    const real = fixture('powertools-lambda-typescript/apigw-rest_authorizer-request.json');
    const built = apigwEvent('rest-request', { method: 'POST', path: '/lambda-request', token });
    assert.deepEqual(Object.keys(built.requestContext.identity).sort(), Object.keys(real.requestContext.identity).sort());
    // The captured TOKEN event, member for member, once its API's id is given.
    const captured = fixture('powertools-lambda-typescript/apigw-rest_authorizer-token.json');
    assert.deepEqual(apigwEvent('rest-token', { method: 'POST', path: '/lambda-token', token, apiId: 'puhdx84jy9' }), captured);
    assert.equal(built.headers.Authorization, 'Bearer foo');
    assert.deepEqual(built.multiValueHeaders.Authorization, ['Bearer foo']);
    assert.deepEqual(apigwEvent('http-v2', { token }).identitySource, ['Bearer foo']);
  });

  test('HTTP APIs carry the stage in the path; REST APIs in the request context\'s', () => {
    assert.equal(apigwEvent('http-v2', { path: '/pets', stage: 'beta' }).rawPath, '/beta/pets');
    assert.equal(apigwEvent('http-v1', { path: '/pets', stage: 'beta' }).path, '/beta/pets');
    const rest = apigwEvent('rest-request', { path: '/pets', stage: 'beta' });
    assert.deepEqual([rest.path, rest.requestContext.path], ['/pets', '/beta/pets']);
    const at = new Date('2024-06-17T15:02:03.035Z');
    assert.equal(apigwEvent('rest-request', { currentDate: at }).requestContext.requestTime, '17/Jun/2024:15:02:03 +0000');
    assert.equal(apigwEvent('http-v2', { currentDate: at }).requestContext.timeEpoch, 1718636523035);
  });

  test('bad arguments are refused with the option named', () => {
    assert.throws(() => apigwEvent('rest'), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'shape', message: /rest-token/ });
    assert.throws(() => apigwEvent('http-v2', { header: { a: 'b' } }), { field: 'header' });
    assert.throws(() => apigwEvent('http-v2', { query: 'a=b' }), { field: 'query' });
    assert.throws(() => apigwEvent('http-v2', { currentDate: 5 }), { field: 'currentDate' });
  });
});

test('mockClaims: plausible claims, overrides, and removals; the policy decides on them', () => {
  const currentDate = new Date('2030-01-01T00:00:00Z');
  const claims = mockClaims({ scope: 'pets:read', email: undefined, groups: ['vets'] }, { currentDate });
  assert.equal(claims.iat, Date.parse('2030-01-01T00:00:00Z') / 1000);
  assert.equal(claims.exp, claims.iat + 3600);
  assert.match(claims.jti, /^[0-9a-f-]{36}$/);
  assert.notEqual(mockClaims().jti, mockClaims().jti);
  assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'groups', 'iat', 'iss', 'jti', 'scope', 'sub']);
  const policy = new Policy({ rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets'], scopes: { anyOf: ['pets:read'] } }] });
  assert.equal(policy.decide({ method: 'GET', path: '/pets', claims }).decision.allowed, true);
  assert.equal(policy.decide({ method: 'GET', path: '/pets', claims: mockClaims() }).decision.allowed, false);
});

describe('in workerd', () => {
  let worker;
  after(() => worker?.dispose());

  test('issuers sign, their fetch serves discovery, and the events are decided', async () => {
    worker = await startWorker(`
      import { Verifier, KeySet } from 'jwtgate';
      import { createEdgeGuard } from 'jwtgate/edge';
      import { createTestIssuer, apigwEvent, mockClaims } from 'jwtgate/testing';
      export default {
        async fetch() {
          const out = {};
          for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256']) {
            const idp = await createTestIssuer({ alg });
            const token = await idp.sign(mockClaims({ iss: undefined, aud: undefined }), { audience: 'api' });
            const verifier = new Verifier({ keys: KeySet.fromJwks(idp.jwks), issuer: idp.issuer, audience: 'api' });
            out[alg] = (await verifier.verifyAsync(token)).payload.sub;
          }
          const idp = await createTestIssuer({ alg: 'ES256' });
          const guard = createEdgeGuard({ issuer: idp.issuer, fetch: idp.fetch, log: false });
          const token = await idp.sign();
          out.guard = (await guard(new Request('https://api.example/pets', { headers: { authorization: 'Bearer ' + token } }))).status;
          out.event = apigwEvent('http-v2', { token }).headers.authorization === 'Bearer ' + token;
          out.ua = navigator.userAgent;
          return Response.json(out);
        },
      };`);
    const answer = await (await worker.mf.dispatchFetch('http://worker/')).json();
    assert.deepEqual(answer, { RS256: 'user-1234', ES256: 'user-1234', EdDSA: 'user-1234', HS256: 'user-1234', guard: 200, event: true, ua: 'Cloudflare-Workers' });
  });
});
