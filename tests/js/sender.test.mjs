// Sender-constrained tokens through the built package: DPoP proofs made by two independent
// client implementations (panva's `dpop` and `oauth4webapi`), each RFC 9449 check failing with
// its code and challenge, single use across authorizer instances, a store that is down failing
// closed within its timeout; and certificate-bound tokens (RFC 8705) with certificates made by
// `openssl`, through the real fixtures' event shapes and through workerd's `cf.tlsClientAuth`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import * as dpop from 'dpop';
import * as oauth from 'oauth4webapi';
import { Authorizer } from '../../pkg/src/adapters/lambda.mjs';
import { createEdgeGuard } from '../../pkg/src/adapters/edge.mjs';
import { memoryStore } from '../../pkg/src/io/stores/memory.mjs';
import { redisStore } from '../../pkg/src/io/stores/redis.mjs';
import { dynamoDbStore } from '../../pkg/src/io/stores/dynamodb.mjs';
import { createClient } from 'redis';
import { TABLE, clientOf, startDynalite } from './helpers/dynalite.mjs';
import { startRedis } from './helpers/redis.mjs';
import { FIXTURES } from './helpers/fixtures.mjs';
import { startWorker } from './helpers/workerd.mjs';

const SECRET = 'a-string-secret-at-least-256-bits-long!!';
const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
// The real REST capture: POST https://puhdx84jy9.execute-api.eu-west-1.amazonaws.com/prod/lambda-request.
const REST = 'powertools-lambda-typescript/apigw-rest_authorizer-request.json';
const REST_URI = 'https://puhdx84jy9.execute-api.eu-west-1.amazonaws.com/prod/lambda-request';
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

async function accessToken(cnf, claims = {}) {
  const payload = { sub: 'alice', scope: 'pets:write', ...claims };
  if (cnf) payload.cnf = cnf;
  return new jose.SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
}

/** The REST fixture with these headers, in both of its header maps, as API Gateway sends them. */
function restEvent(headers) {
  const event = fixture(REST);
  delete event.headers.Authorization;
  event.headers = { ...event.headers, ...headers };
  event.multiValueHeaders = Object.fromEntries(Object.entries(event.headers).map(([name, value]) => [name, [value]]));
  return event;
}

function authorizer(options = {}) {
  return new Authorizer({ secret: SECRET, algorithms: ['HS256'], log: false, dpop: {}, ...options });
}

let client; // the dpop package's key pair
let jkt;
before(async () => {
  client = await dpop.generateKeyPair('ES256');
  jkt = await dpop.calculateThumbprint(client.publicKey);
});

describe('DPoP proofs from independent clients', () => {
  test('a proof made by the dpop package passes once, and its replay is refused', async () => {
    const token = await accessToken({ jkt });
    const proof = await dpop.generateProof(client, REST_URI, 'POST', undefined, token);
    const event = restEvent({ Authorization: `DPoP ${token}`, DPoP: proof });
    const gate = authorizer();
    const outcome = await gate.handleEvent(event);
    assert.equal(outcome.status, 200, JSON.stringify(outcome.error));
    assert.equal(outcome.binding, 'dpop');
    const again = await gate.handleEvent(event);
    assert.equal(again.status, 401);
    assert.equal(again.error.code, 'ERR_DPOP_REPLAYED');
    assert.deepEqual(again.challenge.error, 'invalid_dpop_proof');
    await assert.rejects(gate.respond(event), { message: 'Unauthorized' });
  });

  test('a request made by oauth4webapi passes, through the HTTP API 2.0 fixture', async () => {
    const keys = await oauth.generateKeyPair('ES256');
    const bound = await oauth.calculateJwkThumbprint?.(keys.publicKey) ?? await dpop.calculateThumbprint(keys.publicKey);
    const token = await accessToken({ jkt: bound });
    const handle = oauth.DPoP({}, keys);
    let sent;
    const url = new URL('https://lsw1ro4ipb.execute-api.eu-west-1.amazonaws.com/lambda');
    await oauth.protectedResourceRequest(token, 'POST', url, new Headers(), null, {
      DPoP: handle,
      [oauth.customFetch]: async (_, init) => { sent = new Headers(init.headers); return new Response('{}'); },
    });
    assert.match(sent.get('authorization'), /^DPoP /);
    const event = fixture('powertools-lambda-typescript/apigw-http_authorizer-request.json');
    event.headers = { ...event.headers, authorization: sent.get('authorization'), dpop: sent.get('dpop') };
    const outcome = await authorizer().handleEvent(event);
    assert.equal(outcome.status, 200, JSON.stringify(outcome.error));
  });

  test('each failed check is refused with its code and RFC 9449 challenge', async () => {
    const token = await accessToken({ jkt });
    const other = await dpop.generateKeyPair('ES256');
    const exportable = await jose.generateKeyPair('ES256', { extractable: true });
    const privateJwk = await jose.exportJWK(exportable.privateKey);
    const signed = (header, claims, key) => new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
    const claims = { jti: crypto.randomUUID(), htm: 'POST', htu: REST_URI, iat: Math.floor(Date.now() / 1000), ath: b64url(createHash('sha256').update(token).digest()) };
    const cases = [
      ['wrong htm', await dpop.generateProof(client, REST_URI, 'GET', undefined, token), 'ERR_DPOP_PROOF_INVALID'],
      ['wrong htu', await dpop.generateProof(client, 'https://evil.example/prod/lambda-request', 'POST', undefined, token), 'ERR_DPOP_PROOF_INVALID'],
      ['wrong ath', await dpop.generateProof(client, REST_URI, 'POST', undefined, 'another-token'), 'ERR_DPOP_PROOF_INVALID'],
      ['no ath', await dpop.generateProof(client, REST_URI, 'POST'), 'ERR_DPOP_PROOF_INVALID'],
      ['old iat', await signed({ typ: 'dpop+jwt', alg: 'ES256', jwk: await jose.exportJWK(exportable.publicKey) }, { ...claims, iat: claims.iat - 61 }, exportable.privateKey), 'ERR_DPOP_PROOF_INVALID'],
      ['future iat', await signed({ typ: 'dpop+jwt', alg: 'ES256', jwk: await jose.exportJWK(exportable.publicKey) }, { ...claims, iat: claims.iat + 61 }, exportable.privateKey), 'ERR_DPOP_PROOF_INVALID'],
      ['another key (jkt)', await dpop.generateProof(other, REST_URI, 'POST', undefined, token), 'ERR_DPOP_BINDING_MISMATCH'],
      ['private key in jwk', await signed({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk }, claims, exportable.privateKey), 'ERR_DPOP_PROOF_INVALID'],
      ['HS256 proof', await signed({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: b64url(SECRET) } }, claims, new TextEncoder().encode(SECRET)), 'ERR_DPOP_PROOF_INVALID'],
      ['typ JWT', await signed({ typ: 'JWT', alg: 'ES256', jwk: await jose.exportJWK(exportable.publicKey) }, claims, exportable.privateKey), 'ERR_DPOP_PROOF_INVALID'],
    ];
    const gate = authorizer();
    for (const [name, proof, code] of cases) {
      const outcome = await gate.handleEvent(restEvent({ Authorization: `DPoP ${token}`, DPoP: proof }));
      assert.equal(outcome.error?.code, code, name);
      assert.equal(outcome.challenge.scheme, 'DPoP', name);
      assert.match(outcome.challenge.algs, /\bES256\b/, name);
    }
    // A bound token presented as a bearer token (a downgrade).
    const downgrade = await gate.handleEvent(restEvent({ Authorization: `Bearer ${token}`, DPoP: cases[0][1] }));
    assert.equal(downgrade.error.code, 'ERR_DPOP_BINDING_MISMATCH');
    assert.equal(downgrade.challenge.error, 'invalid_token');
    // Bearer tokens without `cnf` keep working.
    const plain = await gate.handleEvent(restEvent({ Authorization: `Bearer ${await accessToken()}` }));
    assert.equal(plain.status, 200);
  });
});

describe('DPoP at the edge', () => {
  const NONCES = { nonceSecret: 'a-nonce-secret-that-is-32-bytes-long', noncePeriod: 300 };

  test('a nonce is asked for with use_dpop_nonce and DPoP-Nonce, then accepted', async () => {
    const guard = createEdgeGuard({ secret: SECRET, algorithms: ['HS256'], log: false, dpop: NONCES });
    const token = await accessToken({ jkt });
    const url = 'https://api.example.com/pets/7?expand=1';
    const call = async (nonce) => guard(new Request(url, {
      headers: { authorization: `DPoP ${token}`, dpop: await dpop.generateProof(client, 'https://api.example.com/pets/7', 'GET', nonce, token) },
    }));
    const first = await call();
    assert.equal(first.response.status, 401);
    const challenge = first.response.headers.get('www-authenticate');
    assert.match(challenge, /^DPoP realm="api", error="use_dpop_nonce", error_description="[^"]*", algs="[^"]*ES256[^"]*"$/);
    const nonce = first.response.headers.get('dpop-nonce');
    assert.ok(nonce);
    const second = await call(nonce);
    assert.equal(second.ok, true, JSON.stringify(second.error));
    assert.equal(second.dpopNonce, nonce);
  });

  test('replays are refused across two instances sharing a store', async () => {
    const shared = memoryStore();
    const options = { secret: SECRET, algorithms: ['HS256'], log: false, dpop: {}, replayStore: shared };
    const [one, two] = [createEdgeGuard(options), createEdgeGuard(options)];
    const token = await accessToken({ jkt });
    const request = () => new Request('https://api.example.com/x', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    const proof = await dpop.generateProof(client, 'https://api.example.com/x', 'GET', undefined, token);
    assert.equal((await one(request())).ok, true);
    const replayed = await two(request());
    assert.equal(replayed.response.status, 401);
    assert.match(replayed.response.headers.get('www-authenticate'), /^DPoP realm="api", error="invalid_dpop_proof"/);
    assert.equal(replayed.error.code, 'ERR_DPOP_REPLAYED');
  });

  test('a store that does not answer fails closed within its timeout', async () => {
    const stuck = { putIfAbsent: () => new Promise(() => {}), get: async () => undefined, set: async () => {} };
    const { guardStore } = await import('../../pkg/src/io/stores/guard.mjs');
    const options = { secret: SECRET, algorithms: ['HS256'], log: false, dpop: {}, replayStore: guardStore(stuck, { timeoutMs: 50 }) };
    const token = await accessToken({ jkt });
    const proof = await dpop.generateProof(client, 'https://api.example.com/x', 'GET', undefined, token);
    const started = performance.now();
    const result = await createEdgeGuard(options)(new Request('https://api.example.com/x', { headers: { authorization: `DPoP ${token}`, dpop: proof } }));
    assert.ok(performance.now() - started < 1000);
    assert.equal(result.response.status, 503);
    assert.equal(result.error.code, 'ERR_STORE_UNAVAILABLE');
    const lambdaProof = await dpop.generateProof(client, REST_URI, 'POST', undefined, token);
    const gate = authorizer({ replayStore: guardStore(stuck, { timeoutMs: 50 }) });
    await assert.rejects(gate.respond(restEvent({ Authorization: `DPoP ${token}`, DPoP: lambdaProof })), { code: 'ERR_STORE_UNAVAILABLE' });
  });
});

describe('replays across two authorizer instances, through shared stores', () => {
  /** Two Lambda authorizers, each with its own store over the same backend; one proof sent to both. */
  async function replayedAcross(storeOf) {
    const [one, two] = [authorizer({ replayStore: storeOf() }), authorizer({ replayStore: storeOf() })];
    const token = await accessToken({ jkt });
    const event = restEvent({ Authorization: `DPoP ${token}`, DPoP: await dpop.generateProof(client, REST_URI, 'POST', undefined, token) });
    assert.equal((await one.respond(event)).principalId, 'alice');
    await assert.rejects(two.respond(event), { message: 'Unauthorized' });
    const refused = await two.handleEvent(event);
    assert.equal(refused.error.code, 'ERR_DPOP_REPLAYED');
    return { one, event: async () => restEvent({ Authorization: `DPoP ${token}`, DPoP: await dpop.generateProof(client, REST_URI, 'POST', undefined, token) }) };
  }

  /** With the backend gone, a fresh proof is refused with an error (never allowed) within the timeout. */
  async function failsClosed(gate, event) {
    const started = performance.now();
    await assert.rejects(gate.respond(await event()), { code: 'ERR_STORE_UNAVAILABLE' });
    assert.ok(performance.now() - started < 1000);
  }

  test('Redis', async () => {
    const redis = await startRedis();
    const clients = [];
    try {
      const storeOf = () => {
        const c = createClient({ socket: { host: '127.0.0.1', port: redis.port, reconnectStrategy: () => 50 }, disableOfflineQueue: true });
        c.on('error', () => {});
        clients.push(c.connect());
        return redisStore(async (args) => (await clients.at(-1)).sendCommand(args));
      };
      const { one, event } = await replayedAcross(storeOf);
      await redis.stop();
      await failsClosed(one, event);
    } finally {
      await redis.stop();
      for (const c of await Promise.all(clients)) c.destroy();
    }
  });

  test('DynamoDB (dynalite)', async () => {
    const service = await startDynalite();
    try {
      const { one, event } = await replayedAcross(() => dynamoDbStore({ client: clientOf(service.endpoint), tableName: TABLE }));
      await service.stop();
      await failsClosed(one, event);
    } finally {
      service.server.listening && await service.stop();
    }
  });

  test('a Durable Object, from two isolates', async () => {
    const worker = await startWorker(`
      import { createEdgeGuard } from 'jwtgate/edge';
      import { durableObjectStore } from 'jwtgate/stores/cloudflare';
      export { JwtGateDurableObject } from 'jwtgate/stores/cloudflare';
      let guard;
      export default { async fetch(request, env) {
        guard ??= createEdgeGuard({ secret: ${JSON.stringify(SECRET)}, algorithms: ['HS256'], log: false, dpop: {}, replayStore: durableObjectStore(env.JWTGATE_STORE) });
        const auth = await guard(request);
        return auth.ok ? new Response('ok') : new Response(auth.error?.code, { status: auth.response.status });
      } };`, { isolates: 2, durableObjects: { JWTGATE_STORE: 'JwtGateDurableObject' } });
    try {
      const token = await accessToken({ jkt });
      const url = 'https://api.example.com/pets';
      const init = { headers: { authorization: `DPoP ${token}`, dpop: await dpop.generateProof(client, url, 'GET', undefined, token) } };
      const first = await (await worker.mf.getWorker('a')).fetch(url, init);
      assert.deepEqual([first.status, await first.text()], [200, 'ok']);
      const second = await (await worker.mf.getWorker('b')).fetch(url, init);
      assert.deepEqual([second.status, await second.text()], [401, 'ERR_DPOP_REPLAYED']);
    } finally {
      await worker.dispose();
    }
  });
});

describe('certificate-bound tokens (mutual TLS)', () => {
  let dir;
  const certificates = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwtgate-mtls-'));
    for (const name of ['client', 'other', 'stranger']) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
        '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)], { stdio: 'ignore' });
      const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
      const der = execFileSync('openssl', ['x509', '-in', join(dir, `${name}.pem`), '-outform', 'DER']);
      certificates[name] = { pem, x5t: b64url(createHash('sha256').update(der).digest()), hex: createHash('sha256').update(der).digest('hex') };
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The REST fixture that carries a client certificate, with this one (or none). */
  function mtlsEvent(token, pem) {
    const event = fixture('aws-lambda-go/apigw-custom-auth-request-type-request.json');
    event.headers.Authorization = `Bearer ${token}`;
    event.multiValueHeaders.Authorization = [`Bearer ${token}`];
    if (pem) event.requestContext.identity.clientCert.clientCertPem = pem;
    else delete event.requestContext.identity.clientCert;
    return event;
  }

  test('the named certificate passes; another, or none, fails closed', async () => {
    const token = await accessToken({ 'x5t#S256': certificates.client.x5t });
    const gate = authorizer();
    const ok = await gate.handleEvent(mtlsEvent(token, certificates.client.pem));
    assert.equal(ok.status, 200, JSON.stringify(ok.error));
    assert.equal(ok.binding, 'mtls');
    assert.equal((await gate.handleEvent(mtlsEvent(token, certificates.other.pem))).error.code, 'ERR_MTLS_BINDING_MISMATCH');
    assert.equal((await gate.handleEvent(mtlsEvent(token))).error.code, 'ERR_MTLS_CERT_MISSING');
    // HTTP APIs carry it in requestContext.authentication.
    const v2 = fixture('aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json');
    v2.headers = { authorization: `Bearer ${token}` };
    v2.requestContext.authentication.clientCert.clientCertPem = certificates.client.pem;
    assert.equal((await gate.handleEvent(v2)).status, 200);
  });

  test('in Node, from the TLS socket of an https server that asks for client certificates', async () => {
    // The server trusts the "client" certificate (self-signed, so its own CA) and not "stranger".
    const guard = createEdgeGuard({
      secret: SECRET, algorithms: ['HS256'], log: false,
      clientCert: (request) => request.peer,
    });
    const server = https.createServer({
      key: readFileSync(join(dir, 'other.key')), cert: certificates.other.pem, ca: [certificates.client.pem],
      requestCert: true, rejectUnauthorized: false,
    }, async (req, res) => {
      const peer = req.socket.getPeerCertificate();
      const request = new Request(`https://localhost${req.url}`, { headers: req.headers });
      request.peer = peer?.fingerprint256 ? { sha256: peer.fingerprint256, verified: req.socket.authorized } : undefined;
      const auth = await guard(request);
      res.writeHead(auth.ok ? 200 : auth.response.status).end(auth.ok ? auth.binding : auth.error?.code);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tokens = {
      client: await accessToken({ 'x5t#S256': certificates.client.x5t }),
      stranger: await accessToken({ 'x5t#S256': certificates.stranger.x5t }),
    };
    const call = async (name) => new Promise((resolve, reject) => {
      const token = tokens[name ?? 'client'];
      const options = { port: server.address().port, host: '127.0.0.1', path: '/x', rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } };
      if (name) Object.assign(options, { key: readFileSync(join(dir, `${name}.key`)), cert: certificates[name].pem });
      https.get(options, (res) => {
        let body = '';
        res.on('data', (chunk) => { body += chunk; });
        res.on('end', () => resolve([res.statusCode, body]));
      }).on('error', reject);
    });
    try {
      assert.deepEqual(await call('client'), [200, 'mtls']);
      assert.deepEqual(await call('stranger'), [401, 'ERR_MTLS_CERT_MISSING'], 'presented, not verified');
      assert.deepEqual(await call(), [401, 'ERR_MTLS_CERT_MISSING'], 'none');
    } finally {
      server.close();
    }
  });

  test('in workerd, from request.cf.tlsClientAuth', async () => {
    const token = await accessToken({ 'x5t#S256': certificates.client.x5t });
    const worker = await startWorker(`
      import { createEdgeGuard } from 'jwtgate/edge';
      const guard = createEdgeGuard({ secret: ${JSON.stringify(SECRET)}, algorithms: ['HS256'], log: false });
      export default { async fetch(request) {
        const auth = await guard(request);
        return auth.ok ? new Response(auth.binding) : new Response(auth.error?.code ?? 'refused', { status: auth.response.status });
      } };`);
    try {
      const call = (tlsClientAuth) => worker.mf.dispatchFetch('https://api.example.com/x', { headers: { authorization: `Bearer ${token}` }, cf: { tlsClientAuth } });
      const auth = (hex, verified = 'SUCCESS') => ({ certPresented: '1', certVerified: verified, certFingerprintSHA256: hex });
      const ok = await call(auth(certificates.client.hex));
      assert.deepEqual([ok.status, await ok.text()], [200, 'mtls']);
      const other = await call(auth(certificates.other.hex));
      assert.deepEqual([other.status, await other.text()], [401, 'ERR_MTLS_BINDING_MISMATCH']);
      const unverified = await call(auth(certificates.client.hex, 'FAILED:self signed certificate'));
      assert.deepEqual([unverified.status, await unverified.text()], [401, 'ERR_MTLS_CERT_MISSING']);
      const none = await call({ certPresented: '0', certVerified: 'NONE', certFingerprintSHA256: '' });
      assert.deepEqual([none.status, await none.text()], [401, 'ERR_MTLS_CERT_MISSING']);
    } finally {
      await worker.dispose();
    }
  });
});
