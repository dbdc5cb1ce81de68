// `jwtgate policy check` as users run it: `node pkg/bin/jwtgate.mjs …` in a subprocess, on real
// files in a temporary directory: an OpenAPI document, a SAM template written with
// CloudFormation's short-form tags, a CDK-style JSON template (both templates valid by
// cfn-lint). Each lint, the coverage table, the cache report, the template findings, exit codes
// (0 clean or warnings only, 1 an error or an invalid policy, 2 bad input), --json and --help.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cfnLintCommand } from './helpers/cfn-lint.mjs';
import { main } from '../../pkg/src/cli/main.mjs';
import { runJwtgate } from './helpers/cli.mjs';

let dir;

/** Runs the command in this test's directory. */
const jwtgate = (args, options) => runJwtgate(dir, args, options);

const json = async (args) => {
  const result = await jwtgate([...args, '--json']);
  return { ...result, value: JSON.parse(result.stdout) };
};

const file = (name, content) => {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return name;
};

// Clean: every rule can apply, and every route of the API below is reached.
const CLEAN = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
    { id: 'write', effect: 'allow', routes: ['POST /pets'], when: [{ claim: 'groups', containsAny: ['admin'] }] },
    { id: 'no-delete', effect: 'deny', routes: ['DELETE /pets/{petId}'], when: [{ claim: 'groups', containsAny: ['intern'] }] },
    { id: 'delete', effect: 'allow', routes: ['DELETE /pets/{petId}'], scopes: { allOf: ['pets:delete'] } },
    { id: 'files', effect: 'allow', routes: ['GET /files/**'] },
  ],
};

// Each lint once.
const LINTED = {
  rules: [
    { id: 'read', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
    { id: 'no-delete', effect: 'deny', routes: ['DELETE /pets/{petId}'] },
    { id: 'delete', effect: 'allow', routes: ['DELETE /pets/{petId}'] },
    { id: 'gold', effect: 'allow', routes: ['POST /pets'], when: [{ claim: 'tier', equals: 'gold' }, { claim: 'tier', in: ['silver', 'bronze'] }] },
    { id: 'legacy', effect: 'allow', routes: ['GET /legacy', 'GET /files/{key+}'] },
    { id: 'ws', effect: 'allow', routes: ['$disconnect'] },
  ],
};

const OPENAPI = `openapi: 3.0.3
info:
  title: pets
  version: "1"
paths:
  /pets:
    get:
      responses: { "200": { description: the pets } }
    post:
      responses: { "201": { description: created } }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: string } }
    get:
      responses: { "200": { description: a pet } }
    delete:
      responses: { "204": { description: deleted } }
  /files/{proxy+}:
    get:
      responses: { "200": { description: a file } }
  /orders:
    x-amazon-apigateway-any-method:
      responses: { "200": { description: orders } }
`;

// A SAM template in YAML with short-form tags: an HTTP API with a Lambda authorizer answering
// simple responses with caching on (route-dependent policy: an error), and API Gateway's own
// JWT authorizer; a REST API with a TOKEN authorizer.
const SAM = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Issuer:
    Type: String
    Default: https://idp.example
Resources:
  AuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs24.x
      Handler: index.handler
      InlineCode: "export const handler = async () => ({ isAuthorized: false });"
      Environment:
        Variables:
          ISSUER: !Ref Issuer
  PetsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs24.x
      Handler: index.handler
      InlineCode: "export const handler = async () => ({ statusCode: 200 });"
      Events:
        List:
          Type: HttpApi
          Properties: { ApiId: !Ref HttpApi, Path: /pets, Method: get }
        Show:
          Type: HttpApi
          Properties: { ApiId: !Ref HttpApi, Path: "/pets/{petId}", Method: GET }
        Remove:
          Type: HttpApi
          Properties: { ApiId: !Ref HttpApi, Path: "/pets/{petId}", Method: delete }
        Orders:
          Type: Api
          Properties: { RestApiId: !Ref RestApi, Path: /orders, Method: any }
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: JwtGate
        Authorizers:
          JwtGate:
            FunctionArn: !GetAtt AuthorizerFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
              ReauthorizeEvery: 300
          Cognito:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub "\${Issuer}/pool"
              audience: [pets]
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Token
        Authorizers:
          Token:
            FunctionArn: !GetAtt [AuthorizerFunction, Arn]
            Identity:
              ReauthorizeEvery: !If [IsProd, 300, 0]
Conditions:
  IsProd: !Equals [!Ref "AWS::StackName", prod]
`;

// What `cdk synth` writes for a REST API with a REQUEST authorizer caching per route, and a
// WebSocket API: plain CloudFormation JSON.
const CDK = {
  Resources: {
    AuthFn: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs24.x', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/auth', Code: { ZipFile: 'exports.handler = async () => ({})' } } },
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'pets' } },
    Pets: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'pets' } },
    Pet: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { Ref: 'Pets' }, PathPart: '{petId}' } },
    GetPet: { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Pet' }, HttpMethod: 'GET', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Auth' }, Integration: { Type: 'MOCK' } } },
    ListPets: { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Pets' }, HttpMethod: 'GET', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Auth' }, Integration: { Type: 'MOCK' } } },
    Auth: {
      Type: 'AWS::ApiGateway::Authorizer',
      Properties: {
        RestApiId: { Ref: 'Api' }, Name: 'jwtgate', Type: 'REQUEST',
        AuthorizerUri: { 'Fn::Join': ['', ['arn:aws:apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['AuthFn', 'Arn'] }, '/invocations']] },
        IdentitySource: 'method.request.header.Authorization, context.httpMethod, context.resourcePath',
        AuthorizerResultTtlInSeconds: 300,
      },
    },
    Ws: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'chat', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' } },
    Connect: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Ws' }, RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'WsAuth' } } },
    WsAuth: {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: { Ref: 'Ws' }, Name: 'ws', AuthorizerType: 'REQUEST', IdentitySource: ['route.request.header.Authorization'],
        AuthorizerUri: { 'Fn::Join': ['', ['arn:aws:apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['AuthFn', 'Arn'] }, '/invocations']] },
      },
    },
  },
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jwtgate-check-'));
  file('clean.json', CLEAN);
  file('linted.json', LINTED);
  file('openapi.yaml', OPENAPI);
  file('template.yaml', SAM);
  file('Pets.template.json', CDK);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('jwtgate policy check', () => {
  test('a clean policy against its OpenAPI document: the coverage table, exit 0', async () => {
    const { code, stdout, stderr } = await jwtgate(['policy', 'check', 'clean.json', '--api', 'openapi.yaml']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^clean\.json: valid, 5 rules, against openapi\.yaml \(openapi: 6 routes, 0 template authorizers\)/);
    assert.match(stdout, /coverage\n {2}GET \/pets {2,}allow read \[scopes anyOf pets:read\]/);
    assert.match(stdout, /DELETE \/pets\/\{petId\} +deny no-delete \[groups containsAny \["intern"\]\], allow delete \[scopes allOf pets:delete\]/);
    assert.match(stdout, /GET \/files\/\{proxy\+\} +allow files\n/);
    assert.match(stdout, /\* \/orders +no rule: denied to everyone/);
    assert.match(stdout, /API_ROUTE_UNCOVERED {2}openapi\.yaml: paths\.\/orders\.x-amazon-apigateway-any-method/);
    assert.match(stdout, /cache report\n {2}exact: every class gets an exact cached answer/);
    assert.match(stdout, /0 errors, 1 warning$/m);
    assert.doesNotMatch(stdout, /\x1b\[/, 'no colour off a terminal');
  });

  test('each lint, with the rule and its JSON path; exit 1 on an error', async () => {
    const { code, value } = await json(['policy', 'check', 'linted.json', '--api', 'openapi.yaml']);
    assert.equal(code, 1);
    assert.equal(value.valid, true);
    const found = value.check.findings.map((f) => [f.code, f.level, f.at ?? f.source]);
    assert.deepEqual(found, [
      ['ALLOW_SHADOWED', 'error', '$.rules[2]'],
      ['CONDITIONS_CONTRADICT', 'error', '$.rules[3].when[0]'],
      ['ROUTE_NEVER_AUTHORIZED', 'warning', '$.rules[5].routes[0]'],
      ['ROUTE_NOT_IN_API', 'warning', '$.rules[4].routes[0]'],
      ['ROUTE_NOT_IN_API', 'warning', '$.rules[5].routes[0]'],
      ['API_ROUTE_UNCOVERED', 'warning', 'paths./pets.post'],
      ['API_ROUTE_UNCOVERED', 'warning', 'paths./pets/{petId}.delete'],
      ['API_ROUTE_UNCOVERED', 'warning', 'paths./orders.x-amazon-apigateway-any-method'],
    ]);
    assert.deepEqual([value.check.errors, value.check.warnings], [2, 6]);
    assert.match(value.check.findings[0].message, /denied by rule "no-delete"/);
    assert.match(value.check.findings[1].message, /no value of tier meets when\[0\] \(tier equals "gold"\) and when\[1\]/);
    const deleteRow = value.check.coverage.find((c) => c.route === 'DELETE /pets/{petId}');
    assert.deepEqual(deleteRow.rules.map((r) => [r.rule, r.effect, r.whole]), [['no-delete', 'deny', true], ['delete', 'allow', true]]);
    // A rule that never applies reaches routes, but allows none of them.
    assert.equal(value.check.coverage.find((c) => c.route === 'GET /files/{proxy+}').rules[0].rule, 'legacy');
  });

  test('an invalid policy: the fault by its JSON path, exit 1', async () => {
    file('invalid.json', { rules: [{ id: 'a', effect: 'allow', routes: ['GET /x'], when: [{ claim: 'g', startsWith: 'a' }] }] });
    const { code, stdout } = await jwtgate(['policy', 'check', 'invalid.json']);
    assert.equal(code, 1);
    assert.match(stdout, /^invalid\.json: invalid\nfindings\n {2}error {3}ERR_POLICY_INVALID {2}invalid\.json: \$\.rules\[0\]\.when\[0\]\.startsWith\n {10}unknown operator `startsWith`/);
    const { value } = await json(['policy', 'check', 'invalid.json']);
    assert.deepEqual(value.findings.map((f) => [f.code, f.at]), [['ERR_POLICY_INVALID', '$.rules[0].when[0].startsWith']]);
    assert.equal(value.valid, false);
  });

  test('a SAM template with short-form tags: its routes and authorizers', async () => {
    const { code, value } = await json(['policy', 'check', 'clean.json', '--api', 'template.yaml']);
    assert.equal(code, 1, 'simple responses cached for a route-dependent policy');
    assert.equal(value.apiKind, 'template');
    assert.deepEqual(value.check.coverage.map((c) => c.route), ['GET /pets', 'GET /pets/{petId}', 'DELETE /pets/{petId}', '* /orders']);
    const authorizers = value.check.authorizers.map((a) => [a.config.name, a.config.type, a.config.api, a.ttl, a.caching, a.perRoute]);
    assert.deepEqual(authorizers, [
      ['JwtGate', 'REQUEST', 'HTTP', 300, true, false],
      ['Cognito', 'JWT', 'HTTP', 300, true, false],
      ['Token', 'TOKEN', 'REST', 300, true, false],
    ]);
    assert.deepEqual(value.check.authorizers[0].config.identitySources, ['$request.header.Authorization']);
    assert.deepEqual(value.check.authorizers[2].config.identitySources, ['method.request.header.Authorization']);
    const found = value.check.findings.filter((f) => f.source?.startsWith('Resources.HttpApi') || f.source?.startsWith('Resources.RestApi')).map((f) => [f.code, f.level, f.source]);
    assert.deepEqual(found, [
      ['SIMPLE_RESPONSES_CACHED', 'error', 'Resources.HttpApi.Properties.Auth.Authorizers.JwtGate'],
      ['NOT_A_LAMBDA_AUTHORIZER', 'note', 'Resources.HttpApi.Properties.Auth.Authorizers.Cognito'],
    ]);
    const { stdout } = await jwtgate(['policy', 'check', 'clean.json', '--api', 'template.yaml']);
    assert.match(stdout, /authorizers\n {2}JwtGate \(REQUEST, HTTP, payload 2\.0, simple responses\); cached 300 s for every route; identity sources: \$request\.header\.Authorization/);
    assert.match(stdout, /error {3}SIMPLE_RESPONSES_CACHED {2}template\.yaml: Resources\.HttpApi\.Properties\.Auth\.Authorizers\.JwtGate\n {10}authorizer JwtGate: simple responses/);
  });

  test('a narrowed answer cached per token is a warning; DPoP with caching an error', async () => {
    // `GET /pets/{id}` beside `GET /pets/{id}/x/{y}`: IAM's `*` crosses `/`, so some answers are narrowed.
    file('narrowed.json', { rules: [{ id: 'deep', effect: 'allow', routes: ['GET /pets/{id}', 'GET /pets/{id}/x/{y}'], when: [{ claim: 'g', exists: true }] }] });
    file('token.yaml', SAM.replace('EnableSimpleResponses: true', 'EnableSimpleResponses: false'));
    const { code, value } = await json(['policy', 'check', 'narrowed.json', '--api', 'token.yaml']);
    assert.equal(code, 0, 'warnings only');
    assert.equal(value.check.cacheReport.exact, false);
    const narrowed = value.check.findings.filter((f) => f.code === 'NARROWED_ANSWER_CACHED').map((f) => f.source);
    assert.deepEqual(narrowed, ['Resources.HttpApi.Properties.Auth.Authorizers.JwtGate', 'Resources.RestApi.Properties.Auth.Authorizers.Token']);
    assert.match(value.check.findings.find((f) => f.source?.endsWith('Token')).message, /TOKEN authorizer's answer is cached per token/);
    const { stdout } = await jwtgate(['policy', 'check', 'narrowed.json']);
    assert.match(stdout, /cache report\n {2}narrowed: \d+ of \d+ principal classes checked get a narrowed cached answer/);
    assert.match(stdout, /remedy: Some principals get a narrowed cached answer/);

    const dpop = await json(['policy', 'check', 'clean.json', '--api', 'token.yaml', '--dpop']);
    assert.equal(dpop.code, 1);
    assert.deepEqual(dpop.value.check.findings.filter((f) => f.code === 'DPOP_CACHED').map((f) => f.source), ['Resources.HttpApi.Properties.Auth.Authorizers.JwtGate', 'Resources.RestApi.Properties.Auth.Authorizers.Token']);
  });

  test('SAM Globals: an authorizer declared there is checked for each API it applies to', async () => {
    file('globals.yaml', [
      'Transform: AWS::Serverless-2016-10-31',
      'Globals:',
      '  Api:',
      '    Auth:',
      '      Authorizers:',
      '        Shared:',
      '          FunctionArn: !GetAtt Fn.Arn',
      '          FunctionPayloadType: REQUEST',
      '          Identity: { Headers: [Authorization], ReauthorizeEvery: 300 }',
      'Resources:',
      '  Fn: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: x } }',
      '  Pets: { Type: AWS::Serverless::Api, Properties: { StageName: prod } }',
      '  Admin:',
      '    Type: AWS::Serverless::Api',
      '    Properties:',
      '      StageName: prod',
      '      Auth: { Authorizers: { Shared: { FunctionArn: !GetAtt Fn.Arn, FunctionPayloadType: REQUEST, Identity: { Headers: [Authorization], ReauthorizeEvery: 0 } } } }',
    ].join('\n'));
    const { value } = await json(['policy', 'check', 'clean.json', '--api', 'globals.yaml', '--dpop']);
    assert.deepEqual(value.check.authorizers.map((a) => [a.config.source, a.config.ttl]), [['Globals.Api.Auth.Authorizers.Shared', 300], ['Resources.Admin.Properties.Auth.Authorizers.Shared', 0]]);
    assert.deepEqual(value.check.findings.filter((f) => f.code === 'DPOP_CACHED').map((f) => f.source), ['Globals.Api.Auth.Authorizers.Shared']);
  });

  test('a CDK-style JSON template: REST methods by their resources, a per-route REQUEST authorizer, a WebSocket API', async () => {
    file('ws.json', { rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets/{petId}', 'GET /pets'] }, { id: 'chat', effect: 'allow', routes: ['$connect'] }] });
    const { code, value, stderr } = await json(['policy', 'check', 'ws.json', '--api', 'Pets.template.json']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(value.check.coverage.map((c) => [c.route, c.allowed]), [['GET /pets/{petId}', true], ['GET /pets', true], ['$connect', true]]);
    assert.deepEqual(value.check.authorizers.map((a) => [a.config.name, a.config.type, a.config.api, a.perRoute]), [['Auth', 'REQUEST', 'REST', true], ['WsAuth', 'REQUEST', 'WEBSOCKET', true]]);
    assert.deepEqual(value.check.findings, []);
  });

  test('an answer over the WebSocket limit is an error', async () => {
    const routes = Array.from({ length: 100 }, (_, i) => `GET /a-rather-long-path-segment/number-${i}/{id}`);
    file('large.json', { rules: [{ id: 'chat', effect: 'allow', routes: ['$connect'] }, { id: 'many', effect: 'allow', routes }] });
    const { code, value } = await json(['policy', 'check', 'large.json']);
    assert.equal(code, 1);
    assert.ok(value.check.cacheReport.largestAnswerBytes > value.check.maxWebsocketAnswerBytes);
    assert.deepEqual(value.check.findings.map((f) => f.code), ['ANSWER_TOO_LARGE']);
  });

  test('bad input: the file and the place, exit 2', async () => {
    file('broken.yaml', 'openapi: 3.0.0\npaths:\n  /x: [\n');
    file('neither.yaml', 'hello: world\n');
    file('broken.json', '{"Resources": {');
    for (const [args, message] of [
      [['clean.json', '--api', 'broken.yaml'], /^jwtgate: broken\.yaml:4:1: not YAML: /],
      [['clean.json', '--api', 'neither.yaml'], /^jwtgate: neither\.yaml: \$: neither an OpenAPI definition/],
      [['clean.json', '--api', 'broken.json'], /^jwtgate: broken\.json:1:16: not JSON: /],
      [['clean.json', '--api', 'missing.yaml'], /^jwtgate: missing\.yaml: cannot read the API definition: no such file/],
      [['missing.json'], /^jwtgate: missing\.json: cannot read the policy: no such file/],
      [[], /^jwtgate: give the policy file \(--help for usage\)/],
    ]) {
      const { code, stdout, stderr } = await jwtgate(['policy', 'check', ...args]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, message);
    }
    const { value } = await json(['policy', 'check', 'clean.json', '--api', 'neither.yaml']);
    assert.equal(value.error.code, 'ERR_CLI_INPUT');
  });

  test('--help describes every option', async () => {
    const { code, stdout } = await jwtgate(['policy', 'check', '--help']);
    assert.equal(code, 0);
    for (const option of ['--api FILE', '--dpop', '--json', 'Exit codes']) assert.ok(stdout.includes(option), option);
    assert.match((await jwtgate(['policy', '--help'])).stdout, /jwtgate policy check +validate a policy/);
  });

  test('colour and the progress line only on a terminal, and not with NO_COLOR', async () => {
    const run = async (isTTY, env = {}) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { isTTY, write: (t) => { stdout += t; } }, stderr: { isTTY, write: (t) => { stderr += t; } }, stdin: [], env };
      const code = await main(['policy', 'check', join(dir, 'linted.json')], io);
      return { code, stdout, stderr };
    };
    const tty = await run(true);
    assert.equal(tty.code, 1);
    assert.match(tty.stdout, /\x1b\[31merror/);
    assert.match(tty.stderr, /^checking .*linted\.json…\r\x1b\[2K$/);
    const plain = await run(false);
    assert.doesNotMatch(plain.stdout + plain.stderr, /\x1b\[/);
    assert.equal(plain.stderr, '');
    assert.doesNotMatch((await run(true, { NO_COLOR: '1' })).stdout, /\x1b\[/);
  });

  test('the sample templates are valid CloudFormation (cfn-lint)', (t) => {
    const found = cfnLintCommand();
    if (!found) return t.skip('cfn-lint is not installed: run scripts/setup-python.sh');
    const [command, prefix] = found;
    for (const name of ['template.yaml', 'Pets.template.json']) {
      const run = spawnSync(command, [...prefix, name], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `cfn-lint ${name}: ${run.stdout}${run.stderr}`);
    }
  });
});
