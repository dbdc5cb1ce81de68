import type { GuardOptions, GuardedStore } from '../stores.js';

/**
 * The Durable Object class behind `durableObjectStore`: export it from your worker and bind it
 * (wrangler: `durable_objects.bindings = [{ name = "JWTGATE_STORE", class_name = "JwtGateDurableObject" }]`
 * and a migration with `new_classes = ["JwtGateDurableObject"]`).
 */
export class JwtGateDurableObject {
  constructor(state: any, env?: unknown);
  fetch(request: Request): Promise<Response>;
  alarm(): Promise<void>;
}

export interface DurableObjectStoreOptions extends GuardOptions {
  /** How many objects the keys are spread over (by a hash of the key); default 16. Changing it forgets entries. */
  shards?: number;
}

/**
 * A strongly consistent store for replay detection over the `JwtGateDurableObject` binding.
 * @example
 * const store = durableObjectStore(env.JWTGATE_STORE);
 */
export function durableObjectStore(
  namespace: { idFromName(name: string): unknown; get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> } },
  options?: DurableObjectStoreOptions,
): GuardedStore;

export interface CacheStoreOptions extends GuardOptions {
  /** Default `caches.default`; or `await caches.open('jwtgate')`. */
  cache?: { match(request: string): Promise<Response | undefined>; put(request: string, response: Response): Promise<void> };
}

/**
 * A store in the Cache API, for key sets (`RemoteKeySet`'s `store`): per data centre, not atomic,
 * so its `putIfAbsent` always rejects (`unsupported`). Stores nothing on `workers.dev` subdomains.
 */
export function cacheStore(options?: CacheStoreOptions): GuardedStore;
