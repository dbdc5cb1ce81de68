// API Gateway authorizer events for users' own tests, one builder per shape. Each is the shape
// API Gateway sends, after real events (AWS's documented samples and captures from REST, HTTP
// and WebSocket APIs): the same members, the same header case and the same multi-value maps,
// with the request's method, path, token, headers, query and cookies put where API Gateway
// puts them.
import { epochSeconds } from '../core/api.mjs';
import { optionsError } from '../core/errors.mjs';
import { withoutUndefined } from './claims.mjs';

// Placeholders as API Gateway fills them in: fixed, so that an event can be compared with a stored one.
const IDS = {
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  extendedRequestId: 'ZhFsxGQDDoEEMig=',
  resourceId: 'w567jh',
  deploymentId: 'v99qix',
  connectionId: 'QpG8CeBkoAMCE9A=',
  traceId: 'Root=1-66704feb-118151122b2ad2d3488844e7',
};

const DEFAULTS = {
  method: 'GET',
  path: '/',
  headers: {},
  query: {},
  cookies: {},
  region: 'eu-west-1',
  accountId: '123456789012',
  apiId: 'a1b2c3d4e5',
  sourceIp: '203.0.113.7',
  userAgent: 'jwtgate-testing',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `17/Jun/2024:15:02:03 +0000`, as API Gateway writes `requestTime`. */
function requestTime(date) {
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/** `[name, [values]]` pairs of a map whose values are strings or lists of them. */
function pairs(map, field) {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw optionsError(field, 'must be an object of strings or string lists');
  return Object.entries(map).map(([name, value]) => [name, [].concat(value).map(String)]);
}

const lastValues = (list) => Object.fromEntries(list.map(([name, values]) => [name, values.at(-1)]));
const allValues = (list) => Object.fromEntries(list);
const joinedValues = (list) => Object.fromEntries(list.map(([name, values]) => [name, values.join(',')]));
const queryString = (list) => list.flatMap(([name, values]) => values.map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`)).join('&');

const OPTIONAL = new Set(['token', 'stage', 'routeKey', 'resource', 'pathParameters', 'stageVariables', 'currentDate']);

/** Each shape's stage unless given: REST and WebSocket APIs name theirs, HTTP APIs default to `$default`. */
const STAGES = { 'rest-token': 'prod', 'rest-request': 'prod', 'http-v1': '$default', 'http-v2': '$default', websocket: 'prod' };

/** The request every builder reads: options with their defaults, the header list with the token and cookies in it. */
function requestOf(shape, options) {
  const unknown = Object.keys(options).find((name) => !(name in DEFAULTS || OPTIONAL.has(name)));
  if (unknown) throw optionsError(unknown, 'unknown option');
  const r = { ...DEFAULTS, stage: STAGES[shape], ...withoutUndefined(options) };
  const date = r.currentDate ?? new Date();
  epochSeconds(date); // a valid Date, or the option error
  const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : pairs(r.cookies, 'cookies').flatMap(([n, vs]) => vs.map((v) => `${n}=${v}`));
  const headers = [
    ...(r.token === undefined ? [] : [['Authorization', [`Bearer ${r.token}`]]]),
    ...pairs(r.headers, 'headers'),
  ];
  const stagePrefix = r.stage === '$default' ? '' : `/${r.stage}`;
  return {
    ...r,
    method: String(r.method).toUpperCase(),
    headers,
    cookies,
    query: pairs(r.query, 'query'),
    domainName: `${r.apiId}.execute-api.${r.region}.amazonaws.com`,
    arnPrefix: `arn:aws:execute-api:${r.region}:${r.accountId}:${r.apiId}/${r.stage}`,
    stagePrefix,
    time: requestTime(date),
    epochMs: date.getTime(),
    authorization: headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1].at(-1),
  };
}

/** The headers a REST or WebSocket API's event carries besides the request's own, in their case. */
function restHeaders(r, extra = []) {
  const cookie = r.cookies.length ? [['Cookie', [r.cookies.join('; ')]]] : [];
  return [
    ['Accept', ['*/*']],
    ['Host', [r.domainName]],
    ['User-Agent', [r.userAgent]],
    ...extra,
    ['X-Amzn-Trace-Id', [IDS.traceId]],
    ['X-Forwarded-For', [r.sourceIp]],
    ['X-Forwarded-Port', ['443']],
    ['X-Forwarded-Proto', ['https']],
    ...cookie,
    ...r.headers,
  ];
}

/** The `methodArn` (or `routeArn`) of an HTTP request: the path after the method, without its leading `/`. */
const arn = (r) => `${r.arnPrefix}/${r.method}/${r.path.replace(/^\//, '')}`;

/** REST API, `TOKEN` authorizer: only the identity source's value (the `Authorization` header). */
function restToken(r) {
  return { type: 'TOKEN', methodArn: arn(r), ...(r.authorization !== undefined && { authorizationToken: r.authorization }) };
}

/** REST API, `REQUEST` authorizer (after a capture from eu-west-1). */
function restRequest(r) {
  const headers = restHeaders(r);
  const resource = r.resource ?? r.path;
  return {
    type: 'REQUEST',
    methodArn: arn(r),
    resource,
    path: r.path,
    httpMethod: r.method,
    headers: lastValues(headers),
    multiValueHeaders: allValues(headers),
    queryStringParameters: lastValues(r.query),
    multiValueQueryStringParameters: allValues(r.query),
    pathParameters: r.pathParameters ?? {},
    stageVariables: r.stageVariables ?? {},
    requestContext: {
      resourceId: IDS.resourceId,
      resourcePath: resource,
      httpMethod: r.method,
      extendedRequestId: IDS.extendedRequestId,
      requestTime: r.time,
      path: `/${r.stage}${r.path}`,
      accountId: r.accountId,
      protocol: 'HTTP/1.1',
      stage: r.stage,
      domainPrefix: r.apiId,
      requestTimeEpoch: r.epochMs,
      requestId: IDS.requestId,
      identity: {
        cognitoIdentityPoolId: null, accountId: null, cognitoIdentityId: null, caller: null, sourceIp: r.sourceIp,
        principalOrgId: null, accessKey: null, cognitoAuthenticationType: null, cognitoAuthenticationProvider: null,
        userArn: null, userAgent: r.userAgent, user: null,
      },
      domainName: r.domainName,
      deploymentId: IDS.deploymentId,
      apiId: r.apiId,
    },
  };
}

/** HTTP API, payload format 1.0 (after AWS's documented sample): no multi-value maps, the identity source as one string. */
function httpV1(r) {
  const headers = restHeaders(r);
  const resource = r.resource ?? r.path;
  const path = `${r.stagePrefix}${r.path}`;
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: arn(r),
    ...(r.authorization !== undefined && { identitySource: r.authorization, authorizationToken: r.authorization }),
    resource,
    path,
    httpMethod: r.method,
    headers: joinedValues(headers),
    queryStringParameters: joinedValues(r.query),
    pathParameters: r.pathParameters ?? {},
    stageVariables: r.stageVariables ?? {},
    requestContext: {
      path,
      accountId: r.accountId,
      resourceId: IDS.resourceId,
      stage: r.stage,
      requestId: IDS.requestId,
      identity: { sourceIp: r.sourceIp, userAgent: r.userAgent },
      resourcePath: resource,
      httpMethod: r.method,
      apiId: r.apiId,
    },
  };
}

/** HTTP API, payload format 2.0 (after a capture from eu-west-1): lower-case headers, cookies apart, the stage in the path. */
function httpV2(r) {
  const headers = [
    ['accept', ['*/*']],
    ['host', [r.domainName]],
    ['user-agent', [r.userAgent]],
    ['x-amzn-trace-id', [IDS.traceId]],
    ['x-forwarded-for', [r.sourceIp]],
    ['x-forwarded-port', ['443']],
    ['x-forwarded-proto', ['https']],
    ...r.headers.map(([name, values]) => [name.toLowerCase(), values]),
  ];
  const rawPath = `${r.stagePrefix}${r.path}`;
  const routeKey = r.routeKey ?? `${r.method} ${r.path}`;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: arn(r),
    identitySource: r.authorization === undefined ? [] : [r.authorization],
    routeKey,
    rawPath,
    rawQueryString: queryString(r.query),
    ...(r.cookies.length && { cookies: r.cookies }),
    headers: joinedValues(headers),
    ...(r.query.length && { queryStringParameters: joinedValues(r.query) }),
    requestContext: {
      accountId: r.accountId,
      apiId: r.apiId,
      domainName: r.domainName,
      domainPrefix: r.apiId,
      http: { method: r.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: r.sourceIp, userAgent: r.userAgent },
      requestId: IDS.extendedRequestId,
      routeKey,
      stage: r.stage,
      time: r.time,
      timeEpoch: r.epochMs,
    },
    ...(r.pathParameters && { pathParameters: r.pathParameters }),
    ...(r.stageVariables && { stageVariables: r.stageVariables }),
  };
}

/** WebSocket API, `REQUEST` authorizer on `$connect` (after AWS's documented sample): the route key instead of a method and path. */
function websocket(r) {
  const headers = restHeaders(r, [
    ['Sec-WebSocket-Extensions', ['permessage-deflate; client_max_window_bits']],
    ['Sec-WebSocket-Key', ['dGhlIHNhbXBsZSBub25jZQ==']],
    ['Sec-WebSocket-Version', ['13']],
  ]).filter(([name]) => name !== 'Accept');
  const routeKey = r.routeKey ?? '$connect';
  return {
    type: 'REQUEST',
    methodArn: `${r.arnPrefix}/${routeKey}`,
    headers: lastValues(headers),
    multiValueHeaders: allValues(headers),
    ...(r.query.length && { queryStringParameters: lastValues(r.query), multiValueQueryStringParameters: allValues(r.query) }),
    stageVariables: r.stageVariables ?? {},
    requestContext: {
      routeKey,
      eventType: 'CONNECT',
      extendedRequestId: IDS.extendedRequestId,
      requestTime: r.time,
      messageDirection: 'IN',
      stage: r.stage,
      connectedAt: r.epochMs,
      requestTimeEpoch: r.epochMs,
      identity: { userAgent: r.userAgent, sourceIp: r.sourceIp },
      requestId: IDS.extendedRequestId,
      domainName: r.domainName,
      connectionId: IDS.connectionId,
      apiId: r.apiId,
    },
  };
}

const BUILDERS = { 'rest-token': restToken, 'rest-request': restRequest, 'http-v1': httpV1, 'http-v2': httpV2, websocket };

/** The shapes `apigwEvent` builds. */
export const eventShapes = Object.freeze(Object.keys(BUILDERS));

/**
 * An authorizer event of `shape` (`rest-token`, `rest-request`, `http-v1`, `http-v2`,
 * `websocket`) as API Gateway sends it for the request: `token` goes in `Authorization: Bearer …`
 * (a `TOKEN` event's `authorizationToken`), `headers`, `query` (values: a string or a list) and
 * `cookies` (an object, or `name=value` strings) where the shape carries them.
 *
 * @example
 * await handler(apigwEvent('http-v2', { method: 'POST', path: '/pets', token }));
 */
export function apigwEvent(shape, options = {}) {
  const build = BUILDERS[shape];
  if (!build) throw optionsError('shape', `one of ${eventShapes.join(', ')}`);
  return build(requestOf(shape, options ?? {}));
}
