// The npm install path: `npm pack` the package, install the tarball into a fresh project,
// and use it from ESM and CommonJS exactly as a user would; then type-check a TypeScript user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as jose from 'jose';

const root = resolve(import.meta.dirname, '../..');
let project;

const run = (cmd, args, cwd = project) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'jwtgate-install-'));
  run('npm', ['pack', '--silent', '--pack-destination', project], join(root, 'pkg'));
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${tarball}`]);

  // A token and key for the user programs to verify.
  const secret = 'a-string-secret-at-least-256-bits-long';
  const token = await new jose.SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  writeFileSync(join(project, 'fixture.json'), JSON.stringify({ secret, token }));
});

after(() => rmSync(project, { recursive: true, force: true }));

const program = (load) => `
${load}
const { secret, token } = JSON.parse(require_('fs').readFileSync('fixture.json', 'utf8'));
const verifier = new Verifier({ keys: KeySet.fromSecret(secret, { alg: 'HS256' }), algorithms: ['HS256'] });
let code;
try { verifier.verify(token + 'x'); } catch (e) { code = e instanceof JwtGateError && e.code; }
console.log(JSON.stringify({ sub: verifier.verify(token).payload.sub, code }));
`;

test('installed tarball works from ESM', () => {
  writeFileSync(join(project, 'esm.mjs'), program(
    "import { KeySet, Verifier, JwtGateError } from 'jwtgate';\nimport { createRequire } from 'node:module';\nconst require_ = createRequire(import.meta.url);",
  ));
  assert.deepEqual(JSON.parse(run('node', ['esm.mjs'])), { sub: 'alice', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

test('installed tarball works from CommonJS', () => {
  writeFileSync(join(project, 'cjs.cjs'), program("const { KeySet, Verifier, JwtGateError } = require('jwtgate');\nconst require_ = require;"));
  assert.deepEqual(JSON.parse(run('node', ['cjs.cjs'])), { sub: 'alice', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  // jwtgate/backend from CommonJS: the same bundle, one wasm instance.
  writeFileSync(join(project, 'backend.cjs'), `
const { withPolicy } = require('jwtgate/backend');
const handler = withPolicy({ rules: [] }, async () => ({ statusCode: 200 }), { log: false });
handler({ version: '2.0', rawPath: '/', requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims: { sub: 'a' } } } } })
  .then((answer) => console.log(answer.statusCode));`);
  assert.equal(run('node', ['backend.cjs']).trim(), '403');
});

test('installed tarball: jwtgate/testing signs tokens the installed authorizer accepts', () => {
  writeFileSync(join(project, 'testing.mjs'), `
import { Authorizer } from 'jwtgate/lambda';
import { createTestIssuer, apigwEvent } from 'jwtgate/testing';
const idp = await createTestIssuer({ alg: 'ES256' });
const authorizer = new Authorizer({ issuer: idp.issuer, fetch: idp.fetch, log: false });
const outcome = await authorizer.handleEvent(apigwEvent('http-v2', { token: await idp.sign({}, { subject: 'carol' }) }));
console.log(JSON.stringify({ status: outcome.status, principalId: outcome.principalId }));`);
  assert.deepEqual(JSON.parse(run('node', ['testing.mjs'])), { status: 200, principalId: 'carol' });
});

test('installed tarball: the jwtgate command is on the path npm makes', () => {
  const { token } = JSON.parse(readFileSync(join(project, 'fixture.json'), 'utf8'));
  const decoded = JSON.parse(run(join(project, 'node_modules/.bin/jwtgate'), ['decode', token, '--json']));
  assert.equal(decoded.payload.sub, 'alice');
  assert.match(run('npx', ['--no-install', 'jwtgate', '--help']), /^jwtgate: JWT validation/);
});

test('installed tarball: `jwtgate policy check` reads YAML with the package\'s own dependency', () => {
  writeFileSync(join(project, 'policy.json'), JSON.stringify({ rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets'] }] }));
  writeFileSync(join(project, 'openapi.yaml'), 'openapi: 3.0.0\npaths:\n  /pets:\n    get: {}\n');
  const checked = JSON.parse(run(join(project, 'node_modules/.bin/jwtgate'), ['policy', 'check', 'policy.json', '--api', 'openapi.yaml', '--json']));
  assert.deepEqual(checked.check.coverage.map((c) => [c.route, c.allowed]), [['GET /pets', true]]);
});

test('the tarball ships only what is needed', () => {
  const listing = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], join(root, 'pkg')))[0].files.map((f) => f.path);
  for (const needed of ['package.json', 'index.d.ts', 'testing.d.ts', 'src/testing/index.mjs', 'bin/jwtgate.mjs', 'src/cli/main.mjs', 'src/runtime/node.mjs', 'src/runtime/workerd.mjs', 'src/runtime/edge-light.mjs', 'src/runtime/browser.mjs', 'dist/index.cjs', 'dist/backend.cjs', 'backend.d.ts', 'src/adapters/backend.mjs', 'dist/web/jwtgate.js', 'dist/web/jwtgate_bg.wasm']) {
    assert.ok(listing.includes(needed), `missing ${needed}`);
  }
  assert.ok(!listing.some((f) => f.includes('node_modules') || f.endsWith('.rs')));
});

test('the public types check with tsc --noEmit', () => {
  writeFileSync(join(project, 'user.ts'), `
import { KeySet, Verifier, decode, JwtGateError, type VerifyResult } from 'jwtgate';
const keys: KeySet = KeySet.fromSecret('s'.repeat(32), { alg: 'HS256', kid: 'k' });
const verifier = new Verifier({ keys, issuer: ['a', 'b'], audience: 'x', algorithms: ['HS256'], clockTolerance: '30s', maxTokenAge: 3600, currentDate: new Date() });
const result: VerifyResult<{ sub: string; scope?: string }> = verifier.verify('t');
const sub: string = result.payload.sub;
const severity: 'high' | 'medium' | 'low' = decode('t').warnings[0].severity;
try { verifier.verify('t'); } catch (e) { if (e instanceof JwtGateError && e.code === 'ERR_JWT_EXPIRED') console.log(e.claim, sub, severity); }
// @ts-expect-error: 'none' is not an algorithm
new Verifier({ keys, algorithms: ['none'] });
import { createTestIssuer, apigwEvent, type TestIssuer } from 'jwtgate/testing';
export async function testing() {
  const idp: TestIssuer = await createTestIssuer({ alg: 'ES256' });
  const signed: string = await idp.sign({ scope: 'a' }, { expiresIn: 60, audience: ['x'], kid: null });
  apigwEvent('http-v2', { token: signed, headers: { a: ['1', '2'] } });
  // @ts-expect-error: durations are seconds
  idp.sign({}, { expiresIn: '5m' });
  // @ts-expect-error: not a shape
  apigwEvent('rest', {});
}
import { withPolicy, jwtgatePolicy, readAuthorizerContext, type ContextOf, type PolicyEvent } from 'jwtgate/backend';
const typedPolicy = { rules: [], context: { userId: 'sub', groups: { claim: 'cognito:groups', type: 'string[]' }, level: { claim: 'l', type: 'number' } } } as const;
export const backend = withPolicy(typedPolicy, async (event: PolicyEvent<{ path: string }>) => ({ statusCode: 200, body: event.jwtgate.principalId + event.path }), { log: false });
export const middleware: { before: Function } = jwtgatePolicy(typedPolicy, { logClaims: true });
const read = readAuthorizerContext<ContextOf<typeof typedPolicy>>({}, typedPolicy);
const groups: string[] | undefined = read.groups;
const level: number | undefined = read.level;
const userId: string | number | boolean | undefined = read.userId;
console.log(groups, level, userId);
// @ts-expect-error: not an option
withPolicy(typedPolicy, async () => 1, { logs: false });
`);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], lib: ['es2022', 'dom'] },
    files: ['user.ts'],
  }));
  run(join(root, 'node_modules/.bin/tsc'), ['-p', project]);
});

test('browser entry: a failed wasm load is not remembered; the next init() loads it', () => {
  const script = `
    import { readFileSync } from 'node:fs';
    import { init, isReady, KeySet } from './node_modules/jwtgate/src/runtime/browser.mjs';
    const outcome = await init(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])).then(() => 'loaded', (e) => e.name);
    await init(readFileSync('./node_modules/jwtgate/dist/web/jwtgate_bg.wasm'));
    console.log(JSON.stringify({ outcome, ready: isReady(), keys: KeySet.fromSecret('s'.repeat(32), { alg: 'HS256' }).keys.length }));`;
  const answer = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script]));
  assert.deepEqual(answer, { outcome: 'CompileError', ready: true, keys: 1 });
});
