// A store in Redis, through any client: `send` sends one raw command and resolves to its reply
// (node-redis: `(args) => client.sendCommand(args)`; ioredis: `(args) => client.call(...args)`).
// `SET … NX PX` makes the first use atomic across every instance that shares the server.
import { optionsError } from '../../core/errors.mjs';
import { guardStore } from './guard.mjs';

/** A guarded store over Redis; `options` are `guardStore`'s. */
export function redisStore(send, options) {
  if (typeof send !== 'function') throw optionsError('send', 'must be a function sending one command, as an array of strings');
  return guardStore(new RedisStore(send), options);
}

class RedisStore {
  #send;

  constructor(send) {
    this.#send = send;
  }

  async putIfAbsent(key, value, ttlMs) {
    const reply = await this.#command(['SET', key, value, 'NX', 'PX', String(ttlMs)]);
    // NX: OK when it was stored, nil when the key exists (and has not expired: Redis checks).
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw unexpected('SET NX', reply);
  }

  async get(key) {
    const reply = await this.#command(['GET', key]);
    if (reply === null) return undefined;
    if (typeof reply === 'string') return reply;
    throw unexpected('GET', reply);
  }

  async set(key, value, ttlMs) {
    const reply = await this.#command(['SET', key, value, 'PX', String(ttlMs)]);
    if (reply !== 'OK') throw unexpected('SET', reply);
  }

  #command(args) {
    const send = this.#send; // unbound: the user's closure holds its client
    return send(args);
  }
}

function unexpected(command, reply) {
  return new Error(`Redis answered ${command} with ${typeof reply === 'string' ? JSON.stringify(reply) : typeof reply}`);
}
