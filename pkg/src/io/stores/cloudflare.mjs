// Stores for Cloudflare Workers. Replay detection needs one strongly consistent place per key:
// a Durable Object (Workers KV is eventually consistent, so two data centres could both see a
// `jti` as new). Key sets only need a cache: the Cache API, per data centre.
import { optionsError } from '../../core/errors.mjs';
import { guardStore, unavailable } from './guard.mjs';

const ENTRY = 'k:'; // entry key -> { value, expiresAt }
const EXPIRY = 'x:'; // `x:<expiresAt, zero-padded>:<key>` -> key: the entries in expiry order
const SWEEP_BATCH = 128; // the most keys one storage.get() or storage.delete() takes
const OPS = new Set(['putIfAbsent', 'get', 'set']);

const expiryKey = (expiresAt, key) => `${EXPIRY}${String(expiresAt).padStart(16, '0')}:${key}`;

/** Whether a request body is one of the store's calls, with the arguments it needs. */
function wellFormed({ op, key, value, ttlMs }) {
  if (!OPS.has(op) || typeof key !== 'string') return false;
  return op === 'get' || (typeof value === 'string' && Number.isFinite(ttlMs) && ttlMs > 0);
}

/**
 * The Durable Object class behind `durableObjectStore`: export it from the worker and bind it
 * (`[[durable_objects.bindings]] name = "JWTGATE_STORE", class_name = "JwtGateDurableObject"`,
 * plus a migration creating the class). Entries are in the object's transactional storage, so
 * they survive its eviction from memory; an alarm deletes them once expired.
 */
export class JwtGateDurableObject {
  #storage;

  constructor(state) {
    this.#storage = state.storage;
  }

  async fetch(request) {
    let body;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: 'not JSON' }, { status: 400 });
    }
    if (!wellFormed(body ?? {})) return Response.json({ error: 'bad request' }, { status: 400 });
    const { op, key, value, ttlMs } = body;
    // Storage calls hold the object's input gate: no other request runs between this get and put.
    const now = Date.now();
    const entry = await this.#storage.get(ENTRY + key);
    const live = entry !== undefined && now < entry.expiresAt;
    if (op === 'get') return Response.json(live ? { value: entry.value } : {});
    if (op === 'putIfAbsent' && live) return Response.json({ stored: false });
    await this.#put(key, value, now + ttlMs);
    return Response.json({ stored: true });
  }

  async #put(key, value, expiresAt) {
    await this.#storage.put({ [ENTRY + key]: { value, expiresAt }, [expiryKey(expiresAt, key)]: key });
    const alarm = await this.#storage.getAlarm();
    if (alarm === null || alarm > expiresAt) await this.#storage.setAlarm(expiresAt);
  }

  /** Deletes what has expired (a batch at a time), then waits for the next expiry. */
  async alarm() {
    const now = Date.now();
    const due = await this.#storage.list({ prefix: EXPIRY, end: expiryKey(now + 1, ''), limit: SWEEP_BATCH });
    const doomed = [...due.keys()];
    const entries = due.size === 0 ? new Map() : await this.#storage.get([...due.values()].map((key) => ENTRY + key));
    // An entry set again since has a later expiry (and its own index key): it stays.
    for (const [name, entry] of entries) if (now >= entry.expiresAt) doomed.push(name);
    for (let i = 0; i < doomed.length; i += SWEEP_BATCH) await this.#storage.delete(doomed.slice(i, i + SWEEP_BATCH));
    const [next] = (await this.#storage.list({ prefix: EXPIRY, limit: 1 })).keys();
    if (next !== undefined) await this.#storage.setAlarm(Math.max(now, Number(next.slice(EXPIRY.length, EXPIRY.length + 16))));
  }
}

/**
 * A guarded store over a `JwtGateDurableObject` namespace binding (`env.JWTGATE_STORE`). Keys
 * are spread over `shards` objects (default 16) by a hash, so that no single object takes all
 * the traffic; changing `shards` moves keys, forgetting their entries. The other options are
 * `guardStore`'s.
 */
export function durableObjectStore(namespace, { shards = 16, ...guard } = {}) {
  if (typeof namespace?.idFromName !== 'function' || typeof namespace?.get !== 'function') {
    throw optionsError('namespace', 'must be a Durable Object namespace binding (env.JWTGATE_STORE)');
  }
  if (!(Number.isSafeInteger(shards) && shards > 0)) throw optionsError('shards', 'must be a positive integer');
  return guardStore(new DurableObjectStore(namespace, shards), guard);
}

/** FNV-1a over the UTF-16 code units: cheap, stable, well spread. */
function shardOf(key, shards) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

class DurableObjectStore {
  #namespace;
  #shards;

  constructor(namespace, shards) {
    this.#namespace = namespace;
    this.#shards = shards;
  }

  async putIfAbsent(key, value, ttlMs) {
    return (await this.#ask({ op: 'putIfAbsent', key, value, ttlMs })).stored;
  }

  async get(key) {
    return (await this.#ask({ op: 'get', key })).value;
  }

  async set(key, value, ttlMs) {
    await this.#ask({ op: 'set', key, value, ttlMs });
  }

  async #ask(body) {
    const id = this.#namespace.idFromName(`jwtgate-store-${shardOf(body.key, this.#shards)}`);
    const response = await this.#namespace.get(id).fetch('https://jwtgate.invalid/', { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the Durable Object answered HTTP ${response.status}`);
    return response.json();
  }
}

const EXPIRES_HEADER = 'x-jwtgate-expires';

/**
 * A guarded store in the Cache API, for key sets (`RemoteKeySet`'s `store`): `cache` is
 * `caches.default` (the default) or `await caches.open('jwtgate')`. The Cache API is per data
 * centre and has no atomic write, so `putIfAbsent` always refuses: it cannot detect replays.
 * (On a `workers.dev` subdomain the Cache API stores nothing: every `get` misses.)
 */
export function cacheStore({ cache = globalThis.caches?.default, ...guard } = {}) {
  if (typeof cache?.match !== 'function' || typeof cache?.put !== 'function') throw optionsError('cache', 'must be a Cache (caches.default)');
  return guardStore(new CacheApiStore(cache), guard);
}

class CacheApiStore {
  #cache;

  constructor(cache) {
    this.#cache = cache;
  }

  putIfAbsent() {
    throw unavailable('unsupported', 'the Cache API cannot detect replays (per data centre, no atomic write): use durableObjectStore');
  }

  async get(key) {
    const response = await this.#cache.match(cacheUrl(key));
    // The Cache API may keep a response past its max-age; the expiry header is exact.
    if (response === undefined || !(Date.now() < Number(response.headers.get(EXPIRES_HEADER)))) return undefined;
    return response.text();
  }

  async set(key, value, ttlMs) {
    const headers = { 'cache-control': `max-age=${Math.ceil(ttlMs / 1000)}`, [EXPIRES_HEADER]: String(Date.now() + ttlMs) };
    await this.#cache.put(cacheUrl(key), new Response(value, { headers }));
  }
}

const cacheUrl = (key) => `https://jwtgate.invalid/${encodeURIComponent(key)}`;
