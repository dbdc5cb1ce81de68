// The code blocks of docs/ that name a file (```js file=handler.mjs …) are run as that file:
// the sender-constrained tokens page's Lambda handler on real-shaped events, with proofs made by
// the `dpop` package and replays recorded in a real Redis; its SAM template through cfn-lint;
// its Cloudflare Worker in workerd with its Durable Object; the backend page's handlers on the
// real HTTP API and REST captures, with the claims and context API Gateway passes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as dpop from 'dpop';
import { appDir } from './helpers/app-dir.mjs';
import { cfnLintCommand } from './helpers/cfn-lint.mjs';
import { FIXTURES } from './helpers/fixtures.mjs';
import { startIssuer } from './helpers/issuer.mjs';
import { startRedis } from './helpers/redis.mjs';
import { startWorker } from './helpers/workerd.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const AUDIENCE = 'pets-api';

/**
 * Runs `code` as `handler.mjs` in its own Node process, as Lambda would: each event in turn,
 * each answer (or `{ error }` for a rejection) in the list returned (stdout has the decision
 * log).
 */
async function runHandler(dir, code, events, env) {
  writeFileSync(join(dir, 'handler.mjs'), code);
  writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
  writeFileSync(join(dir, 'run.mjs'), `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { handler } from './handler.mjs';
    const answers = [];
    for (const event of JSON.parse(readFileSync('events.json', 'utf8'))) {
      answers.push(await handler(event).catch((error) => ({ error: error.message })));
    }
    writeFileSync('answers.json', JSON.stringify(answers));
    process.exit(0);`);
  // Not spawnSync: the issuer serving its keys runs in this process's event loop.
  await run(process.execPath, ['run.mjs'], { cwd: dir, env: { ...process.env, ...env }, timeout: 60_000 });
  return JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8'));
}

/** The blocks of a page that name a file: `{ name: { code, tags } }`. */
function namedBlocks(page) {
  const text = readFileSync(join(ROOT, 'docs', page), 'utf8');
  const blocks = {};
  for (const [, info, code] of text.matchAll(/^```(\w+[^\n]*)\n([\s\S]*?)^```$/gm)) {
    const file = info.match(/\bfile=(\S+)/)?.[1];
    if (file) blocks[file] = { code, tags: info.split(/\s+/).slice(1) };
  }
  return blocks;
}

describe('docs/sender-constrained.md', () => {
  const blocks = namedBlocks('sender-constrained.md');
  let issuer;
  let client;
  before(async () => {
    issuer = await startIssuer({ audience: AUDIENCE });
    client = await dpop.generateKeyPair('ES256');
  });
  after(() => issuer?.close());

  const boundToken = async (extra = {}) => issuer.sign({ sub: 'alice', cnf: { jkt: await dpop.calculateThumbprint(client.publicKey) }, ...extra });

  test('the page names its three runnable files', () => {
    assert.deepEqual(Object.keys(blocks).sort(), ['handler.mjs', 'template.yaml', 'worker.mjs']);
  });

  test('the SAM template passes cfn-lint', (t) => {
    const found = cfnLintCommand();
    if (!found) return t.skip('cfn-lint is not installed: run scripts/setup-python.sh');
    const { dir, remove } = appDir('docs-sam');
    try {
      writeFileSync(join(dir, 'template.yaml'), blocks['template.yaml'].code);
      const [command, prefix] = found;
      const run = spawnSync(command, [...prefix, 'template.yaml'], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `cfn-lint: ${run.stdout}${run.stderr}`);
    } finally {
      remove();
    }
  });

  test('the Lambda handler allows a DPoP request once, with replays in Redis', async () => {
    const redis = await startRedis();
    const { dir, remove } = appDir('docs-lambda', ['redis', '@redis']);
    try {
      // The real REST capture (POST https://puhdx84jy9.execute-api.eu-west-1.amazonaws.com/prod/lambda-request)
      // moved to the page's route, POST /pets.
      const capture = readFileSync(join(FIXTURES, 'powertools-lambda-typescript/apigw-rest_authorizer-request.json'), 'utf8');
      const real = JSON.parse(capture.replaceAll('/lambda-request', '/pets'));
      const event = (authorization, proof) => {
        const headers = { ...real.headers, Authorization: authorization, ...(proof && { DPoP: proof }) };
        return { ...real, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) };
      };
      const uri = 'https://puhdx84jy9.execute-api.eu-west-1.amazonaws.com/prod/pets';
      const token = await boundToken({ scope: 'pets:write' });
      const proof = await dpop.generateProof(client, uri, 'POST', undefined, token);
      const events = [event(`DPoP ${token}`, proof), event(`DPoP ${token}`, proof), event(`Bearer ${await issuer.sign({ sub: 'bob' })}`)];
      const answers = await runHandler(dir, blocks['handler.mjs'].code, events, {
        ISSUER: issuer.issuer, AUDIENCE, REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      });
      assert.equal(answers[0].principalId, 'alice', JSON.stringify(answers[0]));
      const allowed = answers[0].policyDocument.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Resource);
      assert.deepEqual(allowed, [real.methodArn], 'the current request only');
      assert.deepEqual(answers.slice(1), [{ error: 'Unauthorized' }, { error: 'Unauthorized' }], 'the replay; a bearer token');
    } finally {
      await redis.stop();
      remove();
    }
  });

  test('the Worker guards with DPoP (replays in its Durable Object) and with tlsClientAuth', async () => {
    const worker = await startWorker(blocks['worker.mjs'].code, {
      bindings: { ISSUER: issuer.issuer, AUDIENCE },
      durableObjects: { JWTGATE_STORE: 'JwtGateDurableObject' },
    });
    try {
      const url = 'https://api.example.com/pets/1';
      const token = await boundToken();
      const proof = await dpop.generateProof(client, url, 'GET', undefined, token);
      const call = (init) => worker.mf.dispatchFetch(url, init);
      const first = await call({ headers: { authorization: `DPoP ${token}`, dpop: proof } });
      assert.deepEqual([first.status, await first.json()], [200, { hello: 'alice', binding: 'dpop' }]);
      const replay = await call({ headers: { authorization: `DPoP ${token}`, dpop: proof } });
      assert.equal(replay.status, 401);
      assert.match(replay.headers.get('www-authenticate'), /^DPoP realm="api", error="invalid_dpop_proof"/);
      const der = Buffer.from('a client certificate');
      const certBound = await issuer.sign({ sub: 'carol', cnf: { 'x5t#S256': createHash('sha256').update(der).digest('base64url') } });
      const tlsClientAuth = { certPresented: '1', certVerified: 'SUCCESS', certFingerprintSHA256: createHash('sha256').update(der).digest('hex') };
      const mtls = await call({ headers: { authorization: `Bearer ${certBound}` }, cf: { tlsClientAuth } });
      assert.deepEqual([mtls.status, await mtls.json()], [200, { hello: 'carol', binding: 'mtls' }]);
      const bearer = await call({ headers: { authorization: `Bearer ${await issuer.sign({ sub: 'dave' })}` } });
      assert.equal(bearer.status, 401, 'requireBinding: any');
    } finally {
      await worker.dispose();
    }
  });
});

describe('docs/backend.md', () => {
  const blocks = namedBlocks('backend.md');
  const capture = (name) => JSON.parse(readFileSync(join(FIXTURES, 'powertools-lambda-typescript', name), 'utf8'));
  /** The real HTTP API 2.0 capture moved to `method path`, with a JWT authorizer's string claims. */
  const httpEvent = (method, path, claims) => {
    const event = capture('apigw-http_lambda-authorizer-auth.json');
    event.requestContext.http.method = method;
    event.rawPath = event.requestContext.http.path = path;
    event.requestContext.authorizer = { jwt: { claims, scopes: null } };
    return event;
  };
  /** Imports a block as the file it names, in an app directory with the package (and `packages`) installed. */
  const load = async (file, packages = [], extra = {}) => {
    const { dir, remove } = appDir('docs-backend', packages);
    for (const [name, text] of Object.entries({ [file]: blocks[file].code, ...extra })) writeFileSync(join(dir, name), text);
    return { module: await import(join(dir, file)), remove };
  };

  test('the page names its runnable files', () => {
    assert.deepEqual(Object.keys(blocks).sort(), ['context.mjs', 'handler.mjs', 'logged.mjs', 'middy.mjs']);
  });

  test('withPolicy: allowed, denied (403 insufficient_scope), no claims (401)', async () => {
    const { module, remove } = await load('handler.mjs');
    try {
      const allowed = await module.handler(httpEvent('DELETE', '/pets/7', { sub: 'alice', 'cognito:groups': '[admin users]' }));
      assert.deepEqual(JSON.parse(allowed.body), { principalId: 'alice', groups: ['admin', 'users'], rule: 'admin' });
      const denied = await module.handler(httpEvent('DELETE', '/pets/7', { sub: 'bob', scope: 'pets:read' }));
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.headers['WWW-Authenticate'], 'Bearer error="insufficient_scope"');
      const none = await module.handler(capture('apigw-http_lambda-authorizer-auth.json'));
      assert.equal(none.statusCode, 401);
    } finally {
      remove();
    }
  });

  test('the options: a log sink with the trace', async () => {
    const { module, remove } = await load('logged.mjs');
    try {
      await module.handler(httpEvent('GET', '/pets/1', { sub: 'carol', scope: 'pets:read' }));
      assert.equal(module.lines.length, 1);
      assert.equal(module.lines[0].decision, 'allow');
      assert.equal(module.lines[0].trace[0].rule, 'read');
    } finally {
      remove();
    }
  });

  test('the middy middleware', async () => {
    const { module, remove } = await load('middy.mjs', ['@middy']);
    try {
      assert.deepEqual(await module.handler(httpEvent('GET', '/pets/1', { sub: 'dan', scope: 'pets:read' }), {}), { statusCode: 200, body: 'dan' });
      assert.equal((await module.handler(httpEvent('GET', '/pets/1', { sub: 'dan' }), {})).statusCode, 403);
    } finally {
      remove();
    }
  });

  test('readAuthorizerContext: the mapping shown, read from a REST event whose context API Gateway stringified', async () => {
    const mapping = readFileSync(join(ROOT, 'docs/backend.md'), 'utf8').match(/```json\n("context": \{[\s\S]*?\n\})\n```/)[1];
    const policy = JSON.stringify(JSON.parse(`{ "rules": [], ${mapping} }`));
    const { module, remove } = await load('context.mjs', [], { 'policy.json': policy });
    try {
      const event = capture('apigw-rest_lambda-authorizer-auth.json');
      event.requestContext.authorizer = { principalId: 'erin', integrationLatency: 3, userId: 'erin', groups: '["admin"]', level: '4' };
      assert.deepEqual(JSON.parse((await module.handler(event)).body), { userId: 'erin', admin: true, level: 4 });
    } finally {
      remove();
    }
  });
});
