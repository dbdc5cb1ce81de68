// The `jwtgate` command as users run it: `node pkg/bin/jwtgate.mjs …` in a subprocess, on real
// files in a temporary directory, keys from a local identity provider over HTTP. Each command,
// its exit codes (0, 1 invalid token or failed case, 2 bad usage or input), `--json`, `--help`,
// the messages for bad input (file, line and column, JSON path; never a stack trace), TAP and
// JUnit; colour only on a terminal and without NO_COLOR.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { createLambdaAuthorizer } from '../../pkg/src/adapters/lambda.mjs';
import { createTestIssuer, apigwEvent, eventShapes } from '../../pkg/src/testing/index.mjs';
import { main } from '../../pkg/src/cli/main.mjs';
import { runJwtgate } from './helpers/cli.mjs';

let dir, server, idp, tokens;

/** Runs the command in this test's directory. */
const jwtgate = (args, options) => runJwtgate(dir, args, options);

const json = async (args, options) => {
  const result = await jwtgate([...args, '--json'], options);
  return { ...result, value: JSON.parse(result.stdout) };
};

const file = (name, content) => {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return name;
};

const SECRET = 'a-string-secret-at-least-256-bits-long';

const POLICY = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
    { id: 'no-delete', effect: 'deny', routes: ['DELETE /pets/{petId}'] },
    { id: 'admin', effect: 'allow', routes: ['* /admin/**'], when: [{ claim: 'groups', containsAny: ['admin'] }] },
    { id: 'chat', effect: 'allow', routes: ['$connect'] },
  ],
  context: { user: 'sub' },
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jwtgate-cli-'));
  // A local identity provider: the test issuer's documents over real HTTP (plain http is allowed to 127.0.0.1).
  server = createServer(async (req, res) => {
    const answer = await idp.fetch(`${idp.issuer}${req.url}`);
    res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(await answer.text());
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  idp = await createTestIssuer({ alg: 'ES256', issuer: `http://127.0.0.1:${server.address().port}` });
  file('jwks.json', idp.jwks);
  file('policy.json', POLICY);
  const now = Math.floor(Date.now() / 1000);
  tokens = {
    alice: await idp.sign({ scope: 'pets:read', jti: 'j1' }, { audience: 'api', subject: 'alice' }),
    expired: await idp.sign({ scope: 'pets:read' }, { subject: 'alice', expiresIn: -100 }),
    noJti: await idp.sign({}, { audience: 'api' }),
    none: await idp.sign({}, { alg: 'none' }),
    hs256: await new jose.SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 600).sign(new TextEncoder().encode(SECRET)),
  };
});

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('help and usage', () => {
  test('--help on every command, and the top-level listing', async () => {
    for (const command of [['decode'], ['verify'], ['event'], ['policy', 'explain'], ['policy', 'test']]) {
      const { code, stdout } = await jwtgate([...command, '--help']);
      assert.equal(code, 0, command.join(' '));
      assert.match(stdout, new RegExp(`^Usage: jwtgate ${command.join(' ')} `), command.join(' '));
      assert.match(stdout, /Exit codes: 0/, command.join(' '));
    }
    const top = await jwtgate(['--help']);
    assert.equal(top.code, 0);
    for (const name of ['decode', 'verify', 'event', 'policy']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.match((await jwtgate(['policy'])).stdout, /jwtgate policy explain .*\n.*jwtgate policy test/);
  });

  test('bad usage: a message on stderr and exit code 2, as JSON too with --json', async () => {
    const cases = [
      [[], /^jwtgate: JWT validation/],
      [['frobnicate'], /unknown command "frobnicate"; one of decode, verify, event, policy/],
      [['policy', 'lint'], /unknown command "policy lint"/],
      [['decode', '--verbose', 'x'], /unknown flag --verbose \(--help for usage\)/],
      [['decode'], /give a token/],
      [['verify', 'eyJhbGciOiJIUzI1NiJ9.e30.x'], /give one key source: --jwks FILE, --jwks-uri URL, --issuer URL or --secret-env NAME/],
      [['decode', 'x.y.z', '--at', 'yesterday'], /--at "yesterday": not a date/],
      [['event', 'http-v2', '--method'], /--method needs a value/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await jwtgate(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message, args.join(' '));
      assert.equal(stdout, '', args.join(' '));
    }
    const { code, value } = await json(['decode', '--verbose']);
    assert.equal(code, 2);
    assert.deepEqual(value, { error: { code: 'ERR_CLI_USAGE', message: 'unknown flag --verbose' } });
  });
});

describe('jwtgate decode', () => {
  test('the header, the claims with their times in UTC and relative, the warnings', async () => {
    const { code, stdout } = await jwtgate(['decode', tokens.alice]);
    assert.equal(code, 0);
    assert.match(stdout, /^header\n {2}alg: "ES256"\n {2}kid: "test-key-1"\n {2}typ: "JWT"\nclaims\n/);
    assert.match(stdout, /^ {2}exp: \d+ {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 60 min\)$/m);
    assert.match(stdout, /^ {2}sub: "alice"$/m);
    assert.match(stdout, /^signature: 64 bytes$/m);
    assert.match(stdout, /^warnings\n {2}none$/m);
    assert.doesNotMatch(stdout, /\x1b\[/, 'no colour into a pipe');
    const none = await jwtgate(['decode', tokens.none]);
    assert.match(none.stdout, /^ {2}high ALG_NONE: /m);
  });

  test('--json, --at and a token from standard input', async () => {
    const { code, value } = await json(['decode', '-', '--at', '2000-01-01T00:00:00Z'], { input: `${tokens.alice}\n` });
    assert.equal(code, 0);
    assert.equal(value.header.alg, 'ES256');
    assert.equal(value.payload.sub, 'alice');
    assert.equal(value.signatureBytes, 64);
    assert.deepEqual(Object.keys(value.times).sort(), ['exp', 'iat']);
    assert.equal(value.times.exp.epoch, value.payload.exp);
    assert.equal(value.times.exp.utc, new Date(value.payload.exp * 1000).toISOString().replace('.000Z', 'Z'));
    assert.match(value.times.iat.relative, /^in \d+ days$/);
    assert.ok(value.warnings.some((w) => w.code === 'NOT_YET_VALID' || w.code === 'IAT_IN_FUTURE'), JSON.stringify(value.warnings));
  });

  test('a token that cannot be decoded: exit 1 and the place at fault', async () => {
    const human = await jwtgate(['decode', 'abc.def']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /^invalid: ERR_JWS_INVALID\n {2}a compact JWS has 3 segments/);
    const [h, , s] = tokens.alice.split('.');
    const { code, value } = await json(['decode', `${h}.e30*.${s}`]);
    assert.equal(code, 1);
    assert.equal(value.valid, false);
    assert.equal(value.error.code, 'ERR_JWT_INVALID');
    assert.equal(value.error.segment, 2);
    assert.equal(value.error.offset, 3);
  });
});

describe('jwtgate verify', () => {
  test('keys from a JWKS file: valid (0), expired, wrong audience or algorithm (1)', async () => {
    const valid = await jwtgate(['verify', tokens.alice, '--jwks', 'jwks.json', '--audience', 'other,api']);
    assert.equal(valid.code, 0, valid.stdout + valid.stderr);
    assert.match(valid.stdout, /^valid: ES256, key "test-key-1"\n/);
    assert.match(valid.stdout, /^ {2}exp: \d+ {2}.*Z \(in 60 min\)$/m);
    const expired = await jwtgate(['verify', tokens.expired, '--jwks', 'jwks.json']);
    assert.equal(expired.code, 1);
    assert.match(expired.stdout, /^invalid: ERR_JWT_EXPIRED \(exp: check_failed\)\n/);
    const audience = await json(['verify', tokens.alice, '--jwks', 'jwks.json', '--audience', 'other']);
    assert.equal(audience.code, 1);
    assert.deepEqual(audience.value, { valid: false, error: { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', message: audience.value.error.message, claim: 'aud', reason: 'check_failed' } });
    const algorithm = await json(['verify', tokens.alice, '--jwks', 'jwks.json', '--algorithms', 'RS256', '--algorithms', 'PS256']);
    assert.equal(algorithm.value.error.code, 'ERR_JOSE_ALG_NOT_ALLOWED');
  });

  test('--json for a valid token', async () => {
    const { code, value } = await json(['verify', tokens.alice, '--jwks', 'jwks.json']);
    assert.equal(code, 0);
    assert.equal(value.valid, true);
    assert.equal(value.alg, 'ES256');
    assert.deepEqual(value.header, { alg: 'ES256', typ: 'JWT', kid: 'test-key-1' });
    assert.equal(value.payload.sub, 'alice');
  });

  test('keys by OIDC discovery (--issuer) and from a JWKS URL', async () => {
    const discovered = await json(['verify', tokens.alice, '--issuer', idp.issuer]);
    assert.equal(discovered.code, 0, JSON.stringify(discovered.value));
    const fromUri = await json(['verify', tokens.alice, '--jwks-uri', idp.jwksUri, '--issuer', 'https://another.example']);
    assert.equal(fromUri.code, 1, '--issuer beside another source is the iss check');
    assert.equal(fromUri.value.error.claim, 'iss');
    const unreachable = await jwtgate(['verify', tokens.alice, '--jwks-uri', `${idp.issuer}/missing.json`]);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /^jwtgate: --jwks-uri http:\/\/127\.0\.0\.1:\d+\/missing\.json: ERR_JWKS_FETCH_FAILED: /);
  });

  test('an HMAC secret from the environment', async () => {
    assert.equal((await jwtgate(['verify', tokens.hs256, '--secret-env', 'JWT_SECRET'], { env: { JWT_SECRET: SECRET } })).code, 0);
    const wrong = await json(['verify', tokens.hs256, '--secret-env', 'JWT_SECRET'], { env: { JWT_SECRET: `${SECRET}!` } });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.value.error.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    const unset = await jwtgate(['verify', tokens.hs256, '--secret-env', 'JWT_SECRET']);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /--secret-env JWT_SECRET: the environment variable is not set/);
  });

  test('any other verifier option as --kebab-case VALUE, refused by name when unknown or malformed', async () => {
    const tolerant = await jwtgate(['verify', tokens.expired, '--jwks', 'jwks.json', '--clock-tolerance', '300']);
    assert.equal(tolerant.code, 0, tolerant.stdout);
    const jti = await json(['verify', tokens.noJti, '--jwks', 'jwks.json', '--required-claims', '["jti"]']);
    assert.equal(jti.code, 1);
    assert.equal(jti.value.error.claim, 'jti');
    const misspelled = await jwtgate(['verify', tokens.alice, '--jwks', 'jwks.json', '--clock-tolerence', '30']);
    assert.equal(misspelled.code, 2);
    assert.match(misspelled.stderr, /^jwtgate: --clock-tolerence: unknown option/);
    const malformed = await jwtgate(['verify', tokens.alice, '--jwks', 'jwks.json', '--max-token-age', 'soon']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /^jwtgate: --max-token-age: "soon" is not a duration/);
  });

  test('bad key input is exit 2 with the file named', async () => {
    file('broken.json', '{ "keys": [ { "kty": "EC", } ] }');
    const broken = await jwtgate(['verify', tokens.alice, '--jwks', 'broken.json']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^jwtgate: --jwks broken\.json: ERR_JWKS_INVALID: /);
    const missing = await jwtgate(['verify', tokens.alice, '--jwks', 'nowhere.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^jwtgate: nowhere\.json: cannot read the JWKS: no such file\n$/);
    const two = await jwtgate(['verify', tokens.alice, '--jwks', 'jwks.json', '--secret-env', 'X']);
    assert.match(two.stderr, /not --jwks and --secret-env/);
  });
});

describe('jwtgate event', () => {
  const at = '2024-06-17T15:02:03Z';
  for (const shape of eventShapes) {
    test(`${shape}: the event apigwEvent builds, which the authorizer decides on its route`, async () => {
      const args = ['event', shape, '--method', 'POST', '--path', '/pets/7', '--token', tokens.alice, '--header', 'X-Trace: a', '--header', 'x-trace:b', '--query', 'q=1', '--cookie', 'theme=dark', '--at', at];
      const { code, stdout } = await jwtgate(args);
      assert.equal(code, 0);
      const event = JSON.parse(stdout);
      const expected = apigwEvent(shape, {
        method: 'POST', path: '/pets/7', token: tokens.alice, headers: { 'X-Trace': 'a', 'x-trace': 'b' }, query: { q: '1' }, cookies: ['theme=dark'], currentDate: new Date(at),
      });
      assert.deepEqual(event, expected);
      const logs = [];
      const handler = createLambdaAuthorizer({ jwks: idp.jwks, log: (line) => logs.push(line) });
      await handler(event);
      assert.equal(logs[0].route, shape === 'websocket' ? '$connect' : 'POST /pets/7');
      assert.equal(logs[0].decision, 'allow');
      const { value } = await json(args);
      assert.deepEqual(value, expected, '--json prints the same');
    });
  }

  test('a header given twice is a repeated header; bad pairs and shapes are exit 2', async () => {
    const event = JSON.parse((await jwtgate(['event', 'rest-request', '--header', 'Accept-Language: en', '--header', 'Accept-Language: fr'])).stdout);
    assert.deepEqual(event.multiValueHeaders['Accept-Language'], ['en', 'fr']);
    assert.equal(event.headers['Accept-Language'], 'fr');
    const bad = await jwtgate(['event', 'http-v2', '--header', 'no-colon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--header "no-colon": expected NAME:VALUE/);
    const shape = await jwtgate(['event', 'rest']);
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /unknown shape "rest": one of rest-token, rest-request, http-v1, http-v2, websocket/);
  });
});

describe('jwtgate policy explain', () => {
  test('an allowed request: the deciding rule, the trace and the IAM answer API Gateway caches', async () => {
    file('alice.json', { sub: 'alice', scope: 'pets:read' });
    const { code, stdout } = await jwtgate(['policy', 'explain', 'policy.json', '--claims', 'alice.json', 'GET', '/pets/7']);
    assert.equal(code, 0);
    assert.match(stdout, /^ALLOW GET \/pets\/7 by rule "read"\n/);
    assert.match(stdout, /^ {2}applies {2}read \(allow\)$/m);
    assert.match(stdout, /^ {2}skipped {2}admin \(allow\): route wants \* \/admin\/\*\*, has "GET \/pets\/7"$/m);
    assert.match(stdout, /^IAM answer .*\n {2}principalId: "alice"\n/m);
    assert.match(stdout, /^ {2}Allow arn:aws:execute-api:[^ ]+\/prod\/GET\/pets$/m);
    assert.match(stdout, /^ {4}user: "alice"$/m);
  });

  test('--json: the decision with its trace, and the IAM answer', async () => {
    file('admin.json', { sub: 'root', groups: ['admin'] });
    const { code, value } = await json(['policy', 'explain', 'policy.json', '--claims', 'admin.json', 'DELETE', '/pets/7']);
    assert.equal(code, 0);
    assert.equal(value.verdict, 'deny');
    assert.equal(value.route, 'DELETE /pets/7');
    assert.equal(value.decision.rule, 'no-delete');
    assert.deepEqual(value.decision.trace.map((t) => [t.rule, t.applied]), [['read', false], ['no-delete', true], ['admin', false], ['chat', false]]);
    assert.equal(value.decision.trace[0].failed.check, 'route');
    assert.equal(value.principalId, 'root');
    const statements = value.response.policyDocument.Statement;
    assert.ok(statements.some((s) => s.Effect === 'Allow' && [].concat(s.Resource).some((r) => r.endsWith('/POST/admin/?*'))), JSON.stringify(statements));
    assert.ok(!statements.some((s) => s.Effect === 'Allow' && [].concat(s.Resource).some((r) => r.includes('/DELETE/pets'))));
  });

  test('a token\'s claims (not verified), a route key, and the time the claims are valid at', async () => {
    const connect = await json(['policy', 'explain', 'policy.json', '--token', tokens.alice, '$connect']);
    assert.equal(connect.value.verdict, 'allow');
    assert.equal(connect.value.route, '$connect');
    const expired = await jwtgate(['policy', 'explain', 'policy.json', '--token', tokens.expired, 'GET', '/pets']);
    assert.equal(expired.code, 1);
    assert.match(expired.stdout, /^unauthorized GET \/pets: ERR_JWT_EXPIRED: .*\n.*--at DATE/);
    const earlier = new Date(Date.now() - 3600_000).toISOString();
    assert.equal((await json(['policy', 'explain', 'policy.json', '--token', tokens.expired, 'GET', '/pets', '--at', earlier])).value.verdict, 'allow');
  });

  test('bad input: the policy fault by JSON path, a claims file by line and column', async () => {
    file('bad-policy.json', { rules: [{ id: 'r', effect: 'allow', routes: ['GET /x'], when: [{ claim: 'a', regex: '(' }] }] });
    file('alice.json', { sub: 'alice' });
    const policy = await jwtgate(['policy', 'explain', 'bad-policy.json', '--claims', 'alice.json', 'GET', '/x']);
    assert.equal(policy.code, 2);
    assert.match(policy.stderr, /^jwtgate: bad-policy\.json: \$\.rules\[0\]\.when\[0\]\.regex: bad regex/);
    file('bad-claims.json', '{\n  "sub": "alice",\n  "scope": pets\n}');
    const claims = await jwtgate(['policy', 'explain', 'policy.json', '--claims', 'bad-claims.json', 'GET', '/x']);
    assert.equal(claims.code, 2);
    assert.equal(claims.stderr, 'jwtgate: bad-claims.json:3:12: not JSON: unexpected "p"\n');
    file('trailing.json', '{\n  "rules": [],\n}');
    assert.equal((await jwtgate(['policy', 'test', 'trailing.json', 'list.json'])).stderr, 'jwtgate: trailing.json:3:1: not JSON: expected a member name in double quotes, found "}"\n');
    file('unterminated.json', '[{"name": "x}]');
    assert.match((await jwtgate(['policy', 'test', 'policy.json', 'unterminated.json'])).stderr, /^jwtgate: unterminated\.json:1:15: not JSON: unterminated string\n$/);
    file('list.json', '[]');
    assert.match((await jwtgate(['policy', 'explain', 'policy.json', '--claims', 'list.json', 'GET', '/x'])).stderr, /list\.json: \$: the claims must be a JSON object/);
    assert.match((await jwtgate(['policy', 'explain', 'policy.json', 'GET', '/x'])).stderr, /give --claims FILE or --token T/);
    assert.match((await jwtgate(['policy', 'explain', 'policy.json', '--token', 'x', 'GET', '/x'])).stderr, /--token: ERR_JWS_INVALID/);
  });
});

describe('jwtgate policy test', () => {
  const cases = () => [
    { name: 'readers list pets', claims: { sub: 'alice', scope: 'pets:read' }, method: 'GET', path: '/pets', expect: 'allow' },
    { name: 'nobody deletes # not even admins', claims: { sub: 'root', groups: ['admin'] }, method: 'DELETE', path: '/pets/7', expect: 'deny' },
    { name: 'tokens work too', token: tokens.alice, method: 'GET', path: '/pets/7', expect: 'allow' },
    { name: 'chat', claims: { sub: 'bob' }, method: '$connect', expect: 'allow' },
  ];

  test('every case passes: TAP, exit 0', async () => {
    file('cases.json', cases());
    const { code, stdout } = await jwtgate(['policy', 'test', 'policy.json', 'cases.json']);
    assert.equal(code, 0, stdout);
    assert.equal(stdout, 'TAP version 13\n1..4\nok 1 - readers list pets\nok 2 - nobody deletes \\# not even admins\nok 3 - tokens work too\nok 4 - chat\n# 4 passed, 0 failed\n');
  });

  const failing = () => [
    ...cases().slice(0, 1),
    { name: 'readers delete <pets> & "more"', claims: { sub: 'alice', scope: 'pets:read' }, method: 'DELETE', path: '/pets/7', expect: 'allow' },
    { name: 'expired', token: tokens.expired, method: 'GET', path: '/pets', expect: 'allow' },
  ];

  test('a failed case: TAP with what was expected and why, exit 1', async () => {
    file('failing.json', failing());
    const { code, stdout } = await jwtgate(['policy', 'test', 'policy.json', 'failing.json']);
    assert.equal(code, 1);
    assert.match(stdout, /^TAP version 13\n1\.\.3\nok 1 - readers list pets\nnot ok 2 - readers delete <pets> & "more"\n {2}---\n {2}route: "DELETE \/pets\/7"\n {2}expected: "allow"\n {2}actual: "deny"\n {2}rule: "no-delete"\n {2}reason: .*\n {2}\.\.\.\nnot ok 3 - expired\n/);
    assert.match(stdout, / {2}actual: "unauthorized"\n {2}rule: null\n {2}reason: "ERR_JWT_EXPIRED: /);
    assert.match(stdout, /# 1 passed, 2 failed\n$/);
  });

  test('--junit: JUnit XML with a failure per failed case, escaped', async () => {
    file('failing.json', failing());
    const { code, stdout } = await jwtgate(['policy', 'test', 'policy.json', 'failing.json', '--junit']);
    assert.equal(code, 1);
    assert.match(stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites tests="3" failures="2">\n {2}<testsuite name="policy\.json" tests="3" failures="2">\n/);
    assert.equal(stdout.match(/<testcase /g).length, 3);
    assert.equal(stdout.match(/<failure /g).length, 2);
    assert.match(stdout, /<testcase name="readers delete &#60;pets&#62; &#38; &#34;more&#34;" classname="policy\.json">\n {6}<failure message="expected allow, got deny" type="deny">DELETE \/pets\/7: /);
    assert.match(stdout, /<testcase name="readers list pets" classname="policy\.json"\/>/);
    assert.match(stdout, /<\/testsuite>\n<\/testsuites>\n$/);
  });

  test('--json', async () => {
    file('failing.json', failing());
    const { code, value } = await json(['policy', 'test', 'policy.json', 'failing.json']);
    assert.equal(code, 1);
    assert.equal(value.passed, 1);
    assert.equal(value.failed, 2);
    assert.deepEqual(value.cases.map((c) => [c.ok, c.actual, c.rule]), [[true, 'allow', 'read'], [false, 'deny', 'no-delete'], [false, 'unauthorized', null]]);
  });

  test('bad cases: the JSON path of the fault, exit 2', async () => {
    const bad = [
      [{ name: 'x', claims: {}, method: 'GET', path: '/', expect: 'permit' }, /^jwtgate: bad\.json: \$\[1\]\.expect: must be "allow" or "deny"$/],
      [{ name: 'x', claims: {}, token: 'a.b.c', method: 'GET', path: '/', expect: 'allow' }, /\$\[1\]: give claims \(an object\) or token \(a string\)/],
      [{ name: 'x', claims: {}, method: 'GET', expect: 'allow' }, /\$\[1\]\.path: must be a path/],
      [{ name: 'x', claims: {}, method: 'GET', path: '/', expect: 'allow', expected: 'deny' }, /\$\[1\]\.expected: unknown member/],
      [{ name: 'x', token: 'garbage', method: 'GET', path: '/', expect: 'allow' }, /\$\[1\]\.token: ERR_JWS_INVALID/],
      ['just a string', /\$\[1\]: a case must be an object/],
    ];
    for (const [second, message] of bad) {
      file('bad.json', [cases()[0], second]);
      const { code, stdout, stderr } = await jwtgate(['policy', 'test', 'policy.json', 'bad.json']);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '', 'no case ran');
      assert.match(stderr.trim(), message);
    }
    file('bad.json', '{"name": "x"}');
    assert.match((await jwtgate(['policy', 'test', 'policy.json', 'bad.json'])).stderr, /bad\.json: \$: the cases must be an array/);
    assert.match((await jwtgate(['policy', 'test', 'policy.json'])).stderr, /give the policy file and the cases file/);
    assert.match((await jwtgate(['policy', 'test', 'policy.json', 'bad.json', '--junit', '--json'])).stderr, /--junit or --json, not both/);
  });
});

describe('colour', () => {
  /** Runs main() with a standard output that says whether it is a terminal. */
  async function run(args, { isTTY, env = {} }) {
    let stdout = '';
    const io = { stdout: { isTTY, write: (text) => { stdout += text; } }, stderr: { write() {} }, stdin: [], env };
    const code = await main(args, io);
    return { code, stdout };
  }

  test('on a terminal, unless NO_COLOR is set (and not empty)', async () => {
    const args = ['verify', tokens.expired, '--jwks', join(dir, 'jwks.json')];
    assert.match((await run(args, { isTTY: true })).stdout, /^\x1b\[31minvalid\x1b\[39m: ERR_JWT_EXPIRED/);
    assert.doesNotMatch((await run(args, { isTTY: true, env: { NO_COLOR: '1' } })).stdout, /\x1b\[/);
    assert.match((await run(args, { isTTY: true, env: { NO_COLOR: '' } })).stdout, /\x1b\[/);
    assert.doesNotMatch((await run(args, { isTTY: false })).stdout, /\x1b\[/);
    assert.doesNotMatch((await run([...args, '--json'], { isTTY: true })).stdout, /\x1b\[/, 'JSON is never coloured');
  });
});
