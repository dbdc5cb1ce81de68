// What API Gateway caches for a token, worked out in this page by the real authorizer (the
// package's browser build): API Gateway keeps an authorizer's first answer per identity source
// (here: the token) and reuses it on every route until the TTL runs out. This module reads the
// route list, asks the authorizer for the first request's answer, reads that answer against
// each route's ARN with the core's own IAM matching, and has the authorizer decide each route
// afresh. Nothing here decides anything itself.
import { iamMatches } from '../pkg/src/core/api.mjs';
import { Authorizer } from '../pkg/src/adapters/authorizer.mjs';
import { apigwEvent, createTestIssuer } from '../pkg/src/testing/index.mjs';

/** A problem with the route list or the samples, placed for the reader. */
export class RouteError extends Error {}

/** `{name}` and `{name+}` (greedy, one or more segments) in an API Gateway resource path. */
const PARAMETER = /\{([^{}+]+)(\+?)\}/g;

// The operations of an OpenAPI Path Item (OpenAPI 3, §4.8.9), less `trace`, which API Gateway
// does not route; API Gateway's own `ANY` stands for all of them.
const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const ANY_METHOD = 'x-amazon-apigateway-any-method';

/** The methods a route's method names: `ANY` (any case) is all of them. */
const methodsOf = (method) => (method.toUpperCase() === 'ANY' ? OPENAPI_METHODS : [method]).map((m) => m.toUpperCase());

/**
 * The routes of `text`: an OpenAPI document (JSON) when it starts with `{`, else one route a
 * line (`GET /pets/{id}`; a WebSocket API's route keys, `$connect`). `#` starts a comment line.
 * Each route: `{ method, route, examples }` (`examples`: parameter name → sample values, from
 * the OpenAPI document).
 */
export function readRoutes(text, { websocket }) {
  if (text.trim().startsWith('{')) {
    if (websocket) throw new RouteError('an OpenAPI document describes HTTP routes: for a WebSocket API, list its route keys ($connect) one a line');
    return routesOfOpenApi(text);
  }
  return text.split('\n').flatMap((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return [];
    if (websocket) {
      if (/\s/.test(line)) throw new RouteError(`line ${index + 1}: a WebSocket route key is one word ($connect, sendMessage), not "${line}"`);
      return [{ method: line, route: null, examples: {} }];
    }
    const match = /^(\S+)\s+(\/\S*)$/.exec(line);
    if (!match) throw new RouteError(`line ${index + 1}: write a route as METHOD /path (GET /pets/{id}), not "${line}"`);
    return methodsOf(match[1]).map((method) => ({ method, route: match[2], examples: {} }));
  });
}

/** The routes of an OpenAPI document (JSON): every operation of `paths`, with its path parameters' examples. */
function routesOfOpenApi(text) {
  let document;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RouteError(`the OpenAPI document is not valid JSON (${error.message}); YAML is not read here: convert it to JSON`);
  }
  const paths = document?.paths;
  if (!paths || typeof paths !== 'object') throw new RouteError('the OpenAPI document has no "paths" object');
  return Object.entries(paths).flatMap(([route, item]) => {
    if (!route.startsWith('/') || !item || typeof item !== 'object') return [];
    const shared = item.parameters ?? [];
    return Object.entries(item).flatMap(([name, operation]) => {
      const method = name === ANY_METHOD ? 'ANY' : name;
      if (method !== 'ANY' && !OPENAPI_METHODS.includes(method)) return [];
      const examples = parameterExamples(document, [...shared, ...(operation?.parameters ?? [])]);
      return methodsOf(method).map((m) => ({ method: m, route, examples }));
    });
  });
}

/** A local `$ref` (`#/components/parameters/Id`) resolved in `document`; anything else as it is. */
function resolved(document, value) {
  const ref = value?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return value;
  return ref.slice(2).split('/').reduce((at, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

/** Path parameter name → the sample values its OpenAPI description gives (`example`, `examples`, the schema's `example` or `enum`). */
function parameterExamples(document, parameters) {
  const examples = {};
  for (const entry of parameters) {
    const parameter = resolved(document, entry);
    if (parameter?.in !== 'path' || typeof parameter.name !== 'string') continue;
    const schema = resolved(document, parameter.schema) ?? {};
    const values = [
      parameter.example,
      ...Object.values(parameter.examples ?? {}).map((example) => resolved(document, example)?.value),
      schema.example,
      ...(Array.isArray(schema.enum) ? schema.enum : []),
    ].filter((value) => value !== undefined && value !== null && typeof value !== 'object');
    if (values.length) examples[parameter.name] = [...new Set(values.map(String))];
  }
  return examples;
}

/** Sample values per parameter name, from lines `tenantId = t1, t2`. */
export function readSamples(text) {
  const samples = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^([^=\s]+)\s*=\s*(.+)$/.exec(line);
    if (!match) throw new RouteError(`sample line ${index + 1}: write name = value, value (tenantId = t1, t2), not "${line}"`);
    samples[match[1]] = match[2].split(',').map((v) => v.trim()).filter(Boolean);
  });
  return samples;
}

/** Every combination of `lists` (one value from each). */
const combinations = (lists) => lists.reduce((acc, list) => acc.flatMap((done) => list.map((v) => [...done, v])), [[]]);

/**
 * The requests to check: each route once per combination of its parameters' samples (the
 * samples box first, then the OpenAPI examples, else `1`, or `a/b` for a greedy parameter).
 * Each: `{ method, route, path, pathParameters }`.
 */
export function requestsOf(routes, samples) {
  return routes.flatMap(({ method, route, examples }) => {
    if (route === null) return [{ method, route, path: undefined, pathParameters: undefined }];
    const parameters = [...route.matchAll(PARAMETER)].map(([, name, greedy]) => ({ name, values: samples[name] ?? examples[name] ?? [greedy ? 'a/b' : '1'] }));
    return combinations(parameters.map((p) => p.values)).map((values) => {
      const pathParameters = Object.fromEntries(parameters.map((p, i) => [p.name, values[i]]));
      let i = 0;
      const path = route.replace(PARAMETER, () => values[i++]);
      return { method, route, path, pathParameters };
    });
  });
}

/** The event shapes of the panel: `jwtgate/testing`'s, and HTTP API 2.0 with simple responses. */
export function shapeOf(choice) {
  return choice === 'http-v2-simple' ? { shape: 'http-v2', simpleResponses: true } : { shape: choice, simpleResponses: false };
}

/** The API Gateway event of `request`, as `shape` carries it. */
function eventOf(shape, request, token, currentDate) {
  const { method, route, path, pathParameters } = request;
  if (shape === 'websocket') return apigwEvent(shape, { token, routeKey: method, currentDate });
  return apigwEvent(shape, {
    method, path, resource: route, routeKey: `${method} ${route}`, pathParameters, token, currentDate,
  });
}

/** The ARN API Gateway checks a cached IAM answer against, as the event names it. */
const arnOf = (event) => event.methodArn ?? event.routeArn;

/**
 * What IAM answers for `arn` under `document`: an explicit `Deny` wins, then an `Allow`, and
 * nothing matching is a deny (IAM's evaluation logic; every statement of an authorizer's answer
 * is for `execute-api:Invoke`). The matching of each `Resource` is the core's.
 */
export function iamEffect(document, arn) {
  const effects = document.Statement.filter((s) => [s.Resource].flat().some((pattern) => iamMatches(pattern, arn))).map((s) => s.Effect);
  if (effects.includes('Deny')) return 'Deny';
  return effects.includes('Allow') ? 'Allow' : 'Deny';
}

/** What the cached `response` answers for `event`: an IAM answer read against its ARN; a simple response is the same everywhere. */
function cachedEffect(response, event) {
  if (!response) return undefined;
  if (response.policyDocument) return iamEffect(response.policyDocument, arnOf(event));
  return response.isAuthorized ? 'Allow' : 'Deny';
}

/**
 * A route's cached answer beside its fresh decision: `same`, `narrowed` (the cache denies what
 * a fresh decision allows: a 403 from the cache), `over-granted` (the cache allows what a fresh
 * decision refuses), or `uncached` (the first request got no answer to cache).
 */
export function comparison(cached, freshStatus) {
  if (cached === undefined) return 'uncached';
  if (cached === 'Allow') return freshStatus === 200 ? 'same' : 'over-granted';
  return freshStatus === 200 ? 'narrowed' : 'same';
}

// One throwaway signer per page: its key never leaves it.
let signer;

/**
 * The claims as a token the authorizer trusts: signed by a throwaway key, as `jwtgate policy
 * explain` does, so that any token's claims can be simulated. The claims are kept as they are
 * (no `iss`, `sub`, `iat` or `exp` added): a missing or past `exp` gives the 401 it would.
 */
async function tokenFor(claims, currentDate) {
  signer ??= createTestIssuer({ alg: 'ES256' });
  const issuer = await signer;
  const token = await issuer.sign({ iss: undefined, sub: undefined, iat: undefined, ...claims }, { expiresIn: null, currentDate });
  return { token, jwks: issuer.jwks };
}

/**
 * The simulation: `{ report, first, rows }`. `first` is the first request's outcome (its
 * `response` is what API Gateway caches); each row is a request with its ARN, the cached
 * answer's effect there, the fresh outcome and their comparison.
 */
export async function simulate({ choice, policy, claims, requests, currentDate }) {
  if (!requests.length) throw new RouteError('list at least one route');
  const { shape, simpleResponses } = shapeOf(choice);
  const { token, jwks } = await tokenFor(claims, currentDate);
  const authorizer = new Authorizer({ jwks, policy, simpleResponses, log: false });
  const decide = async (request) => {
    const event = eventOf(shape, request, token, currentDate);
    return { request, event, outcome: await authorizer.handleEvent(event, { currentDate }) };
  };
  const first = await decide(requests[0]);
  const response = first.outcome.status === 401 ? undefined : first.outcome.response;
  const rows = [];
  for (const request of requests) {
    const { event, outcome } = await decide(request);
    const cached = cachedEffect(response, event);
    rows.push({ ...request, arn: arnOf(event), cached, fresh: outcome, verdict: comparison(cached, outcome.status) });
  }
  return { report: authorizer.cacheReport(), first: first.outcome, response, rows };
}
