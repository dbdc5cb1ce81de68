// The cache-safety property of the Lambda authorizer's IAM answers, as a generator and a runner.
//
// API Gateway caches an authorizer's answer per token (REST: per identity source) and checks it
// against every later request of that token. So for a random policy document, a random
// principal and one "first" request, the policy document answered to that first request (the
// one API Gateway keeps) must never allow a later request that the authorizer itself, called
// afresh, denies (an over-grant). Denying what a fresh call allows (an over-deny) fails closed
// and is only counted.
//
// The cached verdict comes from an IAM engine that is not ours, @cloud-copilot/iam-simulate
// (its runUnsafeSimulation: the same matching code as runSimulation without the per-call input
// validation, 15x faster; runSimulation validates each cached document once instead). Its
// quirks, found by the hand-worked cases in ../cache-safety.test.mjs:
//
// - A `*` in the REQUEST resource is taken as a pattern (runSimulation answers
//   `resultType: 'wildcard'`; both entry points then match by overlap), so
//   `Allow …/GET/pets/1` "allows" the request `…/GET/pets/*`. API Gateway matches the
//   request's ARN as literal text, a `*` in it being a character that only a policy `*` or `?`
//   covers. Requests whose ARN holds a `*` are decided by `globAllows` below instead (IAM's
//   documented wildcards, the request literal), and every other request is decided by both and
//   counted when they disagree (the test asserts they never do).
// - A `?` in the request is literal (only the policy's `?` is a wildcard): correct, no fallback.
// - runSimulation refuses ARNs that fit none of execute-api's resource types (the root path
//   `…/GET/` and WebSocket's `…/$connect`: "no.resource.types"); runUnsafeSimulation decides them.
// - Resource ids are matched case-sensitively, `*` matches the empty string and '/', `?`
//   exactly one character, an explicit Deny wins, `${…}` in a policy is a policy variable (an
//   unresolvable one matches nothing).
import fc from 'fast-check';
import * as jose from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { Authorizer } from '../../../pkg/src/adapters/lambda.mjs';
import { FIXTURES } from './fixtures.mjs';

// ---------------------------------------------------------------------------------------------
// The IAM side

export const ACCOUNT = '123456789012';
export const PREFIX = `arn:aws:execute-api:eu-west-1:${ACCOUNT}:abcdef1234/prod`;
const CALLER = `arn:aws:iam::${ACCOUNT}:role/api-caller`;

const simulation = (policyDocument, resource) => ({
  identityPolicies: [{ name: 'authorizer-answer', policy: policyDocument }],
  serviceControlPolicies: [],
  resourceControlPolicies: [],
  request: { action: 'execute-api:Invoke', principal: CALLER, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
});

/** iam-simulate's verdict ('Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'), unvalidated. */
export function iamSimulate(policyDocument, resource) {
  return runUnsafeSimulation(simulation(policyDocument, resource), {});
}

/** iam-simulate's validated run: `{ resultType, overallResult?, errors? }`. */
export async function iamSimulateValidated(policyDocument, resource) {
  return runSimulation(simulation(policyDocument, resource), {});
}

const globCache = new Map();
/** IAM wildcards in a policy string: `*` any run of characters (none, '/'), `?` exactly one. */
function globRegExp(pattern) {
  let re = globCache.get(pattern);
  if (re === undefined) {
    const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, 's');
    if (globCache.size > 50_000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

/**
 * The exact matcher used where iam-simulate takes the request for a pattern (a `*` in the
 * request ARN): the request is literal text, the policy's `*` and `?` wildcards. Explicit Deny
 * wins, an Allow is needed, nothing matching denies.
 */
export function globAllows(policyDocument, resource, action = 'execute-api:Invoke') {
  let allowed = false;
  for (const statement of policyDocument.Statement) {
    const actions = [].concat(statement.Action);
    if (!actions.some((a) => globRegExp(a.toLowerCase()).test(action.toLowerCase()))) continue;
    if (![].concat(statement.Resource).some((r) => globRegExp(r).test(resource))) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

/** The statements' resources matching `resource` (for the report). */
function matchingResources(policyDocument, resource, effect) {
  return policyDocument.Statement.filter((s) => s.Effect === effect)
    .flatMap((s) => [].concat(s.Resource)).filter((r) => globRegExp(r).test(resource));
}

/**
 * What API Gateway decides for `resource` with a cached answer: iam-simulate, except for a
 * request ARN holding a `*` (see the top of the file). `engine` says which decided; `agree` is
 * false when the two disagree on a request both can decide.
 */
export function cachedAllows(policyDocument, resource) {
  const glob = globAllows(policyDocument, resource);
  if (resource.includes('*')) return { allowed: glob, engine: 'glob', agree: true };
  const allowed = iamSimulate(policyDocument, resource) === 'Allowed';
  return { allowed, engine: 'iam-simulate', agree: allowed === glob };
}

// ---------------------------------------------------------------------------------------------
// Tokens

export const ISS = 'https://idp.example.com/cache-property';
export const AUD = 'cache-property-api';
export const SECRET = 'x'.repeat(32);
/** Tokens are issued and checked at a fixed time: runs do not depend on the clock. */
export const NOW = new Date('2030-01-01T00:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const secretKey = new TextEncoder().encode(SECRET);

export async function signHs256(claims) {
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISS).setAudience(AUD).setIssuedAt(nowSeconds).setExpirationTime(nowSeconds + 3600)
    .sign(secretKey);
}

/** An Authorizer for `policy`, or the error its constructor throws (an invalid document). */
export function makeAuthorizer(policy) {
  try {
    return new Authorizer({ issuer: ISS, audience: AUD, secret: SECRET, algorithms: ['HS256'], policy, log: false, currentDate: NOW });
  } catch (error) {
    return { error };
  }
}

// ---------------------------------------------------------------------------------------------
// Events: the fixtures in ../shared/fixtures/apigw as templates, retargeted at PREFIX.

const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
let templates;
function loadTemplates() {
  templates ??= {
    restToken: fixture('powertools-lambda-typescript/apigw-rest_authorizer-token.json'),
    restRequest: fixture('powertools-lambda-typescript/apigw-rest_authorizer-request.json'),
    httpV1: fixture('aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json'),
    httpV2: fixture('powertools-lambda-typescript/apigw-http_authorizer-request.json'),
  };
  return templates;
}

const STAGE = 'prod';

/** The event builders of every shape answered with IAM policies; `path` is the raw path. */
export const SHAPES = {
  restToken(method, path, token) {
    const t = loadTemplates().restToken;
    return { ...t, methodArn: `${PREFIX}/${method}${path}`, authorizationToken: `Bearer ${token}` };
  },
  restRequest(method, path, token) {
    const t = loadTemplates().restRequest;
    const bearer = `Bearer ${token}`;
    return {
      ...t,
      methodArn: `${PREFIX}/${method}${path}`, resource: path, path, httpMethod: method,
      headers: { ...t.headers, Authorization: bearer },
      multiValueHeaders: { ...t.multiValueHeaders, Authorization: [bearer] },
      requestContext: { ...t.requestContext, stage: STAGE, path: `/${STAGE}${path}`, resourcePath: path, httpMethod: method, apiId: 'abcdef1234' },
    };
  },
  httpV1(method, path, token) {
    const t = loadTemplates().httpV1;
    const bearer = `Bearer ${token}`;
    return {
      ...t,
      methodArn: `${PREFIX}/${method}${path}`, resource: path, path, httpMethod: method,
      identitySource: bearer, authorizationToken: bearer,
      headers: { ...t.headers, Authorization: bearer },
      requestContext: { ...t.requestContext, stage: STAGE, path, resourcePath: path, httpMethod: method, apiId: 'abcdef1234' },
    };
  },
  httpV2(method, path, token) {
    // A named stage: HTTP APIs put it in rawPath (`/prod/pets`), not in routeArn's path.
    const t = loadTemplates().httpV2;
    const bearer = `Bearer ${token}`;
    const rawPath = `/${STAGE}${path}`;
    return {
      ...t,
      routeArn: `${PREFIX}/${method}${path}`, routeKey: '$default', rawPath, identitySource: [bearer],
      headers: { ...t.headers, authorization: bearer },
      requestContext: { ...t.requestContext, stage: STAGE, routeKey: '$default', apiId: 'abcdef1234', http: { ...t.requestContext.http, method, path: rawPath } },
    };
  },
};
export const HTTP_SHAPES = Object.keys(SHAPES);

/** A WebSocket `$connect` event (the only route a WebSocket authorizer is called for). */
export function connectEvent(token) {
  const headers = { Host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com', 'Sec-WebSocket-Version': '13', Authorization: `Bearer ${token}` };
  return {
    type: 'REQUEST', methodArn: `${PREFIX}/$connect`, headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: STAGE, connectionId: 'QpG8CeBkoAMCE9A=', apiId: 'abcdef1234' },
  };
}

export const arnOf = (method, path) => `${PREFIX}/${method}${path}`;

// ---------------------------------------------------------------------------------------------
// Arbitraries

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const ROUTE_METHODS = [...METHODS, '*', 'ANY', 'GET', 'GET', 'HEAD'];
const LITERALS = ['pets', 'toys', 'admin', 'files', 'tenants', 'orders', 't1', '1'];
/** Parameter names by depth: unique within a route, shared by routes of one rule at one depth. */
const PARAMS = ['tenantId', 'id', 't', 'u', 'v'];
const GREEDY = ['**', '{key+}'];
const SCOPES = ['read', 'write', 'admin'];
const GROUPS = ['admin', 'beta', '*'];

/** Raw path segments: the alphabet (empty, dots, escapes, IAM wildcards, `$`, `{`, case). */
export const SEGMENTS = ['pets', '1', 'toys', 'admin', 'files', 'tenants', 't1', 't2', 'orders', '', '.', '..', '%2F', '%2f', '%2e', '%2E', '*', '?', '$', '{', '%61dmin', 'PETS', 'x'];
/** Hostile claim values (those holding '/' make two segments when put in a path). */
export const CLAIM_VALUES = ['t1', 't2', 'a/b', '*', '?', '${x}', '', '.', '..', '%2F', 't1/', '1', 'pets', 'PETS', '%2e', 'T1', 't*', '$', '{'];

const segmentArb = (depth) => fc.oneof(
  { arbitrary: fc.constantFrom(...LITERALS), weight: 5 },
  { arbitrary: fc.constant(`{${PARAMS[depth]}}`), weight: 3 },
  { arbitrary: fc.constant('*'), weight: 2 },
);

/** "METHOD /a/{id}/…", with greedy tails, `*` segments, trailing slashes; or a `$` route. */
export const routeArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.tuple(
      fc.constantFrom(...ROUTE_METHODS),
      fc.integer({ min: 0, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => segmentArb(i)))),
      fc.option(fc.constantFrom(...GREEDY), { freq: 3 }),
      fc.integer({ min: 0, max: 39 }), // 0: a trailing slash (refused in routes: the document is skipped)
    ).map(([method, segments, greedy, slash]) => {
      const parts = [...segments, ...(greedy ? [greedy] : [])];
      return `${method} /${parts.join('/')}${slash === 0 && parts.length ? '/' : ''}`;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('$connect', '$default') },
);

/** The names `route` binds ({name}, {name+}). */
export const boundParams = (route) => [...route.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);

const ruleArb = (index) => fc.record({
  effect: fc.constantFrom('allow', 'allow', 'deny'),
  routes: fc.uniqueArray(routeArb, { minLength: 1, maxLength: 3 }),
  scopes: fc.option(fc.subarray(SCOPES, { minLength: 1, maxLength: 2 }), { freq: 3 }),
  groups: fc.option(fc.subarray(GROUPS, { minLength: 1 }), { freq: 5 }),
  equalsParamClaim: fc.option(fc.constantFrom('tenant', 'sub', 'org.tenant'), { nil: undefined, freq: 2 }),
  equalsParamPick: fc.nat(),
}).map(({ effect, routes, scopes, groups, equalsParamClaim, equalsParamPick }) => {
  const rule = { id: `r${index}`, effect, routes };
  if (scopes) rule.scopes = { anyOf: scopes };
  const when = [];
  if (groups) when.push({ claim: 'groups', containsAny: groups });
  if (equalsParamClaim) {
    // Only a parameter every route binds can be named (else the document is refused).
    const common = boundParams(routes[0]).filter((p) => routes.every((r) => boundParams(r).includes(p)));
    if (common.length) when.push({ claim: equalsParamClaim, equalsParam: common[equalsParamPick % common.length] });
  }
  if (when.length) rule.when = when;
  return rule;
});

/** A policy document (see README "Policy documents"). Some are invalid: the runner skips them. */
export const documentArb = fc.integer({ min: 1, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i))))
  .map((rules) => ({ principalId: 'sub', context: { tenant: 'tenant' }, rules }));

const claimValueArb = fc.constantFrom(...CLAIM_VALUES);

/** Claims: scopes, groups, tenant values meant to break out of a path parameter. */
export const claimsArb = fc.record({
  sub: fc.oneof(fc.constantFrom('alice', 'bob'), claimValueArb.filter((v) => v !== '')),
  scope: fc.subarray([...SCOPES, '*'], { minLength: 0 }).map((s) => s.join(' ')),
  groups: fc.subarray(GROUPS),
  tenant: fc.oneof({ arbitrary: claimValueArb, weight: 9 }, { arbitrary: fc.constant(42), weight: 1 }),
  org: fc.record({ tenant: claimValueArb }),
}, { requiredKeys: ['sub'] });

/** A raw path of pool segments, with an optional trailing slash. */
export const rawPathArb = fc.tuple(
  fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 5 }),
  fc.integer({ min: 0, max: 5 }),
).map(([segments, slash]) => `/${segments.join('/')}${slash === 0 && segments.length ? '/' : ''}`);

/**
 * A request near a route of the document: literals kept (sometimes in upper case or
 * percent-encoded), parameters and `*` replaced by pool values or the principal's claim values,
 * greedy tails by zero to three segments, sometimes deeper or with a trailing slash.
 */
const derivedRequestArb = (document, claims) => {
  const routes = document.rules.flatMap((r) => r.routes).filter((r) => !r.startsWith('$'));
  if (!routes.length) return null;
  const claimStrings = [claims.tenant, claims.sub, claims.org?.tenant].filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
  const valueArb = fc.oneof(
    { arbitrary: fc.constantFrom(...SEGMENTS), weight: 3 },
    { arbitrary: fc.constantFrom(...claimStrings), weight: 3 },
    { arbitrary: claimValueArb, weight: 1 },
  );
  return fc.record({
    route: fc.constantFrom(...routes),
    values: fc.array(valueArb, { minLength: 8, maxLength: 8 }),
    greedyCount: fc.integer({ min: 0, max: 3 }),
    literalTwist: fc.integer({ min: 0, max: 11 }),
    extra: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 2 }),
    extraOn: fc.integer({ min: 0, max: 3 }),
    slash: fc.integer({ min: 0, max: 5 }),
    method: fc.constantFrom(...METHODS),
    keepMethod: fc.integer({ min: 0, max: 9 }),
  }).map(({ route, values, greedyCount, literalTwist, extra, extraOn, slash, method, keepMethod }) => {
    const [routeMethod, routePath] = route.split(' ');
    let v = 0;
    const out = [];
    for (const segment of routePath.split('/').slice(1)) {
      if (segment === '') continue;
      if (segment === '**' || segment.endsWith('+}')) {
        for (let i = 0; i < greedyCount; i++) out.push(values[v++ % values.length]);
      } else if (segment === '*' || segment.startsWith('{')) {
        out.push(values[v++ % values.length]);
      } else if (literalTwist === 0) {
        out.push(segment.toUpperCase());
      } else if (literalTwist === 1) {
        out.push(`%${segment.charCodeAt(0).toString(16)}${segment.slice(1)}`);
      } else {
        out.push(segment);
      }
    }
    if (extraOn === 0) out.push(...extra);
    const m = keepMethod < 7 && METHODS.includes(routeMethod) ? routeMethod : keepMethod === 7 && routeMethod === 'GET' ? 'HEAD' : method;
    const path = `/${out.join('/')}${slash === 0 && out.length ? '/' : ''}`;
    return { method: m, path };
  });
};

const requestArb = (document, claims) => {
  const derived = derivedRequestArb(document, claims);
  const raw = fc.record({ method: fc.constantFrom(...METHODS), path: rawPathArb });
  return derived ? fc.oneof({ arbitrary: derived, weight: 3 }, { arbitrary: raw, weight: 1 }) : raw;
};

/** One case: a document, principals, and per principal a first request and later requests. */
export const caseArb = (principals, pathsPerPrincipal) => documentArb.chain((document) =>
  fc.array(claimsArb, { minLength: principals, maxLength: principals }).chain((claimsList) =>
    fc.tuple(...claimsList.map((claims) => fc.record({
      claims: fc.constant(claims),
      first: requestArb(document, claims),
      requests: fc.array(requestArb(document, claims), { minLength: pathsPerPrincipal, maxLength: pathsPerPrincipal }),
    }))).map((principalCases) => ({ document, principals: principalCases }))));

// ---------------------------------------------------------------------------------------------
// The runner

/** Tags naming the families a request belongs to (for the report). */
export function families(method, path, claims, grantedBy = []) {
  const tags = [];
  const segments = path.split('/').slice(1);
  if (path === '/') tags.push('root path');
  if (method === 'HEAD') tags.push('HEAD');
  // Every granting pattern has fewer '/' than the request: an IAM `*` crossed a '/'.
  const depth = (s) => s.split('/').length;
  if (grantedBy.length && grantedBy.every((r) => depth(r) < depth(arnOf(method, path)))) tags.push('* crosses /');
  if (path.includes('*')) tags.push('* in path');
  if (path.includes('?')) tags.push('? in path');
  if (/%2f/i.test(path)) tags.push('%2F in path');
  if (/%2e/i.test(path)) tags.push('%2e in path');
  if (/%(?!2[fFeE])[0-9a-fA-F]{2}/.test(path)) tags.push('other escape');
  if (segments.some((s) => s === '.' || s === '..')) tags.push('dot segment');
  if (segments.slice(0, -1).some((s) => s === '')) tags.push('empty segment');
  if (path.length > 1 && path.endsWith('/')) tags.push('trailing slash');
  if (path.includes('$') || path.includes('{')) tags.push('$ or { in path');
  if (/[A-Z]/.test(path.replace(/%[0-9a-fA-F]{2}/g, ''))) tags.push('case variant');
  const claimValues = [claims.tenant, claims.org?.tenant, claims.sub].filter((x) => typeof x === 'string' && x.length > 1);
  if (claimValues.some((c) => path.includes(c) && /[/*?.$%{]/.test(c))) tags.push('hostile claim value in path');
  if (!tags.length) tags.push('plain');
  return tags;
}

const statusOf = async (authorizer, event) => (await authorizer.handleEvent(event, { detail: false })).status;

/**
 * Runs the property for `documents` valid documents (invalid ones are skipped, and counted),
 * `principals` principals per document, and `pathsPerPrincipal` later requests per principal
 * and shape. Returns the counts and the first over-grants.
 */
export async function runCacheProperty({
  seed = 20250101, documents = 400, principals = 2, pathsPerPrincipal = 32, shapes = HTTP_SHAPES,
  webSocket = true, examples = 10, onOverGrant,
} = {}) {
  const counts = {
    seed, documents: 0, skippedDocuments: 0, principals: 0, unauthorizedPrincipals: 0,
    triples: 0, byShape: {}, freshAllowed: 0, cachedAllowed: 0, overGrants: 0, overDenies: 0,
    globDecided: 0, engineDisagreements: [], validatedDocuments: 0, validationErrors: [],
    overGrantFamilies: {}, examples: [], webSocketTriples: 0,
  };
  for (const shape of shapes) counts.byShape[shape] = { triples: 0, overGrants: 0, overDenies: 0, freshAllowed: 0 };
  const started = performance.now();
  const seenSignatures = new Set();
  const examplesOf = new Map();
  let batch = 0;
  while (counts.documents < documents) {
    // Deterministic: batch k of seed s is always the same documents.
    const cases = fc.sample(caseArb(principals, pathsPerPrincipal), { seed: seed + batch * 7919, numRuns: Math.max(16, documents - counts.documents + 8) });
    batch += 1;
    for (const { document, principals: principalCases } of cases) {
      if (counts.documents >= documents) break;
      const authorizer = makeAuthorizer(document);
      if (authorizer.error) { counts.skippedDocuments += 1; continue; }
      counts.documents += 1;
      const validated = new Set();
      for (const { claims, first, requests } of principalCases) {
        counts.principals += 1;
        const token = await signHs256(claims);
        for (const shape of shapes) {
          const build = SHAPES[shape];
          const firstOutcome = await authorizer.handleEvent(build(first.method, first.path, token), { detail: false });
          if (firstOutcome.status === 401) { counts.unauthorizedPrincipals += 1; break; }
          const cached = firstOutcome.response.policyDocument;
          const key = JSON.stringify(cached);
          if (!validated.has(key)) {
            validated.add(key);
            // Once per distinct document: iam-simulate's own validation of the answer.
            const probe = arnOf('GET', '/pets/1');
            const result = await iamSimulateValidated(cached, probe);
            counts.validatedDocuments += 1;
            if (result.resultType === 'error' || (result.overallResult === 'Allowed') !== (iamSimulate(cached, probe) === 'Allowed')) {
              counts.validationErrors.push({ document, cached, result: result.errors ?? result.overallResult });
            }
          }
          for (const { method, path } of requests) {
            const arn = arnOf(method, path);
            const iam = cachedAllows(cached, arn);
            if (iam.engine === 'glob') counts.globDecided += 1;
            if (!iam.agree && counts.engineDisagreements.length < 20) counts.engineDisagreements.push({ cached, arn, iamSimulate: iam.allowed });
            const status = await statusOf(authorizer, build(method, path, token));
            const fresh = status === 200;
            const s = counts.byShape[shape];
            counts.triples += 1; s.triples += 1;
            if (fresh) { counts.freshAllowed += 1; s.freshAllowed += 1; }
            if (iam.allowed) counts.cachedAllowed += 1;
            if (iam.allowed && !fresh) {
              counts.overGrants += 1; s.overGrants += 1;
              const grantedBy = matchingResources(cached, arn, 'Allow');
              const tags = families(method, path, claims, grantedBy);
              for (const tag of tags) counts.overGrantFamilies[tag] = (counts.overGrantFamilies[tag] ?? 0) + 1;
              const example = {
                shape, document, claims, first: `${first.method} ${first.path}`, firstStatus: firstOutcome.status,
                request: `${method} ${path}`, freshStatus: status, engine: iam.engine, families: tags, grantedBy, cached,
              };
              onOverGrant?.(example);
              // The first example of each combination of families, at most two per document.
              const signature = tags.join(', ');
              const ofDocument = examplesOf.get(document) ?? 0;
              if (counts.examples.length < examples && !seenSignatures.has(signature) && ofDocument < 2) {
                seenSignatures.add(signature);
                examplesOf.set(document, ofDocument + 1);
                counts.examples.push(example);
              }
            } else if (!iam.allowed && fresh) {
              counts.overDenies += 1; s.overDenies += 1;
            }
          }
        }
        if (webSocket) {
          // $connect only: the cached answer is checked against $connect again.
          const event = connectEvent(token);
          const outcome = await authorizer.handleEvent(event, { detail: false });
          if (outcome.status !== 401) {
            const iam = cachedAllows(outcome.response.policyDocument, event.methodArn).allowed;
            const fresh = (await statusOf(authorizer, connectEvent(token))) === 200;
            counts.triples += 1; counts.webSocketTriples += 1;
            if (fresh) counts.freshAllowed += 1;
            if (iam && !fresh) {
              counts.overGrants += 1;
              counts.overGrantFamilies.webSocket = (counts.overGrantFamilies.webSocket ?? 0) + 1;
              if (counts.examples.length < examples) counts.examples.push({ shape: 'webSocket', document, claims, request: '$connect', cached: outcome.response.policyDocument });
            } else if (!iam && fresh) counts.overDenies += 1;
          }
        }
      }
    }
  }
  counts.overDenyRate = counts.freshAllowed ? counts.overDenies / counts.freshAllowed : 0;
  counts.seconds = (performance.now() - started) / 1000;
  return counts;
}

/** One hand-written case: the cached answer to `first`, and the fresh decision of `request`. */
export async function checkCase({ document, claims, first, request, shape = 'restRequest' }) {
  const authorizer = makeAuthorizer(document);
  if (authorizer.error) throw authorizer.error;
  const token = await signHs256(claims);
  const [fm, fp] = first.split(' ');
  const [m, p] = request.split(' ');
  const build = SHAPES[shape];
  const firstOutcome = await authorizer.handleEvent(build(fm, fp, token), { detail: false });
  if (firstOutcome.status === 401) throw new Error(`${shape}: the first request is unauthorized`);
  const cached = firstOutcome.response.policyDocument;
  const arn = arnOf(m, p);
  const iam = cachedAllows(cached, arn);
  const status = await statusOf(authorizer, build(m, p, token));
  return { cachedAllowed: iam.allowed, engine: iam.engine, freshStatus: status, firstStatus: firstOutcome.status, cached, grantedBy: matchingResources(cached, arn, 'Allow') };
}
