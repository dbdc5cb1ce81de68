// Cache safety of the Lambda authorizer's IAM answers, property-based (fast-check), with an IAM
// engine that is not ours (@cloud-copilot/iam-simulate). API Gateway caches the answer to a
// token's first request and checks every later request of that token against it; that cached
// answer must never allow what the authorizer, called afresh, denies (an over-grant). Random
// documents (methods with `*`, ANY and HEAD, parameters, greedy `{x+}` and `**`, `*` segments,
// deep routes under parameters, deny rules, scopes, `equalsParam` with hostile claim values),
// random principals and raw request paths (empty segments, `.`, `..`, `%2F`, `%2f`, `%2e`, `*`,
// `?`, `$`, `{`, trailing slashes, case variants), for every event shape answered with IAM
// policies: REST TOKEN and REQUEST, HTTP API payload 1.0 and 2.0 (without simple responses),
// WebSocket `$connect`.
//
// CACHE_PROPERTY_SEED=<n> runs another seed; CACHE_PROPERTY_DOCUMENTS and
// CACHE_PROPERTY_PATHS change the size (the assertion on the number of triples assumes the
// defaults or larger). The generator and runner are in helpers/cache-property.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PREFIX, iamSimulate, iamSimulateValidated, globAllows, cachedAllows, runCacheProperty, checkCase, HTTP_SHAPES,
  makeAuthorizer, signHs256, connectEvent,
} from './helpers/cache-property.mjs';

const SEED = Number(process.env.CACHE_PROPERTY_SEED ?? 20250101);
const DOCUMENTS = Number(process.env.CACHE_PROPERTY_DOCUMENTS ?? 400);
const PATHS = Number(process.env.CACHE_PROPERTY_PATHS ?? 32);
const MIN_TRIPLES = 100_000;

const policy = (allow, deny = []) => ({
  Version: '2012-10-17',
  Statement: [
    ...(allow.length ? [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow.map((r) => `${PREFIX}${r}`) }] : []),
    ...(deny.length ? [{ Action: ['execute-api:Invoke'], Effect: 'Deny', Resource: deny.map((r) => `${PREFIX}${r}`) }] : []),
  ],
});

// ---------------------------------------------------------------------------------------------
// 1. The IAM engine on hand-worked cases, before it judges anything

test('iam-simulate decides hand-worked cases as IAM does (and where it does not, the fallback does)', async () => {
  const allows = (doc, path) => iamSimulate(doc, `${PREFIX}${path}`) === 'Allowed';
  const cases = [
    // [allow, deny, request, expected, why]
    [['/GET/pets/*'], [], '/GET/pets/1', true, '* matches a segment'],
    [['/GET/pets/*'], [], '/GET/pets/', true, '* matches the empty string'],
    [['/GET/pets/*'], [], '/GET/pets', false, 'the / before * is literal'],
    [['/GET/pets/*'], [], '/GET/pets/1/toys', true, '* crosses /'],
    [['/GET/pets/*'], [], '/GET/pets/.', true, '* matches a dot segment'],
    [['/GET/pets/*'], [], '/GET/pets/%2F', true, '* matches an escape'],
    [['/*/pets'], [], '/DELETE/pets', true, '* as the method'],
    [['/GET/p?ts'], [], '/GET/pets', true, '? matches one character'],
    [['/GET/p?ts'], [], '/GET/pts', false, '? matches exactly one character, not none'],
    [['/GET/p?ts'], [], '/GET/peets', false, '? matches exactly one character, not two'],
    [['/*'], ['/DELETE/*'], '/DELETE/x', false, 'an explicit Deny wins'],
    [['/GET/pets/*'], ['/GET/pets/*/*'], '/GET/pets/1/x', false, 'a Deny carve-out'],
    [['/GET/pets/*'], ['/GET/pets/*/*'], '/GET/pets/1', true, 'the carve-out leaves one segment'],
    [['/GET/pets/1'], [], '/GET/PETS/1', false, 'resource ids are case-sensitive'],
    [['/GET/a.b'], [], '/GET/aXb', false, 'no regular expression leaks'],
    [['/GET/pets/?'], [], '/GET/pets/?', true, 'a ? in the request is literal, matched by the policy ?'],
    [['/GET/pets/x'], [], '/GET/pets/?', false, 'a ? in the request is no wildcard'],
    [['/GET/pets/{'], [], '/GET/pets/{', true, '{ is literal'],
    [['/GET/pets/*'], [], '/GET/pets/${x}', true, '${ in the request is literal'],
    [['/GET/pets/${x}'], [], '/GET/pets/x', false, '${x} in a policy is a variable (unresolvable: matches nothing)'],
    [['/GET/pets/%2F'], [], '/GET/pets/%2f', false, 'escapes are compared as text'],
    [['/GET//'], [], '/GET//', true, 'empty segments are text too'],
    [['/GET/'], [], '/GET/', true, 'the root path'],
    [['/$connect'], [], '/$connect', true, 'WebSocket route'],
    [[], [], '/GET/', false, 'default deny'],
  ];
  for (const [allow, deny, request, expected, why] of cases) {
    const doc = policy(allow, deny);
    assert.equal(allows(doc, request), expected, `iam-simulate: ${JSON.stringify({ allow, deny, request })}: ${why}`);
    assert.equal(globAllows(doc, `${PREFIX}${request}`), expected, `fallback matcher: ${JSON.stringify({ allow, deny, request })}: ${why}`);
  }

  // The quirk the issue warns about: a `*` in the REQUEST ARN is taken as a pattern (the request
  // stands for every resource it matches), so a literal policy "allows" it. API Gateway compares
  // the request's ARN as text; `cachedAllows` therefore decides such requests by globAllows.
  const literal = policy(['/GET/pets/1']);
  const star = `${PREFIX}/GET/pets/*`;
  assert.equal(iamSimulate(literal, star), 'Allowed', 'iam-simulate: request * overlaps the literal policy (quirk)');
  const validated = await iamSimulateValidated(literal, star);
  assert.equal(validated.resultType, 'wildcard', 'runSimulation names it a wildcard request');
  assert.equal(globAllows(literal, star), false, 'as text, …/GET/pets/* is not …/GET/pets/1');
  assert.deepEqual(cachedAllows(literal, star), { allowed: false, engine: 'glob', agree: true });
  // A request `*` under a Deny: overlap rules differ again (a Deny only counts when it covers the
  // whole request pattern), so a literal `*` request is never left to iam-simulate.
  assert.equal(globAllows(policy(['/GET/pets/*'], ['/GET/pets/1']), star), true, 'as text: only …/pets/1 is denied');
  assert.equal(cachedAllows(policy(['/GET/pets/*'], ['/GET/pets/*/*']), `${PREFIX}/GET/pets/*/x`).allowed, false);

  // runSimulation (validated) refuses ARNs outside execute-api's resource types; the unvalidated
  // entry point used per request decides them (root path and $connect, above).
  const root = await iamSimulateValidated(policy(['/GET/']), `${PREFIX}/GET/`);
  assert.equal(root.resultType, 'error');
  assert.equal(root.errors.message, 'no.resource.types');
  // Otherwise both entry points agree.
  for (const [allow, deny, request] of cases.filter(([, , r]) => r !== '/GET/' && r !== '/$connect')) {
    const doc = policy(allow, deny);
    const result = await iamSimulateValidated(doc, `${PREFIX}${request}`);
    assert.equal(result.resultType, 'single', request);
    assert.equal(result.overallResult, iamSimulate(doc, `${PREFIX}${request}`), request);
  }
});

// ---------------------------------------------------------------------------------------------
// 2. The property

const brief = (example) => ({
  shape: example.shape,
  document: example.document,
  claims: example.claims,
  first: `${example.first} (${example.firstStatus})`,
  request: `${example.request} (fresh ${example.freshStatus}, cached decided by ${example.engine})`,
  families: example.families,
  grantedBy: example.grantedBy,
  cached: example.cached,
});

test(`cached IAM answers never allow what a fresh decision denies (seed ${SEED})`, async (t) => {
  const counts = await runCacheProperty({ seed: SEED, documents: DOCUMENTS, pathsPerPrincipal: PATHS, shapes: HTTP_SHAPES, examples: 8 });
  const rate = (n, d) => (d ? `${((100 * n) / d).toFixed(2)}%` : 'n/a');
  const lines = [
    `seed ${counts.seed}: ${counts.triples} (document, principal, path) triples in ${counts.seconds.toFixed(1)} s`,
    `  ${counts.documents} documents (${counts.skippedDocuments} invalid ones skipped), ${counts.principals} principals, ${counts.webSocketTriples} of the triples WebSocket $connect`,
    `  fresh allowed ${counts.freshAllowed}, cached allowed ${counts.cachedAllowed}; cached decided by the fallback matcher (a * in the ARN): ${counts.globDecided}`,
    `  over-grants: ${counts.overGrants} (${rate(counts.overGrants, counts.triples)} of triples)`,
    `  over-denies: ${counts.overDenies}; over-deny rate ${rate(counts.overDenies, counts.freshAllowed)} of freshly allowed requests (${rate(counts.overDenies, counts.triples)} of triples)`,
    ...Object.entries(counts.byShape).map(([shape, s]) => `  ${shape}: ${s.triples} triples, ${s.overGrants} over-grants, ${s.overDenies} over-denies (rate ${rate(s.overDenies, s.freshAllowed)})`),
  ];
  if (counts.overGrants) {
    lines.push(`  over-grant families (a request can be in several): ${Object.entries(counts.overGrantFamilies).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  for (const line of lines) t.diagnostic(line);
  if (counts.examples.length) {
    console.log(`first over-grants (CACHE_PROPERTY_SEED=${counts.seed}):`);
    for (const example of counts.examples) console.log(JSON.stringify(brief(example)));
  }

  assert.ok(counts.triples >= MIN_TRIPLES || DOCUMENTS < 400 || PATHS < 32, `only ${counts.triples} triples (at least ${MIN_TRIPLES})`);
  assert.deepEqual(counts.engineDisagreements, [], 'iam-simulate and the exact matcher disagree on requests without *');
  assert.deepEqual(counts.validationErrors, [], 'iam-simulate refuses a cached answer, or its validated run decides differently');
  assert.ok(counts.freshAllowed > counts.triples / 50, 'enough allowed requests to mean something');
  assert.equal(counts.overGrants, 0, `${counts.overGrants} over-grants; first: ${JSON.stringify(counts.examples.slice(0, 2).map(brief), null, 1)}`);
});

// ---------------------------------------------------------------------------------------------
// 3. Pinned regression cases: the issue's families, and over-grants the property found

const TENANT_RULE = { id: 'tenant', effect: 'allow', routes: ['GET /tenants/{tenantId}/orders'], when: [{ claim: 'tenant', equalsParam: 'tenantId' }] };

const PINNED = [
  {
    name: 'HEAD route whose GET is denied',
    document: { rules: [{ id: 'head', effect: 'allow', routes: ['HEAD /reports', 'GET /health'] }, { id: 'no-get', effect: 'deny', routes: ['GET /reports'] }] },
    claims: { sub: 'alice' }, first: 'GET /health', requests: ['HEAD /reports'],
  },
  {
    name: 'HEAD route with no GET route at all',
    document: { rules: [{ id: 'head', effect: 'allow', routes: ['HEAD /files/{key+}'] }] },
    claims: { sub: 'alice' }, first: 'HEAD /files/a', requests: ['HEAD /files/a', 'HEAD /files/a/b'],
  },
  {
    name: 'GET /pets/{id} allowed, GET /pets not: /pets/ (an empty segment)',
    document: { rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets/{id}'] }] },
    claims: { sub: 'alice' }, first: 'GET /pets/1', requests: ['GET /pets/', 'GET /pets//'],
  },
  {
    name: 'dot segments under a one-segment parameter',
    document: { rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets/{id}'] }] },
    claims: { sub: 'alice' }, first: 'GET /pets/1', requests: ['GET /pets/.', 'GET /pets/..'],
  },
  {
    name: 'greedy /files/** with /files/',
    document: { rules: [{ id: 'files', effect: 'allow', routes: ['GET /files/**'] }] },
    claims: { sub: 'alice' }, first: 'GET /files/a', requests: ['GET /files/', 'GET /files/.', 'GET /files//x'],
  },
  {
    name: 'greedy at the root (ANY /{key+}) with the root path',
    document: { rules: [{ id: 'all', effect: 'allow', routes: ['ANY /{key+}'] }] },
    claims: { sub: 'alice' }, first: 'GET /a', requests: ['DELETE /', 'GET //'],
  },
  {
    name: '%2F and %2e inside a one-segment parameter (REST decodes them)',
    document: { rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets/{id}'] }] },
    claims: { sub: 'alice' }, first: 'GET /pets/1', requests: ['GET /pets/a%2Fb', 'GET /pets/a%2fb', 'GET /pets/%2e', 'GET /pets/%2E%2E'],
  },
  {
    name: 'a deeper path under a one-segment parameter, the document allowing a deeper route',
    document: { rules: [{ id: 'read', effect: 'allow', routes: ['GET /pets/{id}', 'GET /pets/{id}/toys/{t}'] }] },
    claims: { sub: 'alice' }, first: 'GET /pets/1', requests: ['GET /pets/1/extra', 'GET /pets/1/toys', 'GET /pets/1/extra/toys/x'],
  },
  {
    name: 'tenant equalsParam: another tenant',
    document: { rules: [TENANT_RULE] },
    claims: { sub: 'alice', tenant: 't1' }, first: 'GET /tenants/t1/orders', requests: ['GET /tenants/t2/orders', 'GET /tenants/T1/orders', 'GET /tenants/t1/x/orders'],
  },
  ...['*', '?', 't*', '${x}', 'a/b', 't1/', '', '.', '..', '%2F', '%2e', 'T1'].map((tenant) => ({
    name: `tenant equalsParam, hostile claim ${JSON.stringify(tenant)}: other tenants, and its own value`,
    document: { rules: [TENANT_RULE, { id: 'health', effect: 'allow', routes: ['GET /health'] }] },
    claims: { sub: 'mallory', tenant },
    first: [`GET /tenants/${tenant}/orders`, 'GET /health'],
    requests: [
      'GET /tenants/t2/orders', 'GET /tenants/tx/orders', 'GET /tenants/a/b/orders', 'GET /tenants//orders', 'GET /tenants/t1/orders',
      `GET /tenants/${tenant}/orders`, `GET /tenants/${tenant}/orders/`,
    ],
  })),
  // Found by the property (seed 20250101), reduced by hand.
  {
    name: 'property: PATCH /{tenantId} crosses into /t1/files, the document allowing deeper routes there',
    document: { rules: [{ id: 'r', effect: 'allow', routes: ['PATCH /{tenantId}', 'PUT /*/admin/{t}/{key+}', 'PATCH /{tenantId}/x/{u}'] }] },
    claims: { sub: 'alice' }, first: 'PATCH /t1', requests: ['PATCH /t1/files', 'PATCH /t1/x'],
  },
  {
    name: 'property: * /1/*/pets/{u} with %2f in the * segment (REST)',
    document: { rules: [{ id: 'r0', effect: 'allow', routes: ['* /1/*/pets/{u}'] }] },
    claims: { sub: 'bob' }, first: 'GET /1/x/pets/y', requests: ['PUT /1/%2f/pets/x', 'PATCH /1/%2e/pets/.', 'PUT /1//pets/x'],
  },
  {
    name: 'property: * /** (with an unrelated deny rule) covers the root path and dot segments',
    document: { rules: [{ id: 'all', effect: 'allow', routes: ['* /**'] }, { id: 'no-tenants', effect: 'deny', routes: ['DELETE /tenants'] }] },
    claims: { sub: 'alice' }, first: 'GET /x', requests: ['POST /', 'GET /x/.', 'GET /../%2F'],
  },
];

for (const pinned of PINNED) {
  test(`pinned: ${pinned.name}`, async () => {
    const overGrants = [];
    for (const first of [].concat(pinned.first)) {
      for (const shape of HTTP_SHAPES) {
        for (const request of pinned.requests) {
          const result = await checkCase({ ...pinned, first, request, shape });
          if (result.cachedAllowed && result.freshStatus !== 200) {
            overGrants.push(`${shape}: first ${first} (${result.firstStatus}), then ${request}: cached allows (${result.grantedBy.map((r) => r.slice(PREFIX.length)).join(', ')}), fresh ${result.freshStatus}`);
          }
        }
      }
    }
    assert.deepEqual(overGrants, [], `over-grants:\n${overGrants.join('\n')}`);
  });
}

test('pinned: WebSocket $connect, the cached answer decides $connect as a fresh call', async () => {
  for (const [claims, expected] of [[{ sub: 'alice', scope: 'chat' }, 200], [{ sub: 'bob' }, 403]]) {
    const authorizer = makeAuthorizer({ rules: [{ id: 'chat', effect: 'allow', routes: ['$connect', 'GET /pets/{id}'], scopes: { anyOf: ['chat'] } }] });
    const token = await signHs256(claims);
    const first = await authorizer.handleEvent(connectEvent(token));
    assert.equal(first.status, expected);
    assert.equal(cachedAllows(first.response.policyDocument, `${PREFIX}/$connect`).allowed, expected === 200);
  }
});
