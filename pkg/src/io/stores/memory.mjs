// The default store: a bounded Map in this instance's memory. It shares nothing across Lambda
// instances or isolates, so it detects replays only within one; use a shared store for more.
import { optionsError } from '../../core/errors.mjs';
import { guardStore, unavailable } from './guard.mjs';

/**
 * An in-memory store of at most `maxEntries` entries (default 10 000). A full store first drops
 * entries whose TTL has passed; when every entry is still live it refuses the new one
 * (ERR_STORE_UNAVAILABLE, reason `full`) rather than evict a live one: an evicted replay entry
 * would let that replay through. The other options are `guardStore`'s; `now` is the clock.
 */
export function memoryStore({ maxEntries = 10_000, now = () => Date.now(), ...guard } = {}) {
  if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) throw optionsError('maxEntries', 'must be a positive integer');
  if (typeof now !== 'function') throw optionsError('now', 'must be a function');
  return guardStore(new MemoryStore(maxEntries, now), guard);
}

class MemoryStore {
  #entries = new Map(); // key -> { value, expiresAt }
  #max;
  #now;
  #nextExpiry = Infinity; // no entry expires before this: sweeping sooner finds nothing

  constructor(max, now) {
    this.#max = max;
    this.#now = now;
  }

  putIfAbsent(key, value, ttlMs) {
    const now = this.#now();
    if (this.#live(key, now)) return false;
    this.#insert(key, value, now + ttlMs, now);
    return true;
  }

  get(key) {
    return this.#live(key, this.#now())?.value;
  }

  set(key, value, ttlMs) {
    const now = this.#now();
    this.#insert(key, value, now + ttlMs, now);
  }

  #live(key, now) {
    const entry = this.#entries.get(key);
    if (entry === undefined || now < entry.expiresAt) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #insert(key, value, expiresAt, now) {
    if (!this.#entries.has(key) && this.#entries.size >= this.#max) {
      this.#sweep(now);
      if (this.#entries.size >= this.#max) {
        throw unavailable('full', `the in-memory store holds ${this.#max} live entries (maxEntries): refusing rather than evicting one`);
      }
    }
    this.#entries.set(key, { value, expiresAt });
    this.#nextExpiry = Math.min(this.#nextExpiry, expiresAt);
  }

  #sweep(now) {
    if (now < this.#nextExpiry) return;
    let next = Infinity;
    for (const [key, entry] of this.#entries) {
      if (now >= entry.expiresAt) this.#entries.delete(key);
      else next = Math.min(next, entry.expiresAt);
    }
    this.#nextExpiry = next;
  }
}
