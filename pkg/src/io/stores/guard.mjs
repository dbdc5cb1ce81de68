// The one gate between jwtgate and a store shared across instances (Redis, DynamoDB, a Durable
// Object, the Cache API, or one of the user's own): whatever the store does, a caller gets an
// answer of the right type within the timeout, or a JwtGateError ERR_STORE_UNAVAILABLE. Replay
// checks refuse the request on that error (fail closed); a key-set cache fetches instead.
import { JwtGateError, optionsError } from '../../core/errors.mjs';

/**
 * The store interface (declared in pkg/stores.d.ts), which every adapter implements and the guard
 * enforces. `putIfAbsent` must be atomic in the backend: of concurrent calls for one key, one wins.
 * @typedef {object} Store
 * @property {(key: string, value: string, ttlMs: number) => Promise<boolean>} putIfAbsent
 *   true when this call stored the entry (a first use), false when a live entry is there
 * @property {(key: string) => Promise<string | undefined>} get the live value, or undefined
 * @property {(key: string, value: string, ttlMs: number) => Promise<void>} set stores, replacing
 */

export const STORE_UNAVAILABLE = 'ERR_STORE_UNAVAILABLE';

// 200 ms: a store in the same region answers in a few ms; past this, an authorizer spends its
// caller's latency budget on a store that is most likely down.
const DEFAULTS = { timeoutMs: 200, prefix: 'jwtgate:', maxKeyBytes: 512, maxValueBytes: 65_536 };

/** The error every store failure becomes; `reason` says which kind, for monitoring. */
export function unavailable(reason, message, cause) {
  return new JwtGateError(STORE_UNAVAILABLE, message, { reason, cause });
}

const encoder = new TextEncoder();

/** Whether `text` is at most `max` bytes in UTF-8, encoding it only when its length cannot tell. */
function fits(text, max) {
  if (text.length > max) return false;
  return text.length * 3 <= max || encoder.encode(text).length <= max;
}

/**
 * `store` (a `Store`) behind the guard: `putIfAbsent`, `get` and `set` that never take longer than
 * `timeoutMs`, never throw synchronously, answer only with the interface's types, prefix every
 * key with `prefix` and refuse keys over `maxKeyBytes` and values over `maxValueBytes` (UTF-8,
 * prefix included). A store that is already guarded is returned as it is.
 */
export function guardStore(store, options) {
  if (store instanceof GuardedStore && options === undefined) return store;
  if (store instanceof GuardedStore) throw optionsError('store', 'is guarded already (its options are set)');
  for (const method of ['putIfAbsent', 'get', 'set']) {
    if (typeof store?.[method] !== 'function') throw optionsError('store', `needs a \`${method}\` method`);
  }
  return new GuardedStore(store, settings(options));
}

function settings(options = {}) {
  if (options === null || typeof options !== 'object') throw optionsError('options', 'must be an object');
  const unknown = Object.keys(options).find((name) => !Object.hasOwn(DEFAULTS, name));
  if (unknown) throw optionsError(unknown, 'unknown option');
  const chosen = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const field of ['timeoutMs', 'maxKeyBytes', 'maxValueBytes']) {
    if (!(Number.isSafeInteger(chosen[field]) && chosen[field] > 0)) throw optionsError(field, 'must be a positive integer');
  }
  if (typeof chosen.prefix !== 'string') throw optionsError('prefix', 'must be a string');
  return chosen;
}

class GuardedStore {
  #store;
  #settings;

  constructor(store, chosen) {
    this.#store = store;
    this.#settings = chosen;
  }

  /** Stores `value` under `key` for `ttlMs` unless a live entry is there: true if this call stored it. */
  async putIfAbsent(key, value, ttlMs) {
    const stored = await this.#call('putIfAbsent', this.#entry(key, value, ttlMs));
    if (typeof stored !== 'boolean') throw unavailable('bad_reply', `the store's putIfAbsent answered ${typeof stored}, not a boolean`);
    return stored;
  }

  /** The live value under `key`, or `undefined`. */
  async get(key) {
    const value = await this.#call('get', [this.#key(key)]);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw unavailable('bad_reply', `the store's get answered ${typeof value}, not a string or undefined`);
    if (!fits(value, this.#settings.maxValueBytes)) throw unavailable('bad_reply', `the store's get answered over ${this.#settings.maxValueBytes} bytes`);
    return value;
  }

  /** Stores `value` under `key` for `ttlMs`, replacing what is there. */
  async set(key, value, ttlMs) {
    await this.#call('set', this.#entry(key, value, ttlMs));
  }

  #key(key) {
    if (typeof key !== 'string' || key === '') throw unavailable('invalid', 'a store key must be a non-empty string');
    const full = this.#settings.prefix + key;
    if (!fits(full, this.#settings.maxKeyBytes)) throw unavailable('too_large', `a store key over ${this.#settings.maxKeyBytes} bytes (hash long identifiers)`);
    return full;
  }

  #entry(key, value, ttlMs) {
    const full = this.#key(key);
    if (typeof value !== 'string') throw unavailable('invalid', 'a store value must be a string');
    if (!fits(value, this.#settings.maxValueBytes)) throw unavailable('too_large', `a store value over ${this.#settings.maxValueBytes} bytes`);
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw unavailable('invalid', 'a store TTL must be a positive number of ms');
    // Whole ms, rounded up: Redis wants an integer, and a replay entry may live longer, never shorter.
    return [full, value, Math.ceil(ttlMs)];
  }

  async #call(method, args) {
    const { timeoutMs } = this.#settings;
    let timer;
    // A race, so that a store that never settles (a client queueing while offline) cannot hold the request.
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(unavailable('timeout', `the store's ${method} took over ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => this.#store[method](...args)), timeout]);
    } catch (cause) {
      if (cause instanceof JwtGateError && cause.code === STORE_UNAVAILABLE) throw cause;
      throw unavailable('failed', `the store's ${method} failed: ${cause?.message ?? cause}`, cause);
    } finally {
      clearTimeout(timer);
    }
  }
}
