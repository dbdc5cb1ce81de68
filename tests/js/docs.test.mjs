// Every code block of README.md and docs/ is run or checked, by its language:
// - a block that names a file (```js file=handler.mjs …) is run as that file, by the page's own
//   test below: the README's quick starts (the Lambda handler on real API Gateway events, the
//   Worker in workerd, both against a local OIDC issuer), the sender-constrained tokens page's
//   Lambda handler (proofs made by the `dpop` package, replays in a real Redis), its SAM
//   template (cfn-lint) and its Worker (workerd, with its Durable Object); the backend page's
//   handlers on the real HTTP API and REST captures, with the claims and context API Gateway passes;
// - any other `js` block is run too (below): as a module in Node, the reader's own values it
//   names (`issuer`, `token`, `policy`, …) set as globals, its exported `handler`, `fetch` or
//   `middleware` called once on a sample request; a block marked `workerd` as a Worker in
//   workerd (with a Durable Object bound as JWTGATE_STORE); `ts` is type-checked; `json` is parsed, and a policy document
//   among them loaded by the package; `yaml` and `toml` are parsed; `console` examples are run
//   in a directory with the page's named data files, and must print what the page shows; `sh`
//   commands must name scripts, files and `jwtgate` commands that exist (they are the test
//   command itself, a server, or AWS's CLI); `rust` blocks run as doctests of the crate
//   (`cargo test`, src/lib.rs includes docs/rust.md); and the main job's demo runs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Every fenced block of a page (a path from the repository root): `{ lang, file, tags, code, line }`. */
function blocksOf(page) {
  const text = readFileSync(join(ROOT, page), 'utf8');
  return [...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => {
    const [lang = '', ...tags] = m[1].trim().split(/\s+/);
    const file = tags.find((t) => t.startsWith('file='))?.slice(5);
    return { lang, file, tags, code: m[2], line: text.slice(0, m.index).split('\n').length };
  });
}

/** The blocks of a page that name a file: `{ name: { code, tags } }`. */
function namedBlocks(page) {
  return Object.fromEntries(blocksOf(page).filter((b) => b.file).map((b) => [b.file, b]));
}

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
// The blocks that name a file, and the test below that runs each.
const RUN_BY_TESTS = new Set(['README.md handler.mjs', 'README.md worker.mjs', 'docs/sender-constrained.md handler.mjs', 'docs/sender-constrained.md template.yaml', 'docs/sender-constrained.md worker.mjs',
  'docs/backend.md handler.mjs', 'docs/backend.md logged.mjs', 'docs/backend.md middy.mjs', 'docs/backend.md context.mjs']);

/** The commands of a shell block: each line without comments, split at `&&`, `;` and `|`. */
function commandsOf(code, prompt) {
  return code.replace(/\\\n\s*/g, ' ').split('\n')
    .filter((line) => !prompt || line.startsWith('$ '))
    .map((line) => (prompt ? line.slice(2) : line).replace(/\s#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('#'))
    .flatMap((line) => line.split(/&&|;|\|/).map((c) => c.trim()).filter(Boolean));
}

/** Checks that a command names what exists: a script, a file given to node, a jwtgate command. */
function checkCommand(command, where) {
  const words = command.replace(/^(\w+=\S*\s+)+/, '').split(/\s+/); // without VAR=value prefixes
  const [program, ...rest] = words[0] === 'npx' ? words.slice(1) : words;
  if (program.startsWith('scripts/') || program.startsWith('./scripts/')) {
    assert.ok(existsSync(join(ROOT, program)), `${where}: ${program} does not exist`);
  } else if (program === 'node') {
    const file = rest.find((word) => !word.startsWith('-'));
    assert.ok(file && existsSync(join(ROOT, file)), `${where}: ${file} does not exist`);
  } else if (program === 'jwtgate') {
    const names = rest.filter((w) => /^[a-z][a-z-]*$/.test(w)).slice(0, 2);
    const run = spawnSync(process.execPath, [join(ROOT, 'pkg/bin/jwtgate.mjs'), ...names.slice(0, names[0] === 'policy' || names[0] === 'jwks' ? 2 : 1), '--help'], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${where}: \`jwtgate ${names.join(' ')}\` is no command: ${run.stderr}`);
  } else {
    assert.ok(['npm', 'cargo', 'curl', 'sam', 'wrangler', 'aws', 'export', 'cd'].includes(program), `${where}: no check for \`${program}\``);
  }
}

describe('every code block of README.md and docs/', () => {
  for (const page of PAGES) {
    test(page, async () => {
      const { Policy: PolicyClass } = await import('../../pkg/src/runtime/node.mjs');
      const { parse: parseYaml } = await import('yaml');
      const { parse: parseToml } = await import('smol-toml');
      const { dir, remove } = appDir('docs-blocks');
      try {
        for (const [i, block] of blocksOf(page).entries()) {
          const where = `${page}:${block.line}`;
          // A named program must have its runner; a named data file is checked as data below (and
          // is the input of the page's console examples).
          if (block.file && block.lang === 'js') {
            assert.ok(RUN_BY_TESTS.has(`${page} ${block.file}`), `${where}: nothing runs ${block.file}`);
            continue;
          }
          switch (block.lang) {
            case 'js': {
              const file = join(dir, `block-${i}.mjs`);
              writeFileSync(file, block.code);
              const run = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
              assert.equal(run.status, 0, `${where}: not a module: ${run.stderr}`);
              break;
            }
            case 'ts': {
              writeFileSync(join(dir, `block-${i}.ts`), block.code);
              const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--lib', 'es2022,dom', `block-${i}.ts`], { cwd: dir, encoding: 'utf8' });
              assert.equal(run.status, 0, `${where}: ${run.stdout}`);
              break;
            }
            case 'json': {
              const value = JSON.parse(block.code);
              if (value?.rules) new PolicyClass(value); // a policy document must load
              break;
            }
            case 'yaml':
              parseYaml(block.code, { customTags: CLOUDFORMATION_TAGS });
              if (block.tags.includes('cfn-lint')) assert.ok(RUN_BY_TESTS.has(`${page} ${block.file}`), `${where}: nothing lints ${block.file}`);
              break;
            case 'toml':
              parseToml(block.code);
              break;
            case 'sh':
            case 'console':
              for (const command of commandsOf(block.code, block.lang === 'console')) checkCommand(command, where);
              break;
            case 'rust':
              assert.equal(page, 'docs/rust.md', `${where}: Rust blocks run as doctests only from docs/rust.md`);
              assert.match(readFileSync(join(ROOT, 'src/lib.rs'), 'utf8'), /include_str!\("\.\.\/docs\/rust\.md"\)/);
              break;
            case 'text':
              break; // output, not code
            default:
              assert.fail(`${where}: a block of language "${block.lang}" is neither run nor checked`);
          }
        }
      } finally {
        remove();
      }
    });
  }
});

/** CloudFormation's short-form tags, as scalars, sequences or maps of anything. */
const CLOUDFORMATION_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'FindInMap', 'ImportValue', 'Equals', 'Not', 'And', 'Or', 'Base64', 'Cidr', 'GetAZs', 'Condition']
  .flatMap((name) => ['scalar', 'seq', 'map'].map((collection) => ({ tag: `!${name}`, collection: collection === 'scalar' ? undefined : collection, resolve: (value) => value })));

test('docs/errors.md lists every error code', () => {
  const declared = readFileSync(join(ROOT, 'pkg/core.d.ts'), 'utf8') + readFileSync(join(ROOT, 'pkg/index.d.ts'), 'utf8');
  const codes = new Set(declared.match(/'ERR_[A-Z_]+'/g).map((code) => code.slice(1, -1)));
  const page = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  assert.deepEqual([...codes].filter((code) => !page.includes(`| \`${code}\` |`)), []);
});

/**
 * The reader's own values the fragments name, and the runner that sets them as globals, imports
 * the block and calls what it exports once; `result.json` says what came back.
 */
const FRAGMENT_RUNNER = `
import { readFileSync, writeFileSync } from 'node:fs';
const values = JSON.parse(readFileSync('values.json', 'utf8'));
const { memoryStore } = await import('jwtgate/stores');
const { Policy } = await import('jwtgate');
const testing = await import('jwtgate/testing');
Object.assign(globalThis, values, {
  currentDate: new Date(), digest: 'a-proof-digest', maxProofAgeS: 60, toleranceS: 5,
  refuse: (why) => { throw new Error(why); }, handle: () => new Response('handled'),
  store: memoryStore(), Policy, mockClaims: testing.mockClaims, idp: await testing.createTestIssuer(),
});
const module = await import('./block.mjs');
const request = () => new Request('https://api.example.com/pets/7', { headers: values.headers });
const result = { ran: true };
if (module.handler) result.handler = await module.handler(testing.apigwEvent('rest-request', { method: 'GET', path: '/pets/7', token: values.token }));
if (module.default?.fetch) result.status = (await module.default.fetch(request(), {}, {})).status;
if (module.middleware) result.middleware = (await module.middleware(request()))?.status ?? 'passed';
writeFileSync('result.json', JSON.stringify(result));
process.exit(0);`;

describe('the other JS blocks of docs/, run', () => {
  const SAMPLE_POLICY = { rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets/{id}'] },
    { id: 'orders', effect: 'allow', routes: ['GET /orders'], scopes: { anyOf: ['orders:read'] } },
  ] };
  let issuer;
  let redis;
  before(async () => {
    issuer = await startIssuer({ audience: 'api' });
    redis = await startRedis();
  });
  after(async () => {
    await issuer?.close();
    await redis?.stop();
  });
  const fragments = PAGES.flatMap((page) => blocksOf(page).filter((b) => b.lang === 'js' && !b.file).map((b) => ({ page, ...b })));

  for (const block of fragments) {
    test(`${block.page}:${block.line}`, async () => {
      const token = await issuer.sign({ sub: 'alice', scope: 'orders:read' });
      if (block.tags.includes('workerd')) return runInWorkerd(block, token);
      const { dir, remove } = appDir('docs-fragment', ['redis', '@redis', '@aws-sdk', '@smithy']);
      try {
        const { snapshotJwks } = await import('../../pkg/src/runtime/node.mjs');
        writeFileSync(join(dir, 'block.mjs'), block.code);
        writeFileSync(join(dir, 'policy.json'), JSON.stringify(SAMPLE_POLICY));
        writeFileSync(join(dir, 'jwks-snapshot.json'), JSON.stringify(await snapshotJwks({ issuer: issuer.issuer })));
        const jwks = await (await fetch(`${issuer.issuer}/jwks.json`)).json();
        const values = { issuer: issuer.issuer, audience: 'api', jwksUri: `${issuer.issuer}/jwks.json`, jwks, policy: SAMPLE_POLICY, token, headers: { authorization: `Bearer ${token}` } };
        writeFileSync(join(dir, 'values.json'), JSON.stringify(values));
        const env = { ...process.env, ISSUER: issuer.issuer, AUDIENCE: 'api', REDIS_URL: `redis://127.0.0.1:${redis.port}` };
        if (block.code.includes("from 'node:test'")) {
          // A test file: run as the test runner runs it.
          await run(process.execPath, ['--test', 'block.mjs'], { cwd: dir, env, timeout: 60_000 });
          return;
        }
        writeFileSync(join(dir, 'runner.mjs'), FRAGMENT_RUNNER);
        await run(process.execPath, ['runner.mjs'], { cwd: dir, env, timeout: 60_000 });
        const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
        if ('handler' in result) assert.equal(result.handler.principalId, 'alice', JSON.stringify(result.handler));
        if ('status' in result) assert.equal(result.status, 200);
        if ('middleware' in result) assert.equal(result.middleware, 'passed');
      } finally {
        remove();
      }
    });
  }

  /** A Worker block: started in workerd, fetched once. */
  async function runInWorkerd(block, token) {
    const worker = await startWorker(block.code, { bindings: { ISSUER: issuer.issuer }, durableObjects: /JwtGateDurableObject/.test(block.code) ? { JWTGATE_STORE: 'JwtGateDurableObject' } : undefined });
    try {
      const res = await worker.mf.dispatchFetch('https://api.example.com/pets/7', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, await res.text());
    } finally {
      await worker.dispose();
    }
  }
});

/** A command line's words, as a POSIX shell splits them (quotes, no expansion). */
function words(line) {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

describe('the console examples of docs/, run', () => {
  for (const page of PAGES) {
    const blocks = blocksOf(page);
    const consoles = blocks.filter((block) => block.lang === 'console');
    if (consoles.length === 0) continue;
    // Each example runs in a directory with the page's files, `$T` a token, and what it prints
    // holds every line the page shows, in order ("…" lines and times, which vary, left out).
    test(page, async () => {
      const { dir, remove } = appDir('docs-console');
      const issuer = await startIssuer({ audience: 'api' });
      try {
        for (const block of blocks) if (block.file && block.lang !== 'js') writeFileSync(join(dir, block.file), block.code);
        const token = await issuer.sign({ sub: 'alice' });
        for (const block of consoles) {
          const [command, ...shown] = block.code.trimEnd().split('\n');
          const where = `${page}:${block.line}`;
          let args = words(command.replace(/^\$ jwtgate /, '').replaceAll('"$T"', token).replace(/eyJ\S*…/, token));
          const redirect = args.indexOf('>');
          const out = redirect >= 0 ? args[redirect + 1] : undefined;
          if (redirect >= 0) args = args.slice(0, redirect);
          const run = spawnSync(process.execPath, [join(ROOT, 'pkg/bin/jwtgate.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
          assert.ok(run.status === 0 || run.status === 1, `${where}: exit ${run.status}: ${run.stderr}`);
          if (out) {
            writeFileSync(join(dir, out), run.stdout);
            assert.doesNotThrow(() => JSON.parse(run.stdout), `${where}: ${out} is not JSON`);
          }
          const printed = run.stdout.split('\n');
          let at = 0;
          for (const line of shown.filter((l) => l.trim() !== '…' && !/\d{4}-\d\d-\d\dT/.test(l))) {
            const found = printed.indexOf(line, at);
            assert.ok(found >= 0, `${where}: the page shows ${JSON.stringify(line)}, which the command does not print (in that order):\n${run.stdout}`);
            at = found + 1;
          }
        }
      } finally {
        remove();
        await issuer.close();
      }
    });
  }
});

test('the main job (scripts/demo.sh) decides the real API Gateway captures', async () => {
  const { stdout } = await run(process.execPath, ['examples/demo.mjs'], { cwd: ROOT, timeout: 60_000 });
  for (const shape of ['REST TOKEN', 'REST REQUEST', 'HTTP API, payload 1.0', 'HTTP API, payload 2.0']) {
    assert.match(stdout, new RegExp(`^ALLOW ${shape}.*alice`, 'm'), shape);
    assert.match(stdout, new RegExp(`^DENY  ${shape}.*bob`, 'm'), shape);
  }
  assert.match(stdout, /^ {6}API Gateway gets: \{"principalId":"alice","policyDocument":/m);
  assert.match(stdout, /^401 {3}an expired token/m);
  const log = JSON.parse(stdout.trimEnd().split('\n').at(-1));
  assert.equal(log.msg, 'jwtgate decision');
});

describe('README.md quick starts', () => {
  const blocks = namedBlocks('README.md');
  let issuer;
  before(async () => { issuer = await startIssuer({ audience: AUDIENCE }); });
  after(() => issuer?.close());

  test('the Lambda handler decides real REST events by the policy', async () => {
    const { dir, remove } = appDir('readme-lambda');
    try {
      // The real REST capture, moved to the quick start's routes.
      const capture = readFileSync(join(FIXTURES, 'powertools-lambda-typescript/apigw-rest_authorizer-request.json'), 'utf8');
      const event = (method, path, token) => {
        const real = JSON.parse(capture.replaceAll('/lambda-request', path).replaceAll('POST', method));
        const headers = { ...real.headers, Authorization: `Bearer ${token}` };
        return { ...real, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) };
      };
      const reader = await issuer.sign({ sub: 'alice', scope: 'pets:read', tenant: 't1' });
      const events = [event('GET', '/pets/7', reader), event('DELETE', '/pets/7', reader), event('PUT', '/tenants/t1/orders/9', reader),
        event('PUT', '/tenants/t2/orders/9', reader), event('GET', '/pets/7', `${reader}x`)];
      const answers = await runHandler(dir, blocks['handler.mjs'].code, events, { ISSUER: issuer.issuer, AUDIENCE });
      // IAM's reading of an answer for one ARN: `*` any run of characters, `?` exactly one; a Deny wins.
      const glob = (pattern) => new RegExp(`^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, 's');
      const effect = (answer, arn) => {
        const matching = answer.policyDocument.Statement.filter((st) => [st.Resource].flat().some((r) => glob(r).test(arn)));
        return matching.some((st) => st.Effect === 'Deny') ? 'Deny' : matching.some((st) => st.Effect === 'Allow') ? 'Allow' : 'Deny';
      };
      assert.deepEqual(answers.slice(0, 4).map((a, i) => effect(a, events[i].methodArn)), ['Allow', 'Deny', 'Allow', 'Deny']);
      assert.deepEqual(answers[4], { error: 'Unauthorized' });
    } finally {
      remove();
    }
  });

  test('the Worker guards its routes', async () => {
    const worker = await startWorker(blocks['worker.mjs'].code, { bindings: { ISSUER: issuer.issuer, AUDIENCE } });
    try {
      const ok = await worker.mf.dispatchFetch('https://api.example.com/pets', { headers: { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` } });
      assert.deepEqual([ok.status, await ok.json()], [200, { hello: 'alice' }]);
      const none = await worker.mf.dispatchFetch('https://api.example.com/pets');
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate'), /^Bearer realm="api"/);
    } finally {
      await worker.dispose();
    }
  });

  test('the inspector is served as the quick start says', async () => {
    const [command] = commandsOf(blocksOf('README.md').find((b) => b.code.includes('serve.mjs')).code).filter((c) => c.includes('serve.mjs'));
    const args = command.split(/\s+/).slice(1, -1); // the port is this test's
    const server = spawn(process.execPath, [...args, '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise((resolve, reject) => {
        server.stdout.on('data', (chunk) => { const m = String(chunk).match(/http:\/\/127\.0\.0\.1:\d+\/www\//); if (m) resolve(m[0]); });
        server.once('exit', (code) => reject(new Error(`serve.mjs exited ${code}`)));
      });
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /jwtgate/);
    } finally {
      server.kill();
    }
  });
});

describe('docs/sender-constrained.md', () => {
  const blocks = namedBlocks('docs/sender-constrained.md');
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
  const blocks = namedBlocks('docs/backend.md');
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
    const document = blocksOf('docs/backend.md').find((b) => b.lang === 'json' && b.code.includes('"context"')).code;
    const policy = JSON.stringify(JSON.parse(document));
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
