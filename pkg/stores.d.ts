/**
 * A store shared across instances (Lambda containers, edge isolates), for replay detection and
 * for key sets. Implement these three methods over anything, then pass the store through
 * `guardStore` (every adapter of jwtgate returns a guarded store already).
 */
export interface Store {
  /**
   * Stores `value` under `key` for `ttlMs` unless a live (unexpired) entry is there, atomically:
   * resolves to `true` when this call stored it (a first use), `false` when the key was taken.
   */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** The live value under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs`, replacing what is there. Its resolved value is ignored. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
}

/** A store behind `guardStore`: the same methods, with the guard's promises. */
export type GuardedStore = Store;

export interface GuardOptions {
  /** The longest any call may take; past it the call rejects. Default 200 ms. */
  timeoutMs?: number;
  /** Put before every key (namespaces one application's keys in a shared store). Default `"jwtgate:"`. */
  prefix?: string;
  /** Longest key (UTF-8 bytes, prefix included); longer ones are refused. Default 512: hash long identifiers. */
  maxKeyBytes?: number;
  /** Longest value (UTF-8 bytes), written or read. Default 65536. */
  maxValueBytes?: number;
}

/** The code of every store failure (a `JwtGateError`); its `reason` says which. */
export const STORE_UNAVAILABLE: 'ERR_STORE_UNAVAILABLE';

/**
 * The `reason` of an `ERR_STORE_UNAVAILABLE`: `timeout` (over `timeoutMs`), `failed` (threw or
 * rejected), `bad_reply` (an answer of the wrong type or size), `too_large` and `invalid` (the
 * key, value or TTL given), `full` (the in-memory store, full of live entries), `unsupported`
 * (`putIfAbsent` on a store that cannot be atomic: the Cache API).
 */
export type StoreUnavailableReason = 'timeout' | 'failed' | 'bad_reply' | 'too_large' | 'invalid' | 'full' | 'unsupported';

/**
 * Wraps `store` so that no call blocks longer than `timeoutMs`, none throws synchronously and
 * every failure, timeout or answer of the wrong type rejects with `JwtGateError` code
 * `ERR_STORE_UNAVAILABLE`: callers fail closed on it (a replay check refuses the request). Keys
 * are prefixed and sizes bounded. A guarded store is returned as it is (without options).
 * @example
 * const store = guardStore({ putIfAbsent, get, set }, { timeoutMs: 100, prefix: 'orders-api:' });
 */
export function guardStore(store: Store, options?: GuardOptions): GuardedStore;

export interface MemoryStoreOptions extends GuardOptions {
  /** Most entries held; default 10000. Full of live entries, new keys are refused (`full`), never a live entry evicted. */
  maxEntries?: number;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * The default store: bounded, in this instance's memory only (a replay sent to another Lambda
 * instance or isolate is not seen). Expired entries are dropped first when it is full.
 */
export function memoryStore(options?: MemoryStoreOptions): GuardedStore;
