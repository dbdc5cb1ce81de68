import type { GuardOptions, GuardedStore } from '../stores.js';

/**
 * Sends one Redis command (`['SET', key, value, 'NX', 'PX', '60000']`) and resolves to its
 * reply: `'OK'`, a string, or `null` for nil.
 * node-redis: `(args) => client.sendCommand(args)`; ioredis: `(args) => client.call(...args)`.
 */
export type RedisSend = (args: string[]) => Promise<unknown>;

/**
 * A store in Redis: `putIfAbsent` is `SET key value NX PX ttl`, atomic across every instance
 * sharing the server. Keep the client's offline queue short or off: the guard stops waiting
 * after `timeoutMs`, the client may not.
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = redisStore((args) => client.sendCommand(args));
 */
export function redisStore(send: RedisSend, options?: GuardOptions): GuardedStore;
