// The authorizer: verifier options + one key source per issuer + a policy, deciding API Gateway
// events (Lambda) or plain requests (edge middleware). The decision is made in Rust; this file
// supplies what Rust must not do: fetching keys, the clock and logging.
import * as wasm from '../../dist/web/jwtgate.js';
import { KeySet, Policy, ensureLoaded, secretKeySet, epochSeconds, handleOf, prefersWebCrypto, verifyAsynchronously, writeInput } from '../core/api.mjs';
import { call, fromWasm, optionsError } from '../core/errors.mjs';
import { remoteKeySet } from '../io/jwks.mjs';
import { guardStore } from '../io/stores/guard.mjs';
import { memoryStore } from '../io/stores/memory.mjs';

import { writeFrame } from '../core/frame.mjs';
import { core } from '../core/manifest.mjs';

// The options this layer handles itself; the verifier's and the authorizer's come from the core.
const KEY_SOURCES = ['keys', 'jwks', 'jwksUri', 'secret'];
const OWN_OPTIONS = ['policy', 'issuers', 'log', 'logClaims', 'currentDate', 'fetch', 'jwksTimeoutMs', 'jwksCooldownMs', 'jwksMaxStaleMs', 'jwksStore', 'jwksSnapshot', 'replayStore'];

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
    case 'secret':
      return { keys: secretKeySet(entry.secret, entry.algorithms) };
    case 'jwksUri':
      return { remote: remoteKeySet({ jwksUri: entry.jwksUri, ...jwksOptions, snapshot: entry.jwksSnapshot }) };
    default:
      if (typeof entry.issuer !== 'string') {
        throw optionsError('jwksUri', 'give a key source: `issuer` (OIDC discovery), `jwksUri`, `jwks`, `secret` or `keys`');
      }
      return { remote: remoteKeySet({ issuer: entry.issuer, ...jwksOptions, snapshot: entry.jwksSnapshot }) };
  }
}

/** Where DPoP replay keys go: the given store (guarded), else a bounded one in this instance's memory. */
function replayStoreOf(store) {
  return store === undefined ? memoryStore() : guardStore(store);
}

/** The outcome's error as a JwtGateError, with every field the core gave it. */
function errorOf(outcome) {
  return outcome.error && fromWasm(outcome.error);
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
  #writer; // writes the members of an event that the core reads into wasm memory (eventWriter)
  #documents = new Map(); // id -> policy document of a cached answer (parsed)
  #cacheReport; // the wasm's report, once asked for (null without a policy)
  #replays; // where DPoP proofs' replay keys are recorded (a store: src/io/stores)

  constructor(options = {}) {
    ensureLoaded();
    if (options === null || typeof options !== 'object') throw optionsError('options', 'must be an object');
    const { verifierOptions, authorizerOptions } = core();
    const known = new Set([...verifierOptions, ...KEY_SOURCES, ...authorizerOptions, ...OWN_OPTIONS]);
    const unknown = Object.keys(options).find((name) => !known.has(name));
    if (unknown) throw optionsError(unknown, 'unknown option');
    const { policy, issuers, log = true, logClaims = false, currentDate, replayStore } = options;
    this.#replays = replayStoreOf(replayStore);
    if (currentDate !== undefined) epochSeconds(currentDate);
    this.#log = logSink(log);
    this.#logClaims = logClaims === true;
    this.#currentDate = currentDate;

    const compiled = policy === undefined || policy instanceof Policy ? policy : new Policy(policy);
    const settings = JSON.stringify(pick(options, authorizerOptions));
    this.#handle = call(() => new wasm.Authorizer(settings));
    this.#writer = eventWriter(this.#handle);
    if (compiled) this.#handle.setPolicy(handleOf(compiled));

    const jwksOptions = pick(
      { fetch: options.fetch, timeoutMs: options.jwksTimeoutMs, cooldownMs: options.jwksCooldownMs, maxStaleMs: options.jwksMaxStaleMs, store: options.jwksStore },
      ['fetch', 'timeoutMs', 'cooldownMs', 'maxStaleMs', 'store'],
    );
    const defaults = pick(options, [...verifierOptions, ...KEY_SOURCES, 'jwksSnapshot']);
    if (issuers !== undefined && !(Array.isArray(issuers) && issuers.length > 0)) throw optionsError('issuers', 'must be a non-empty array');
    const entries = issuers ? issuers.map((entry) => ({ ...pick(defaults, verifierOptions), ...entry })) : [defaults];
    for (const entry of entries) this.#addIssuer(entry, jwksOptions, entries.length > 1);
  }

  #addIssuer(entry, jwksOptions, named) {
    const source = keySource(entry, jwksOptions);
    const verifier = call(() => new wasm.Verifier(JSON.stringify(pick(entry, core().verifierOptions))));
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
    // Not worked out at all without a log to read it: it costs a cold start tens of ms.
    if (!this.#log) return;
    const report = this.cacheReport();
    if (report && (!report.exact || report.remedies.length > 0)) {
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
      const first = call(() => this.#handle.prepareDirect(request, now));
      if (typeof first === 'string') return JSON.parse(first); // decided without a deferred signature
      const [issuer, alg, candidates, input, signature] = first;
      const source = this.#sources[issuer];
      const keys = source.current;
      const valid = await verifyAsynchronously(handleOf(keys), candidates, alg, input, signature);
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
    const { full, brief } = core().detail;
    return this.#handleEvent(event, this.#now(currentDate), detail || this.#logClaims ? full : brief);
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
    const { full, brief, answer } = core().detail;
    const level = this.#logClaims ? full : this.#log ? brief : answer;
    const decided = this.#handleEvent(event, this.#now(), level);
    // Awaited only when keys had to be fetched: awaiting an outcome costs a microtask turn.
    const outcome = decided instanceof Promise ? await decided : decided;
    if (outcome.status === 401) throw new Error('Unauthorized');
    return outcome.response;
  }

  /** The outcome at a detail level; not a promise when no key set has to be fetched. */
  #handleEvent(event, now, level) {
    const started = this.#log && performance.now(); // for the log's latency only
    // Written into wasm memory on each pass: a key fetch between two passes may have reused it.
    // Text over Rust's size limit in UTF-16 units already is not copied into wasm memory (the
    // input buffer keeps its size): a length over the limit makes Rust refuse it.
    const framed = typeof event !== 'string';
    const { maxDocumentBytes } = core().limits;
    const length = framed ? () => this.#writer(event)
      : () => (event.length > maxDocumentBytes ? maxDocumentBytes + 1 : writeInput(event));
    const decided = this.#decide(() => this.#eventOutcome(this.#handle.handleEvent(length(), now, level, framed)));
    if (!(decided instanceof Promise) && decided.replay === undefined) return this.#emit(decided, started);
    return Promise.resolve(decided)
      .then((outcome) => this.#unreplayed(outcome, now))
      .then((outcome) => this.#emit(outcome, started));
  }

  /**
   * The outcome, or its refusal as a replay when the store holds its DPoP proof's key already
   * (another instance may have seen it). A store that fails or is too slow rejects: the request
   * is refused (503 at the edge, an error from a Lambda), never let through unchecked.
   */
  async #unreplayed(outcome, now) {
    const replay = outcome.replay;
    if (replay === undefined || outcome.status !== 200) return outcome;
    const first = await this.#replays.putIfAbsent(`dpop:${replay.key}`, '1', replay.ttlMs);
    return first ? outcome : JSON.parse(call(() => this.#handle.replayed(JSON.stringify(outcome), now)));
  }

  /**
   * An event's outcome from its JSON text. Rust names a cached answer's policy document by id
   * (answers are shared by principals with the same grants); it is parsed once per id and copied
   * into each answer, so that a caller changing one answer cannot change the next.
   */
  #eventOutcome(text) {
    const outcome = JSON.parse(text);
    const response = outcome.response;
    if (typeof response?.policyDocument === 'number') response.policyDocument = copyJson(this.#policyDocument(response.policyDocument));
    return outcome;
  }

  /** The policy document `id`, asked for right after the outcome that named it (Rust keeps that one). */
  #policyDocument(id) {
    let document = this.#documents.get(id);
    if (document === undefined) {
      const text = this.#handle.policyDocumentJson(id);
      if (text === undefined) throw new Error(`jwtgate: policy document ${id} was not kept`);
      // As many as the core keeps answers.
      if (this.#documents.size >= core().limits.maxCachedGrants) this.#documents.clear();
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
  async authorize({ token, method = 'GET', path = '/', headers = {}, query = {}, url, clientCert, cloudflareTls, currentDate } = {}) {
    const started = performance.now();
    const now = this.#now(currentDate);
    const request = JSON.stringify({ token, method, path, headers: plainHeaders(headers), query: plainHeaders(query), url, clientCert, cloudflareTls });
    const decided = prefersWebCrypto()
      ? await this.#decideAsync(request, now)
      : await this.#decide(() => JSON.parse(call(() => this.#handle.authorize(request, now))));
    const outcome = await this.#unreplayed(decided, now);
    this.#emit(outcome, started);
    return {
      allowed: outcome.status === 200,
      status: outcome.status,
      decision: outcome.decision,
      principalId: outcome.principalId,
      context: outcome.context,
      payload: outcome.payload,
      error: errorOf(outcome),
      binding: outcome.binding,
      challenge: outcome.challenge,
      dpopNonce: outcome.dpopNonce,
    };
  }

  /** One structured log line per decision; never the token, claim values only if asked. Returns the outcome. */
  #emit(outcome, started) {
    if (this.#log) this.#log(decisionLine('jwtgate decision', outcome, started, this.#logClaims));
    return outcome;
  }
}

/**
 * `event →` the frame (src/frame.rs) of the members of an API Gateway event that the core
 * reads (its manifest's `event` plan, `EventPlan` in src/apigw/event.rs), written into wasm's
 * input buffer; returns its length. The rest (`requestContext.identity` but for a client
 * certificate, other headers, …) is not copied: of the header maps only the headers that can
 * carry the token, of the query maps only the token parameter (the authorizer's `carriers()`).
 * Anything that is not a plain object goes as JSON text, for Rust to refuse.
 */
function eventWriter(handle) {
  const { members, nested, headerMaps, queryMaps } = core().event;
  const [headers, query] = JSON.parse(handle.carriers());
  const carriers = { names: new Set(headers), lengths: [...new Set(headers.map((name) => name.length))] };
  /** The plan of the members `names` (at `path` in the event): `[name, role, plan of its members]`. */
  const planOf = (names, path) => names.map((name) => {
    const at = path === undefined ? name : `${path}.${name}`;
    return nested[at] === undefined ? [name, WHOLE] : [name, PICK, planOf(nested[at], at)];
  });
  const roles = new Map(planOf(members).map((entry) => [entry[0], entry]));
  for (const name of headerMaps) roles.set(name, [name, CARRIERS]);
  // Without a token parameter the query maps are not read at all.
  for (const name of queryMaps) {
    if (query === null) roles.delete(name);
    else roles.set(name, [name, PICK, [[query, WHOLE]]]);
  }
  const plan = [...roles.values()];
  return (given) => writeFrame((w) => {
    if (isObject(given)) writeMembers(w, given, plan, carriers);
    else if (!w.value(given ?? null)) w.json(null);
  });
}

// How a member named in the event plan is written: whole, some of its members, or (a header
// map) its token carriers.
const WHOLE = 0;
const PICK = 1;
const CARRIERS = 2;

/** The members of `object` that `plan` names, each as its role says. */
function writeMembers(w, object, plan, carriers) {
  const start = w.open();
  let count = 0;
  for (let i = 0; i < plan.length; i++) {
    const [name, role, members] = plan[i];
    const member = object[name];
    if (member === undefined) continue;
    const mark = w.name(name);
    let written;
    if (role === WHOLE || !isObject(member)) written = w.value(member);
    else written = role === PICK ? writeMembers(w, member, members, carriers) : writeCarriers(w, member, carriers);
    if (written) count++;
    else w.rewind(mark);
  }
  return w.close(start, count);
}

/** The headers of `map` that can carry the token (any case), with their values. */
function writeCarriers(w, map, { names, lengths }) {
  const start = w.open();
  let count = 0;
  for (const name of Object.keys(map)) {
    // Most headers differ in length from every carrier name: skip them without lower-casing.
    if (!lengths.includes(name.length) || !names.has(name.toLowerCase()) || map[name] === undefined) continue;
    const mark = w.name(name);
    if (w.value(map[name])) count++;
    else w.rewind(mark);
  }
  return w.close(start, count);
}

/**
 * A copy of a JSON value (objects, arrays, strings, numbers, booleans, null), so that a caller
 * changing one answer's policy document cannot change the next: a walk over what is there,
 * faster than a generic deep copy (`structuredClone`) of such small documents. Exported for
 * the tests.
 */
export function copyJson(value) {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value === null || typeof value !== 'object') return value;
  const copy = {};
  for (const name of Object.keys(value)) copy[name] = copyJson(value[name]);
  return copy;
}

/** `log` as the authorizers take it: `true` (a JSON line on the console), `false`, or a function. */
export function logSink(log) {
  if (log === true) return (line) => console.log(JSON.stringify(line));
  if (log === false) return undefined;
  if (typeof log === 'function') return log;
  throw optionsError('log', 'must be a boolean or a function');
}

/** The log line of a decision (`msg` says whose): never the token; the trace, which may hold claim values, only if asked. */
export function decisionLine(msg, outcome, started, withTrace) {
  const line = {
    msg,
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
  if (withTrace) line.trace = outcome.decision?.trace;
  return line;
}

export function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The members of `from` named in `names` (own or inherited, as JSON.stringify would not care). */
export function pick(from, names) {
  const out = {};
  for (const name of names) if (from[name] !== undefined) out[name] = from[name];
  return out;
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
