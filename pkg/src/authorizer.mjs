// The authorizer: verifier options + one key source per issuer + a policy, deciding API Gateway
// events (Lambda) or plain requests (edge middleware). The decision is made in Rust; this file
// supplies what Rust must not do: fetching keys, the clock and logging.
import * as wasm from '../dist/web/jwtgate.js';
import { KeySet, Policy, JwtGateError, ensureLoaded, epochSeconds, handleOf, prefersWebCrypto, writeInput } from './api.mjs';
import { call, optionsError } from './errors.mjs';
import { remoteKeySet } from './jwks.mjs';
import { verifyWithWebCrypto } from './webcrypto.mjs';

const VERIFIER_OPTIONS = [
  'issuer', 'audience', 'algorithms', 'clockTolerance', 'maxTokenAge', 'subject', 'typ',
  'requiredClaims', 'requireExpiration', 'maxTokenLength', 'clientId', 'tokenUse',
];
const KEY_SOURCES = ['keys', 'jwks', 'jwksUri', 'secret'];
/** Rust's limit on documents and events (`MAX_DOCUMENT_BYTES`). */
const MAX_EVENT_BYTES = 1 << 20;
/** A length beyond any input buffer (the largest wasm32 `usize`). */
const NOT_COPIED = 2 ** 32 - 1;
/** How much an outcome tells (Rust's `apigw::Detail`): the answer only, enough for the log, everything. */
const ANSWER = 0;
const BRIEF = 1;
const FULL = 2;
/** Policy documents kept by id (as many as Rust keeps answers: `MAX_CACHED_GRANTS`). */
const MAX_DOCUMENTS = 256;
const AUTHORIZER_OPTIONS = ['simpleResponses', 'tokenHeader', 'tokenQuery', 'tokenCookie', 'usageIdentifierKeyClaim'];
const OWN_OPTIONS = ['policy', 'issuers', 'log', 'logClaims', 'currentDate', 'fetch', 'jwksTimeoutMs', 'jwksCooldownMs', 'jwksMaxStaleMs'];

/** The keys of one issuer: fixed, or a shared RemoteKeySet. */
function keySource(entry, jwksOptions) {
  const given = KEY_SOURCES.filter((name) => entry[name] !== undefined);
  if (given.length > 1) throw optionsError(given[1], `give one key source, not ${given.join(' and ')}`);
  switch (given[0]) {
    case 'keys':
      if (!(entry.keys instanceof KeySet)) throw optionsError('keys', 'must be a KeySet');
      return { keys: entry.keys };
    case 'jwks':
      return { keys: KeySet.fromJwks(entry.jwks) };
    case 'secret': {
      const alg = entry.algorithms?.find((a) => /^HS\d+$/.test(a)) ?? 'HS256';
      return { keys: KeySet.fromSecret(entry.secret, { alg }) };
    }
    case 'jwksUri':
      return { remote: remoteKeySet({ jwksUri: entry.jwksUri, ...jwksOptions }) };
    default:
      if (typeof entry.issuer !== 'string') {
        throw optionsError('jwksUri', 'give a key source: `issuer` (OIDC discovery), `jwksUri`, `jwks`, `secret` or `keys`');
      }
      return { remote: remoteKeySet({ issuer: entry.issuer, ...jwksOptions }) };
  }
}

/** The outcome's error as a JwtGateError. */
function errorOf(outcome) {
  const e = outcome.error;
  return e && new JwtGateError(e.code, e.message, { claim: e.claim });
}

/**
 * Verifies a request's token and decides it against the policy.
 *
 * @example
 * const authorizer = new Authorizer({ issuer: 'https://idp.example', audience: 'api', policy });
 * const result = await authorizer.authorize({ token, method: 'GET', path: '/pets/7' });
 * result.allowed; result.status; // 200, 401 or 403
 */
export class Authorizer {
  #handle;
  #sources = []; // per issuer: { keys?: KeySet, remote?: RemoteKeySet, current?: KeySet }
  #log;
  #logClaims;
  #currentDate;
  #carriers;
  #documents = new Map(); // id -> policy document of a cached answer (parsed)
  #cacheReport; // the wasm's report, once asked for (null without a policy)

  constructor(options = {}) {
    ensureLoaded();
    if (options === null || typeof options !== 'object') throw optionsError('options', 'must be an object');
    const known = new Set([...VERIFIER_OPTIONS, ...KEY_SOURCES, ...AUTHORIZER_OPTIONS, ...OWN_OPTIONS]);
    const unknown = Object.keys(options).find((name) => !known.has(name));
    if (unknown) throw optionsError(unknown, 'unknown option');
    const { policy, issuers, log = true, logClaims = false, currentDate } = options;
    if (currentDate !== undefined) epochSeconds(currentDate);
    if (!(log === true || log === false || typeof log === 'function')) throw optionsError('log', 'must be a boolean or a function');
    this.#log = log === true ? (line) => console.log(JSON.stringify(line)) : log || undefined;
    this.#logClaims = logClaims === true;
    this.#currentDate = currentDate;

    this.#carriers = carrierNames(options);
    const compiled = policy === undefined || policy instanceof Policy ? policy : new Policy(policy);
    const settings = JSON.stringify(pick(options, AUTHORIZER_OPTIONS));
    this.#handle = call(() => new wasm.Authorizer(settings));
    if (compiled) this.#handle.setPolicy(handleOf(compiled));

    const jwksOptions = pick(
      { fetch: options.fetch, timeoutMs: options.jwksTimeoutMs, cooldownMs: options.jwksCooldownMs, maxStaleMs: options.jwksMaxStaleMs },
      ['fetch', 'timeoutMs', 'cooldownMs', 'maxStaleMs'],
    );
    const defaults = pick(options, [...VERIFIER_OPTIONS, ...KEY_SOURCES]);
    if (issuers !== undefined && !(Array.isArray(issuers) && issuers.length > 0)) throw optionsError('issuers', 'must be a non-empty array');
    const entries = issuers ? issuers.map((entry) => ({ ...pick(defaults, VERIFIER_OPTIONS), ...entry })) : [defaults];
    for (const entry of entries) this.#addIssuer(entry, jwksOptions, entries.length > 1);
  }

  #addIssuer(entry, jwksOptions, named) {
    const source = keySource(entry, jwksOptions);
    const verifier = call(() => new wasm.Verifier(JSON.stringify(pick(entry, VERIFIER_OPTIONS))));
    const initial = source.keys ?? KeySet.fromJwks({ keys: [] });
    const name = named ? entry.issuer : undefined;
    if (named && typeof name !== 'string') throw optionsError('issuers', 'each issuer needs its `issuer`');
    call(() => this.#handle.addIssuer(name, verifier, handleOf(initial)));
    this.#sources.push({ ...source, current: initial });
  }

  /**
   * Which principal classes get an inexact (narrowed) cached IAM answer, and why, with the
   * remedies: `{ exact, routeDependent, classesChecked, allClasses, inexact: [{ meets,
   * narrowed: [{ rule, route, resource, reason }], overDenied }], largestAnswerBytes, remedies }`;
   * `undefined` without a policy. Worked out by the wasm core once, on the first call.
   *
   * @example
   * const report = authorizer.cacheReport();
   * if (!report.exact) console.warn(report.remedies.join(' '));
   */
  cacheReport() {
    if (this.#cacheReport === undefined) {
      const text = this.#handle.cacheReport();
      this.#cacheReport = text === undefined ? null : JSON.parse(text);
    }
    return this.#cacheReport ?? undefined;
  }

  /**
   * Logs the cache report once, where it asks for something: an inexact answer, or a remedy
   * (for a Lambda's init phase, so that nobody learns of it from a 403).
   */
  logCacheReport() {
    const report = this.cacheReport();
    if (this.#log && report && (!report.exact || report.remedies.length > 0)) {
      this.#log({ msg: 'jwtgate cache report', ...report });
    }
  }

  /** Fetches every remote key set now (for a Lambda's init phase); rejects if one cannot be loaded. */
  async hydrate() {
    await Promise.all(this.#sources.map((source, index) => source.remote && this.#load(index)));
  }

  async #load(index, kid) {
    const source = this.#sources[index];
    const keys = await source.remote.getKeySet(kid === undefined ? undefined : { kid });
    if (keys === source.current) return false;
    source.current = keys;
    this.#handle.setKeys(index, handleOf(keys));
    return true;
  }

  /**
   * No keys for issuer `index`: its remote set could not be loaded, and the last one is past
   * `maxStaleMs`. Its tokens then find no key, and the refetch that follows fails as a first
   * load does (a 503 at the edge, an error from a Lambda).
   */
  #withdraw(index) {
    const source = this.#sources[index];
    if (source.current.keys.length > 0) {
      source.current = KeySet.fromJwks({ keys: [] });
      this.#handle.setKeys(index, handleOf(source.current));
    }
    return false;
  }

  /**
   * Keeps cached remote sets current; a failing IdP is dealt with when its keys are needed.
   * Returns a promise only when some set has to be (re)fetched, so a warm Lambda decides
   * without waiting for anything.
   */
  #refresh() {
    let pending;
    this.#sources.forEach((source, index) => {
      if (source.remote && source.remote.cachedKeySet() !== source.current) {
        (pending ??= []).push(this.#load(index).catch(() => this.#withdraw(index)));
      }
    });
    return pending && Promise.all(pending);
  }

  /**
   * Runs `decide` (→ an outcome, or a promise of one) once, and once more after fetching keys
   * when the token's `kid` was unknown. Returns the outcome itself, not a promise, when no key
   * set has to be fetched and `decide` answers synchronously: a warm Lambda then decides
   * without waiting on the microtask queue.
   */
  #decide(decide) {
    const refreshing = this.#refresh();
    return refreshing ? refreshing.then(() => this.#decideWithKeys(decide)) : this.#decideWithKeys(decide);
  }

  #decideWithKeys(decide) {
    const outcome = decide();
    if (outcome instanceof Promise) return outcome.then((o) => this.#retryUnknownKid(o, decide));
    return outcome.refetch ? this.#retryUnknownKid(outcome, decide) : outcome;
  }

  async #retryUnknownKid(outcome, decide) {
    const refetch = outcome.refetch;
    if (refetch && this.#sources[refetch.issuer].remote && (await this.#load(refetch.issuer, refetch.kid ?? ''))) {
      return decide();
    }
    return outcome;
  }

  /** `#decide` with the signature checked by WebCrypto between two passes through Rust. */
  async #decideAsync(request, now) {
    return this.#decide(async () => {
      const first = JSON.parse(call(() => this.#handle.prepareDirect(request, now)));
      if (first.outcome) return first.outcome;
      const { issuer, alg, candidates, input, signature } = first.pending;
      const source = this.#sources[issuer];
      const keys = source.current;
      const valid = await verifyWithWebCrypto(handleOf(keys), candidates, alg, input, new Uint8Array(signature));
      // Not importable, or the issuer's keys were replaced meanwhile (a concurrent fetch): the
      // second pass would apply the verdict to the new keys' candidates, so wasm decides alone.
      if (valid === undefined || source.current !== keys) return JSON.parse(call(() => this.#handle.authorize(request, now)));
      return JSON.parse(call(() => this.#handle.finishDirect(request, now, valid)));
    });
  }

  #now(currentDate) {
    const date = currentDate ?? this.#currentDate;
    return date === undefined ? Math.floor(Date.now() / 1000) : epochSeconds(date);
  }

  /**
   * Authorizes an API Gateway authorizer event (any of the five shapes). `detail: false` leaves
   * the claims (`payload`), the decision trace and the top-level `context` (the response
   * carries it) out of the outcome, which is faster.
   * @returns {Promise<object>} the outcome: `{ status, shape, response?, decision?, error?, principalId?, context?, route? }`
   */
  async handleEvent(event, { currentDate, detail = true } = {}) {
    return this.#handleEvent(event, this.#now(currentDate), detail || this.#logClaims ? FULL : BRIEF);
  }

  /**
   * What a Lambda authorizer returns to API Gateway for `event` (any of the five shapes): the
   * response (an IAM policy, or a simple response), or a rejection with `Error('Unauthorized')`
   * (401), the message API Gateway expects. `createLambdaAuthorizer` wraps this; call it from
   * your own handler to add to it. Decides as `handleEvent` does, but gets back only the answer
   * (and what the decision log needs, when logging), which is faster.
   * @example
   * export const handler = async (event) => authorizer.respond(event);
   */
  async respond(event) {
    const level = this.#logClaims ? FULL : this.#log ? BRIEF : ANSWER;
    const decided = this.#handleEvent(event, this.#now(), level);
    // Awaited only when keys had to be fetched: awaiting an outcome costs a microtask turn.
    const outcome = decided instanceof Promise ? await decided : decided;
    if (outcome.status === 401) throw new Error('Unauthorized');
    return outcome.response;
  }

  /** The outcome at a detail level; not a promise when no key set has to be fetched. */
  #handleEvent(event, now, level) {
    const started = this.#log && performance.now(); // for the log's latency only
    const text = typeof event === 'string' ? event : eventJson(readFields(event, this.#carriers));
    // Written into wasm memory on each pass: a key fetch between two passes may have reused it.
    // An event over Rust's size limit in UTF-16 units already is not copied into wasm memory
    // (the input buffer keeps its size): a length past the buffer makes Rust refuse it.
    const length = () => (text.length > MAX_EVENT_BYTES ? NOT_COPIED : writeInput(text));
    const decided = this.#decide(() => this.#eventOutcome(this.#handle.handleEvent(length(), now, level)));
    if (!(decided instanceof Promise)) return this.#emit(decided, started);
    return decided.then((outcome) => this.#emit(outcome, started));
  }

  /**
   * An event's outcome from its JSON text. Rust names a cached answer's policy document by id
   * (answers are shared by principals with the same grants); it is parsed once per id and copied
   * into each answer, so that a caller changing one answer cannot change the next.
   */
  #eventOutcome(text) {
    const outcome = JSON.parse(text);
    const response = outcome.response;
    if (typeof response?.policyDocument === 'number') response.policyDocument = copyDocument(this.#policyDocument(response.policyDocument));
    return outcome;
  }

  /** The policy document `id`, asked for right after the outcome that named it (Rust keeps that one). */
  #policyDocument(id) {
    let document = this.#documents.get(id);
    if (document === undefined) {
      const text = this.#handle.policyDocumentJson(id);
      if (text === undefined) throw new Error(`jwtgate: policy document ${id} was not kept`);
      if (this.#documents.size >= MAX_DOCUMENTS) this.#documents.clear();
      document = JSON.parse(text);
      this.#documents.set(id, document);
    }
    return document;
  }

  /**
   * Authorizes a plain request: `{ token?, method, path, headers?, query?, currentDate? }` (the
   * token is read from `headers`, `query` or a cookie, as configured, when not given). Resolves to `{ allowed, status, decision, principalId,
   * context, payload, error }`; `status` is 200, 401 (no valid token) or 403 (policy denied).
   */
  async authorize({ token, method = 'GET', path = '/', headers = {}, query = {}, currentDate } = {}) {
    const started = performance.now();
    const now = this.#now(currentDate);
    const request = JSON.stringify({ token, method, path, headers: plainHeaders(headers), query: plainHeaders(query) });
    const outcome = prefersWebCrypto()
      ? await this.#decideAsync(request, now)
      : await this.#decide(() => JSON.parse(call(() => this.#handle.authorize(request, now))));
    this.#emit(outcome, started);
    return {
      allowed: outcome.status === 200,
      status: outcome.status,
      decision: outcome.decision,
      principalId: outcome.principalId,
      context: outcome.context,
      payload: outcome.payload,
      error: errorOf(outcome),
    };
  }

  /** One structured log line per decision; never the token, claim values only if asked. Returns the outcome. */
  #emit(outcome, started) {
    if (!this.#log) return outcome;
    const line = {
      msg: 'jwtgate decision',
      decision: outcome.status === 200 ? 'allow' : outcome.status === 403 ? 'deny' : 'unauthorized',
      status: outcome.status,
      shape: outcome.shape,
      route: outcome.route,
      rule: outcome.decision?.rule,
      reason: outcome.decision?.reason ?? outcome.error?.message,
      code: outcome.error?.code,
      principal: outcome.principalId,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    // A simple response holds no route: API Gateway's cached answer is reused for every route.
    // Said on the first such line of each authorizer (a Lambda container), not on every one.
    if (this.#logClaims) line.trace = outcome.decision?.trace;
    this.#log(line);
    return outcome;
  }
}

/**
 * The lower-cased names of the token header and of the headers that can carry a token (and
 * their lengths, a cheap first filter), and the query parameter (if any).
 */
function carrierNames({ tokenHeader = 'authorization', tokenCookie, tokenQuery }) {
  const token = String(tokenHeader).toLowerCase();
  const headers = new Set([token]);
  if (tokenCookie !== undefined) headers.add('cookie');
  return { token, headers, lengths: new Set([...headers].map((name) => name.length)), query: tokenQuery };
}

/**
 * The members of an API Gateway event the decision reads (see src/apigw/event.rs), so that the
 * rest (`requestContext.identity`, client certificates, other headers, …) is neither
 * serialized nor parsed: of the header maps, only headers that can carry the token, and of the
 * query string only the token parameter. Anything that is not a plain object goes through
 * unchanged, for Rust to refuse.
 */
function readFields(event, carriers) {
  if (!isObject(event)) return event ?? null;
  // Destructured, not picked by a list of names: loads from one site per name stay monomorphic.
  // Members left undefined are dropped by JSON.stringify, as missing ones.
  const { type, version, methodArn, routeArn, authorizationToken, httpMethod, path, rawPath, cookies } = event;
  const fields = { type, version, methodArn, routeArn, authorizationToken, httpMethod, path, rawPath, cookies };
  const { headers, multiValueHeaders: multi, queryStringParameters: query, multiValueQueryStringParameters: multiQuery, requestContext: context } = event;
  if (headers !== undefined) {
    fields.headers = isObject(headers) ? carrierHeaders(headers, carriers) : headers;
  }
  if (multi !== undefined) {
    fields.multiValueHeaders = isObject(multi) ? multiValueCarriers(multi, carriers) : multi;
  }
  if (carriers.query !== undefined && query !== undefined) {
    fields.queryStringParameters = isObject(query) ? pick(query, [carriers.query]) : query;
  }
  // The token parameter's values, for Rust to refuse a repeated one (ambiguous).
  if (carriers.query !== undefined && multiQuery !== undefined) {
    fields.multiValueQueryStringParameters = isObject(multiQuery) ? pick(multiQuery, [carriers.query]) : multiQuery;
  }
  if (isObject(context)) {
    const { stage, routeKey, eventType, connectionId, http } = context;
    fields.requestContext = { stage, routeKey, eventType, connectionId, http };
  } else if (context !== undefined) {
    fields.requestContext = context;
  }
  return fields;
}

/**
 * `JSON.stringify(fields)` for readFields' output (the same members with the same values, for
 * anything an event holds: strings, numbers, booleans, null, plain objects and arrays), faster: the token
 * (in `authorizationToken` or a header) is most of an event's text, and JSON.stringify's escape
 * scan of it costs more than the rest of the event. A string of printable ASCII without `"` or
 * `\` needs no escaping, which one regular-expression test settles. Exported for the tests.
 */
export function eventJson(fields) {
  if (!isObject(fields)) return JSON.stringify(fields);
  const { headers, authorizationToken } = fields;
  // `fields` is readFields' own object, serialized once and then dropped: the members quoted
  // here are taken out of it before JSON.stringify sees it.
  let text = '{';
  if (authorizationToken !== undefined) {
    const token = quoted(authorizationToken);
    if (token !== undefined) text += `"authorizationToken":${token},`;
    fields.authorizationToken = undefined;
  }
  // readFields built `headers` when it is an object; anything else is the event's own value.
  if (isObject(headers)) {
    text += `"headers":${objectJson(headers)},`;
    fields.headers = undefined;
  }
  const rest = JSON.stringify(fields);
  if (rest !== '{}') return text + rest.slice(1);
  return text === '{' ? rest : `${text.slice(0, -1)}}`; // no trailing comma
}

const NEEDS_NO_ESCAPES = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quoted(value) {
  return typeof value === 'string' && NEEDS_NO_ESCAPES.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** A plain object of our own making (own enumerable members only), its values `quoted`. */
function objectJson(object) {
  let text = '';
  for (const name of Object.keys(object)) {
    const json = quoted(object[name]);
    // JSON.stringify leaves out members it cannot write (undefined, functions).
    if (json !== undefined) text += `${text ? ',' : ''}${JSON.stringify(name)}:${json}`;
  }
  return `{${text}}`;
}

/**
 * A copy of a policy document as Rust writes it (`policy_document` in src/apigw/response.rs):
 * `{ Version, Statement: [{ Action, Effect, Resource: [...] }] }`, every other value a string.
 * Spreads copy each object whole, three times faster than a generic deep copy. Exported for the
 * tests.
 */
export function copyDocument(document) {
  return { ...document, Statement: document.Statement.map((statement) => ({ ...statement, Resource: [...statement.Resource] })) };
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The members of `from` named in `names` (own or inherited, as JSON.stringify would not care). */
function pick(from, names) {
  const out = {};
  for (const name of names) if (from[name] !== undefined) out[name] = from[name];
  return out;
}

/** The carrier headers, with their original case. */
function carrierHeaders(headers, { headers: names, lengths }) {
  const out = {};
  for (const name in headers) {
    // Most headers differ in length from every carrier name: skip them without lower-casing.
    if (lengths.has(name.length) && names.has(name.toLowerCase()) && Object.hasOwn(headers, name)) {
      out[name] = headers[name];
    }
  }
  return out;
}

/**
 * The multi-value carrier entries Rust reads (`token_from_request` in src/apigw/event.rs):
 * - the token header's (every case variant) when Rust may find it ambiguous. Rust adds up the
 *   values of all variants: two variants of one value each are as ambiguous as one of two
 *   values. Below two values they cannot change the decision, and leaving them out spares
 *   sending the token a second time;
 * - the `Cookie` headers' (when a token cookie is configured), always: Rust reads cookies from
 *   there when present, since `headers` keeps only one of several `Cookie` headers.
 */
function multiValueCarriers(multi, carriers) {
  const found = carrierHeaders(multi, carriers);
  let values = 0;
  for (const name of Object.keys(found)) {
    if (name.toLowerCase() !== carriers.token) continue;
    const value = found[name];
    // Anything but a list is kept, for Rust to read as it would in the event's text.
    values += Array.isArray(value) ? value.length : Infinity;
  }
  if (values > 1 || carriers.token === 'cookie') return found;
  // A new object rather than `delete`: that would make this one slower to serialize.
  const cookies = {};
  for (const name of Object.keys(found)) if (name.toLowerCase() === 'cookie') cookies[name] = found[name];
  return cookies;
}

/**
 * Headers (or query parameters) from a plain object, a `Headers`/`URLSearchParams` or pairs. A
 * name given more than once keeps all its values, as a list: a repeated token carrier is then
 * refused as ambiguous, not read at one of its values (the backend might read another).
 */
function plainHeaders(headers) {
  if (headers && typeof headers.entries === 'function' && !Array.isArray(headers)) return fromPairs(headers.entries());
  if (Array.isArray(headers)) return fromPairs(headers);
  return headers ?? {};
}

function fromPairs(pairs) {
  const out = Object.create(null); // a `__proto__` name is a name like any other
  for (const [name, value] of pairs) {
    if (!Object.hasOwn(out, name)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}
