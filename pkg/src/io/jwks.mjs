// Fetching and caching of remote JSON Web Key Sets, for the Lambda authorizer and the edge
// middleware (the Rust core never does I/O). Runtime-neutral: only the global `fetch`,
// `AbortController`, `setTimeout` and `Date.now` are used, so it runs in Node, workerd and
// browsers alike.
import { JwtGateError, isReady, remoteJwksKeySet } from '../core/api.mjs';
import { optionsError } from '../core/errors.mjs';
import { guardStore } from './stores/guard.mjs';

/** A remote JWKS, fetched on demand and cached; see `getKeySet` for the refresh rules. */
export class RemoteKeySet {
  #jwksUri; // configured, or discovered from the issuer
  #issuer;
  #fetch;
  #now;
  #limits; // timeoutMs, cooldownMs, defaultMaxAgeMs, minMaxAgeMs, maxMaxAgeMs, maxBytes
  #cached; // { keySet, kids: Set<string>, text, fetchedAt, maxAgeMs, expiresAt }
  #fetchedAt;
  #lastError;
  #store; // guarded; shares the fetched text with other instances
  #storeKey;
  #lastStoreError;
  #snapshot; // { fetchedAt, maxAgeMs, text } until first use
  #lastAttemptAt = -Infinity;
  #inflight;

  constructor({
    jwksUri, issuer, fetch = globalThis.fetch, timeoutMs = 5000, cooldownMs = 30_000,
    defaultMaxAgeMs = 600_000, minMaxAgeMs = 60_000, maxMaxAgeMs = 86_400_000,
    maxStaleMs = 86_400_000, maxBytes = 1_048_576, now = () => Date.now(), store, snapshot,
  } = {}) {
    if ((jwksUri === undefined) === (issuer === undefined)) {
      throw optionsError('jwksUri', 'give exactly one of `jwksUri` and `issuer`');
    }
    if (jwksUri !== undefined) this.#jwksUri = checkedUrl(jwksUri, 'jwksUri');
    if (issuer !== undefined) {
      if (typeof issuer !== 'string') throw optionsError('issuer', 'must be a string');
      checkedUrl(discoveryUrl(issuer), 'issuer');
      this.#issuer = issuer;
    }
    if (typeof fetch !== 'function') throw optionsError('fetch', 'must be a function (no global fetch?)');
    if (typeof now !== 'function') throw optionsError('now', 'must be a function');
    this.#limits = { timeoutMs, cooldownMs, defaultMaxAgeMs, minMaxAgeMs, maxMaxAgeMs, maxStaleMs, maxBytes };
    for (const [field, value] of Object.entries(this.#limits)) {
      if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
        throw optionsError(field, 'must be a finite number ≥ 0');
      }
    }
    if (minMaxAgeMs > maxMaxAgeMs) throw optionsError('minMaxAgeMs', 'must not exceed `maxMaxAgeMs`');
    this.#fetch = fetch;
    this.#now = now;
    if (store !== undefined) this.#store = guardStore(store);
    this.#storeKey = `jwks:${this.#jwksUri !== undefined ? `uri ${this.#jwksUri}` : `issuer ${this.#issuer}`}`;
    this.#snapshot = checkedSnapshot(snapshot, { jwksUri: this.#jwksUri, issuer: this.#issuer });
  }

  /**
   * The current key set. Fetches on first use, when the cached set is older than its max-age,
   * and when `kid` names no cached key (a rotation). Concurrent callers share one request, and
   * attempts are at least `cooldownMs` apart, so a flood of unknown kids costs one fetch per
   * cooldown. On failure the last good set is returned (and the error kept in `lastError`)
   * until it is `maxStaleMs` past its max-age; without one, the error is thrown. (A key the IdP
   * withdrew, compromised perhaps, is not trusted for as long as the IdP cannot be reached.)
   */
  async getKeySet({ kid } = {}) {
    this.#loadSnapshot();
    const cached = this.#cached;
    if (cached && !this.#isStale(cached, kid)) return cached.keySet;
    if (this.#inflight) return this.#inflight;
    if (this.#now() - this.#lastAttemptAt < this.#limits.cooldownMs) {
      // Too soon after the last attempt: answer from the cache, or with the last failure.
      if (cached && this.#servable(cached)) return cached.keySet;
      // (No error yet only when the set outlived maxStaleMs within a cooldown of its fetch.)
      throw this.#lastError ?? new JwtGateError('ERR_JWKS_FETCH_FAILED', 'the keys are past maxStaleMs and the next fetch is not due yet');
    }
    // Checked before fetching, so a browser's missing `await init()` is not taken for an IdP failure.
    if (!isReady()) {
      throw new JwtGateError('ERR_JWTGATE_NOT_INITIALIZED', 'jwtgate is not initialized: `await init()` first (browser build)');
    }
    this.#inflight = this.#refresh(kid).finally(() => { this.#inflight = undefined; });
    return this.#inflight;
  }

  /** The cached key set while it is fresh (no fetch is due), else `undefined`; never fetches. */
  cachedKeySet() {
    this.#loadSnapshot();
    const cached = this.#cached;
    return cached && !this.#isStale(cached) ? cached.keySet : undefined;
  }

  /** Prefetches (for a Lambda init phase). Rejects only if no key set could be loaded. */
  hydrate() {
    return this.getKeySet();
  }

  /** The error of the last fetch, or undefined if it succeeded (or none happened yet). */
  get lastError() {
    return this.#lastError;
  }

  /** When (ms, by the `now` clock) the key set was last fetched successfully (here, or by whoever shared it). */
  get fetchedAt() {
    return this.#fetchedAt;
  }

  /** The error of the last read or write of the `store`, or undefined if it succeeded. */
  get lastStoreError() {
    return this.#lastStoreError;
  }

  /**
   * The current set as a snapshot (the `snapshot` option's form, JSON-serialisable), or
   * `undefined` before one is loaded.
   */
  snapshot() {
    const cached = this.#cached;
    if (cached === undefined) return undefined;
    const source = this.#issuer !== undefined ? { issuer: this.#issuer } : {};
    return { ...source, jwksUri: this.#jwksUri, fetchedAt: new Date(cached.fetchedAt).toISOString(), maxAgeMs: cached.maxAgeMs, jwks: JSON.parse(cached.text) };
  }

  /** Whether a set may still be served when a refresh fails: until `maxStaleMs` past its max-age. */
  #servable(cached) {
    return this.#now() < cached.expiresAt + this.#limits.maxStaleMs;
  }

  #isStale(cached, kid) {
    if (this.#now() >= cached.expiresAt) return true;
    return typeof kid === 'string' && !cached.kids.has(kid);
  }

  /**
   * One attempt: resolves to the new set, or the last good one; rejects if there is none. A set
   * another instance shared, newer than ours, spares the fetch if it is fresh and knows `kid`.
   */
  async #refresh(kid) {
    const startedAt = this.#now();
    this.#lastAttemptAt = startedAt;
    const shared = await this.#fromStore();
    if (shared !== undefined) this.#adopt(shared);
    if (shared !== undefined && !this.#isStale(shared, kid)) return shared.keySet;
    try {
      const entry = await this.#download(startedAt);
      this.#adopt(entry);
      this.#lastError = undefined;
      await this.#share(entry);
      return entry.keySet;
    } catch (error) {
      this.#lastError = error;
      // The IdP may have moved its JWKS: discover again next time.
      if (this.#issuer !== undefined) this.#jwksUri = undefined;
      if (this.#cached && this.#servable(this.#cached)) return this.#cached.keySet;
      throw error;
    }
  }

  #adopt(entry) {
    this.#cached = entry;
    this.#fetchedAt = entry.fetchedAt;
  }

  async #download(startedAt) {
    this.#jwksUri ??= await this.#discover();
    const url = this.#jwksUri;
    const { text, headers } = await this.#get(url);
    return this.#entry(text, startedAt, this.#maxAge(headers.get('cache-control')), `JWKS from ${url}`);
  }

  /**
   * A cache entry of JWKS text, wherever it came from (a fetch, the store, a snapshot): loaded by
   * the same Rust loader, its max-age clamped by the same limits. `source` names it in errors.
   */
  #entry(text, fetchedAt, maxAgeMs, source) {
    let keySet;
    try {
      keySet = remoteJwksKeySet(text);
    } catch (cause) {
      if (cause?.code !== 'ERR_JWKS_INVALID') throw cause;
      throw new JwtGateError('ERR_JWKS_INVALID', `${source} is invalid: ${cause.message}`, { cause });
    }
    // An empty set verifies nothing; keeping the previous keys is the safer outcome.
    if (keySet.keys.length === 0) {
      const skipped = keySet.skipped.map((s) => s.reason).join('; ');
      throw new JwtGateError('ERR_JWKS_INVALID', `${source} has no usable key${skipped ? ` (${skipped})` : ''}`);
    }
    // The `kid`s are computed once here: `KeySet#keys` crosses into wasm and parses JSON.
    const kids = new Set(keySet.keys.map((key) => key.kid).filter((kid) => kid !== undefined));
    const clamped = this.#clamped(maxAgeMs);
    return { keySet, kids, text, fetchedAt, maxAgeMs: clamped, expiresAt: fetchedAt + clamped };
  }

  /** The snapshot, as if fetched at its `fetchedAt`, once the wasm can load it; dropped if it does not load. */
  #loadSnapshot() {
    const snapshot = this.#snapshot;
    if (snapshot === undefined || !isReady()) return;
    this.#snapshot = undefined;
    try {
      const fetchedAt = this.#past(snapshot.fetchedAt, 'the JWKS snapshot');
      const entry = this.#entry(snapshot.text, fetchedAt, snapshot.maxAgeMs ?? this.#limits.defaultMaxAgeMs, 'the JWKS snapshot');
      if (this.#cached === undefined && this.#servable(entry)) this.#adopt(entry);
    } catch (error) {
      this.#lastError = error;
    }
  }

  /**
   * The set in the store if it is newer than ours and still servable, else `undefined`. The store
   * is a cache: when it fails, the keys are fetched as if it were empty.
   */
  async #fromStore() {
    if (this.#store === undefined) return undefined;
    try {
      const text = await this.#store.get(this.#storeKey);
      this.#lastStoreError = undefined;
      if (text === undefined) return undefined;
      const { fetchedAt, maxAgeMs, jwks } = storedRecord(text);
      if (this.#cached !== undefined && fetchedAt <= this.#cached.fetchedAt) return undefined;
      const entry = this.#entry(jwks, this.#past(fetchedAt, 'the stored JWKS'), maxAgeMs, 'the stored JWKS');
      return this.#servable(entry) ? entry : undefined;
    } catch (error) {
      this.#lastStoreError = error;
      return undefined;
    }
  }

  /** A fetch time, refused if it is ahead of this clock: it would buy freshness (a wrong clock, or a forgery). */
  #past(fetchedAt, source) {
    if (fetchedAt > this.#now()) throw new JwtGateError('ERR_JWKS_INVALID', `${source} says it was fetched after now`);
    return fetchedAt;
  }

  /** Hands a fetched set to the other instances, for as long as any of them may serve it. */
  async #share(entry) {
    if (this.#store === undefined) return;
    const record = JSON.stringify({ fetchedAt: entry.fetchedAt, maxAgeMs: entry.maxAgeMs, jwks: entry.text });
    try {
      await this.#store.set(this.#storeKey, record, entry.maxAgeMs + this.#limits.maxStaleMs);
      this.#lastStoreError = undefined;
    } catch (error) {
      this.#lastStoreError = error;
    }
  }

  /** The `jwks_uri` of the issuer's OpenID Connect discovery document. */
  async #discover() {
    const url = discoveryUrl(this.#issuer);
    const { text } = await this.#get(url);
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      throw new JwtGateError('ERR_JWKS_INVALID', `discovery document ${url} is not JSON: ${cause.message}`, { cause });
    }
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer asked for,
    // or keys of one issuer could be used to accept tokens of another.
    if (doc?.issuer !== this.#issuer) {
      throw new JwtGateError('ERR_JWKS_INVALID',
        `discovery document ${url} names issuer ${JSON.stringify(doc?.issuer)}, expected ${JSON.stringify(this.#issuer)}`);
    }
    if (typeof doc.jwks_uri !== 'string' || !isUrl(doc.jwks_uri)) {
      throw new JwtGateError('ERR_JWKS_INVALID', `discovery document ${url} has no valid "jwks_uri" (an https URL)`);
    }
    return doc.jwks_uri;
  }

  /** GET `url` → its body as text, within `timeoutMs` and `maxBytes`. */
  async #get(url) {
    const { timeoutMs } = this.#limits;
    const controller = new AbortController();
    let timer;
    // A race, not only the abort signal: an injected `fetch` may ignore the signal.
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const error = new JwtGateError('ERR_JWKS_TIMEOUT', `fetching ${url} timed out after ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#getUntimed(url, controller), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #getUntimed(url, controller) {
    let target = url;
    for (let redirects = 0; ; redirects += 1) {
      const response = await this.#fetchOnce(url, target, controller);
      // Redirects are followed here, each checked before it is fetched: a chain through plain
      // http could otherwise be sent anywhere by whoever sits on that hop, final URL https or not.
      const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return this.#body(url, response, controller);
      // Free the connection; an injected `fetch`'s body may be no web stream (node-fetch v2).
      Promise.resolve(response.body?.cancel?.()).catch(() => {});
      const next = resolvedUrl(location, target);
      // A remote server may not send the fetch to this machine (a local service is no IdP).
      if (next === undefined || !isUrl(next) || (isLoopback(next) && !isLoopback(target))) {
        throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url} was redirected to ${next ?? location}: keys are fetched over https only (http only from this machine to itself)`);
      }
      if (redirects === MAX_REDIRECTS) throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url}: over ${MAX_REDIRECTS} redirects`);
      target = next;
    }
  }

  async #fetchOnce(url, target, controller) {
    // Called unbound: workerd's fetch throws "Illegal invocation" when `this` is another object.
    const fetch = this.#fetch;
    try {
      return await fetch(target, { headers: { accept: 'application/json' }, signal: controller.signal, redirect: 'manual' });
    } catch (cause) {
      if (cause instanceof JwtGateError) throw cause; // our timeout
      throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url} failed: ${cause?.message ?? cause}`, { cause });
    }
  }

  /** The text of a final (not redirecting) response. */
  async #body(url, response, controller) {
    if (response.type === 'opaqueredirect') {
      // Browsers hide a manual redirect's target, so it cannot be checked.
      throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url} was redirected, and the target cannot be checked here`);
    }
    if (!response.ok) {
      controller.abort(); // the body is not wanted: free the connection
      throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url} failed: HTTP ${response.status}`);
    }
    // An injected `fetch` may follow redirects itself: keys redirected to plain http are as
    // unsafe as keys asked for there. (A Response it builds may have no URL.)
    if (response.url && !isUrl(response.url)) {
      controller.abort();
      throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `fetching ${url} was redirected to ${response.url}: keys are fetched over https only`);
    }
    const text = await readText(response, this.#limits.maxBytes, url, controller);
    return { text, headers: response.headers };
  }

  /** Cache-Control max-age; the default without one. */
  #maxAge(cacheControl) {
    const directives = cacheControl ?? '';
    const match = /(?:^|[,\s])max-age\s*=\s*"?(\d+)"?/i.exec(directives);
    if (/(?:^|[,\s])(?:no-cache|no-store)\b/i.test(directives)) return 0;
    return match ? Number(match[1]) * 1000 : this.#limits.defaultMaxAgeMs;
  }

  /** A max-age clamped to [minMaxAgeMs, maxMaxAgeMs]. */
  #clamped(maxAgeMs) {
    const { minMaxAgeMs, maxMaxAgeMs } = this.#limits;
    return Math.min(maxMaxAgeMs, Math.max(minMaxAgeMs, maxAgeMs));
  }
}

/**
 * Reads the body incrementally and gives up as soon as it passes `maxBytes`, so a huge or
 * endless response costs at most `maxBytes` of memory (and the connection is dropped).
 */
async function readText(response, maxBytes, url, controller) {
  const tooLarge = () => {
    controller.abort();
    return new JwtGateError('ERR_JWKS_INVALID', `response from ${url} is larger than ${maxBytes} bytes`);
  };
  if (Number(response.headers.get('content-length')) > maxBytes) throw tooLarge();
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await readChunk(reader, url);
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return utf8(chunks, size, url);
}

async function readChunk(reader, url) {
  try {
    return await reader.read();
  } catch (cause) {
    if (cause instanceof JwtGateError) throw cause; // our timeout
    throw new JwtGateError('ERR_JWKS_FETCH_FAILED', `reading ${url} failed: ${cause?.message ?? cause}`, { cause });
  }
}

function utf8(chunks, size, url) {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new JwtGateError('ERR_JWKS_INVALID', `response from ${url} is not UTF-8 text`, { cause });
  }
}

function discoveryUrl(issuer) {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

/**
 * Whether keys may be fetched from `text`: an https URL, or http to this machine only (a local
 * identity provider in development). Over plain http to anywhere else, whoever is on the path
 * could hand over keys of their own.
 */
function isUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(text) {
  return LOOPBACK.has(new URL(text).hostname);
}
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** A redirect's `Location` resolved against the URL that answered it; `undefined` if invalid. */
function resolvedUrl(location, base) {
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}

/** The JSON record `#share` writes, read back. */
function storedRecord(text) {
  let record;
  try {
    record = JSON.parse(text);
  } catch (cause) {
    throw new JwtGateError('ERR_JWKS_INVALID', `the stored JWKS record is not JSON: ${cause.message}`, { cause });
  }
  const { fetchedAt, maxAgeMs, jwks } = record ?? {};
  if (!(Number.isFinite(fetchedAt) && Number.isFinite(maxAgeMs) && typeof jwks === 'string')) {
    throw new JwtGateError('ERR_JWKS_INVALID', 'the stored JWKS record is not { fetchedAt, maxAgeMs, jwks }');
  }
  return { fetchedAt, maxAgeMs, jwks };
}

/**
 * The `snapshot` option, checked: `{ jwksUri | issuer, fetchedAt, maxAgeMs?, jwks }` (what
 * `snapshotJwks` makes), taken of this very key set. Its keys are loaded at first use.
 */
function checkedSnapshot(snapshot, { jwksUri, issuer }) {
  if (snapshot === undefined) return undefined;
  if (snapshot === null || typeof snapshot !== 'object') throw optionsError('snapshot', 'must be an object made by snapshotJwks()');
  const [kind, expected] = jwksUri !== undefined ? ['jwksUri', jwksUri] : ['issuer', issuer];
  if (snapshot[kind] !== expected) {
    throw optionsError('snapshot', `was taken of ${kind} ${JSON.stringify(snapshot[kind])}, not ${JSON.stringify(expected)}`);
  }
  const fetchedAt = typeof snapshot.fetchedAt === 'string' ? Date.parse(snapshot.fetchedAt) : snapshot.fetchedAt;
  if (!Number.isFinite(fetchedAt)) throw optionsError('snapshot', '`fetchedAt` must be a time: ISO 8601 text or ms since the epoch');
  const { maxAgeMs, jwks } = snapshot;
  if (maxAgeMs !== undefined && !(Number.isFinite(maxAgeMs) && maxAgeMs >= 0)) throw optionsError('snapshot', '`maxAgeMs` must be a number ≥ 0');
  if (typeof jwks !== 'string' && (jwks === null || typeof jwks !== 'object')) throw optionsError('snapshot', '`jwks` must be a JWKS (object or JSON text)');
  return { fetchedAt, maxAgeMs, text: typeof jwks === 'string' ? jwks : JSON.stringify(jwks) };
}

/**
 * Fetches a key set now (`jwksUri`, or `issuer` for OIDC discovery; the other options as
 * `RemoteKeySet`'s) and resolves to its snapshot, for the `snapshot` option: made at build time,
 * written to a file, read back at start (`jwtgate jwks snapshot`). Rejects as a first fetch does.
 */
export async function snapshotJwks(options) {
  for (const field of ['store', 'snapshot']) {
    if (options?.[field] !== undefined) throw optionsError(field, 'a snapshot is fetched from the identity provider only');
  }
  const remote = new RemoteKeySet(options);
  await remote.getKeySet();
  return remote.snapshot();
}

function checkedUrl(value, field) {
  const text = value instanceof URL ? value.href : value;
  if (typeof text !== 'string' || !isUrl(text)) throw optionsError(field, 'must be an absolute https URL (http only to localhost)');
  return text;
}

// Shared across calls (warm Lambda invocations, one isolate's requests), so a key set is
// fetched once per container or isolate rather than once per request.
const shared = new Map();
const functionIds = new WeakMap(); // an injected `fetch`, `now`, `store` or `snapshot` -> a number for the key
let functions = 0;

/** The given options as text, in a fixed order; a function or an object by identity. */
function limitsKey(limits) {
  const given = Object.entries(limits).filter(([, value]) => value !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(given.map(([name, value]) => {
    if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) return [name, value];
    if (!functionIds.has(value)) functionIds.set(value, (functions += 1));
    return [name, `function ${functionIds.get(value)}`];
  }));
}

/**
 * The shared RemoteKeySet for `options.jwksUri` (or `options.issuer`) and the other options:
 * the same URI with the same options gives the same instance. Other options get their own, so
 * that a limit one caller sets (`maxStaleMs`, say) is never dropped for another's.
 */
export function remoteKeySet(options) {
  const { jwksUri, issuer, ...limits } = options ?? {};
  // The kind is part of the key: a set bound to an issuer by discovery is not the same thing
  // as a bare JWKS URL that happens to be spelled the same.
  const key = `${jwksUri !== undefined ? `jwks ${jwksUri}` : `issuer ${issuer}`} ${limitsKey(limits)}`;
  let instance = shared.get(key);
  if (!instance) {
    instance = new RemoteKeySet(options);
    shared.set(key, instance);
  }
  return instance;
}
