// The public API, shared by every entry point. The entry points differ only in how they
// load the wasm module; this file assumes it is loaded (see `ready`).
import * as wasm from '../../dist/web/jwtgate.js';
import { JwtGateError, call, optionsError } from './errors.mjs';

export { JwtGateError };

let loaded = false;
let memory;

/** Called by the entry point once the wasm instance exists, with its exports. */
export function markLoaded(exports) {
  loaded = true;
  memory = exports?.memory;
}

/**
 * Starts the wasm from a compiled WebAssembly.Module: for runtimes that may not compile wasm from
 * bytes and hand it over compiled instead (workerd's `.wasm` import, Vercel's `?module` import).
 */
export function startCompiled(module) {
  // Next.js (`next dev`, `next start`) compiles it outside the edge sandbox's realm, so the glue's
  // `instanceof WebAssembly.Module` fails, and it would try to compile the module as bytes.
  if (!(module instanceof WebAssembly.Module) && Object.prototype.toString.call(module) === '[object WebAssembly.Module]') {
    Object.setPrototypeOf(module, WebAssembly.Module.prototype);
  }
  markLoaded(wasm.initSync({ module }));
}

const encoder = new TextEncoder();
let tokenBuffer = { ptr: 0, capacity: 0 };

/** Writes text (a token, an event) as UTF-8 into wasm's input buffer; returns its length in bytes. */
export function writeInput(text) {
  // text.length * 3: the most UTF-8 bytes a UTF-16 string can need.
  return encoder.encodeInto(text, inputView(text.length * 3)).written;
}

/**
 * Wasm's input buffer, of at least `capacity` bytes, as a view. Growing it keeps what was
 * written in it; the view is good until the next call into wasm (which may move its memory).
 */
export function inputView(capacity) {
  if (capacity > tokenBuffer.capacity) {
    const size = Math.max(capacity, 4096, tokenBuffer.capacity * 2);
    tokenBuffer = { ptr: wasm.tokenBuffer(size), capacity: size };
  }
  return new Uint8Array(memory.buffer, tokenBuffer.ptr, tokenBuffer.capacity);
}

/** The size of the wasm linear memory in bytes (a diagnostic: it only ever grows). */
export function wasmMemoryBytes() {
  return memory?.buffer.byteLength ?? 0;
}

/** Whether the wasm module is ready (always, in Node and workerd; after `init()` in browsers). */
export function isReady() {
  return loaded;
}

/** Throws ERR_JWTGATE_NOT_INITIALIZED until the wasm is loaded (the browser build's `init()`). */
export function ensureLoaded() {
  if (!loaded) {
    throw new JwtGateError(
      'ERR_JWTGATE_NOT_INITIALIZED',
      'jwtgate is not initialized: `await init()` first (browser build)',
    );
  }
}

/** JSON text of a document given as an object or as JSON text. */
function jsonText(document, code, what) {
  if (typeof document === 'string') return document;
  if (document === null || typeof document !== 'object') {
    throw new JwtGateError(code, `${what} must be an object or a JSON string`);
  }
  try {
    return JSON.stringify(document);
  } catch (cause) {
    throw new JwtGateError(code, `${what} cannot be serialized: ${cause.message}`, { cause });
  }
}

function secretBytes(secret) {
  if (typeof secret === 'string') return new TextEncoder().encode(secret);
  if (secret instanceof Uint8Array) return secret;
  if (secret instanceof ArrayBuffer) return new Uint8Array(secret);
  throw new JwtGateError('ERR_JWK_INVALID', 'secret: must be a string, a Uint8Array or an ArrayBuffer');
}

function optionsOf(options, what) {
  if (options === null || typeof options !== 'object' || typeof options.alg !== 'string') {
    throw optionsError('alg', `${what} needs { alg }`);
  }
  return options;
}

const inner = new WeakMap();

/** Imports new key sets into the runtime's native crypto, where the entry point installed one. */
let importNative;

/**
 * Called by an entry point that has a synchronous signature backend (Node's, `nodeBackend` in
 * crypto/node.mjs): `verify(handle * 16 + alg code, message, signature)` gets views of wasm
 * memory, valid during the call, and `importKeys(keySet)` each new key set.
 */
export function useNativeBackend({ verify, verifyOnce, importKeys }) {
  const bytes = (at, length) => new Uint8Array(memory.buffer, at, length);
  const backend = {
    verify(packed, message, messageLength, signature, signatureLength) {
      return verify(packed, bytes(message, messageLength), bytes(signature, signatureLength));
    },
    verifyOnce(jwk, code, message, messageLength, signature, signatureLength) {
      return verifyOnce(jwk, code, bytes(message, messageLength), bytes(signature, signatureLength));
    },
  };
  if (wasm.installNativeBackend(backend)) importNative = importKeys;
}

/**
 * The asynchronous signature backend an entry point installed (WebCrypto's, `webCryptoBackend`
 * in crypto/webcrypto.mjs): `available()`, and `verify(keySet, candidates, alg, input,
 * signature)` → true, false, or undefined when it cannot check that key.
 */
let asyncBackend;

/** Called by the entry points with the asynchronous backend. */
export function useAsyncBackend(backend) {
  asyncBackend = backend;
}

/**
 * Whether signatures should be checked asynchronously (WebCrypto): where no synchronous native
 * backend is installed and the asynchronous one can run.
 */
export function prefersWebCrypto() {
  return importNative === undefined && asyncBackend?.available() === true;
}

/** The asynchronous backend's verdict on a pending signature (see `useAsyncBackend`). */
export function verifyAsynchronously(keySet, candidates, alg, input, signature) {
  return asyncBackend.verify(keySet, candidates, alg, input, signature);
}

/** The wasm handle behind a KeySet, Verifier or Policy (for the other modules of the package). */
export function handleOf(object) {
  return inner.get(object);
}

/**
 * A KeySet from a JWKS fetched from a URL (for jwks.mjs): as `KeySet.fromJwks`, but symmetric
 * keys are skipped, since anyone who can read the set could sign tokens with them.
 */
export function remoteJwksKeySet(text) {
  ensureLoaded();
  return new KeySet(call(() => wasm.KeySet.fromRemoteJwks(text)));
}

/** A KeySet of an HMAC secret for the first HMAC algorithm of `algorithms` (HS256 if none), for the authorizer's `secret`. */
export function secretKeySet(secret, algorithms) {
  ensureLoaded();
  return new KeySet(call(() => wasm.KeySet.fromSecretFor(secretBytes(secret), Array.isArray(algorithms) ? algorithms.map(String) : [])));
}

/** Keys trusted to verify tokens. Build one with the static `from*` functions. */
export class KeySet {
  constructor(handle) {
    if (!(handle instanceof wasm.KeySet)) {
      throw new TypeError('use KeySet.fromJwks, fromJwk, fromSecret or fromPem');
    }
    importNative?.(handle);
    inner.set(this, handle);
  }

  /** From a JSON Web Key Set (object or JSON text). Unusable members are skipped. */
  static fromJwks(jwks) {
    ensureLoaded();
    const text = jsonText(jwks, 'ERR_JWKS_INVALID', 'JSON Web Key Set');
    return new KeySet(call(() => wasm.KeySet.fromJwks(text)));
  }

  /** From one JSON Web Key (object or JSON text). */
  static fromJwk(jwk) {
    ensureLoaded();
    const text = jsonText(jwk, 'ERR_JWK_INVALID', 'JWK');
    return new KeySet(call(() => wasm.KeySet.fromJwk(text)));
  }

  /** From an HMAC secret (string, Uint8Array or ArrayBuffer) for `alg` HS256/HS384/HS512. */
  static fromSecret(secret, options) {
    ensureLoaded();
    const { alg, kid } = optionsOf(options, 'fromSecret');
    return new KeySet(call(() => wasm.KeySet.fromSecret(secretBytes(secret), alg, kid)));
  }

  /** From a PEM public key (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`), pinned to `alg`. */
  static fromPem(pem, options) {
    ensureLoaded();
    const { alg, kid } = optionsOf(options, 'fromPem');
    if (typeof pem !== 'string') throw new JwtGateError('ERR_JWK_INVALID', 'PEM: must be a string');
    return new KeySet(call(() => wasm.KeySet.fromPem(pem, alg, kid)));
  }

  /** The usable keys, described without secrets. */
  get keys() {
    return JSON.parse(inner.get(this).infoJson());
  }

  /** JWKS members that were skipped, with the reason. */
  get skipped() {
    return JSON.parse(inner.get(this).skippedJson());
  }
}

/** Seconds since the epoch, as jose computes them. */
export function epochSeconds(date, field = 'currentDate') {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw optionsError(field, 'must be a valid Date');
  return Math.floor(ms / 1000);
}

const decoder = new TextDecoder();

function tokenText(token) {
  if (typeof token === 'string') return token;
  if (token instanceof Uint8Array) return decoder.decode(token);
  throw new JwtGateError('ERR_JWS_INVALID', 'Compact JWS must be a string or Uint8Array');
}

/**
 * Tokens verified recently, for repeat verifications: bounded LRU keyed by the whole token (a
 * hit compares the full text, so there are no collisions), each entry valid in the window of
 * seconds the core computed for it (`Verified::window`: the time checks as it does them). Results are frozen, since every hit returns the same
 * objects. Failures are never cached. Entries live in one Verifier, whose keys never change,
 * so they cannot outlive the key set that verified them.
 */
class VerifiedCache {
  #entries = new Map();
  #max;

  constructor(max) {
    this.#max = max;
  }

  get(token, now) {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (!(now >= entry.window.from && now <= entry.window.until)) {
      this.#entries.delete(token);
      return undefined;
    }
    // Most recently used last: re-insert.
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    return entry.result;
  }

  /** `window`: the whole seconds in which Rust found the result would stay the same (`null` without `exp`). */
  set(token, result, window) {
    if (window === null) return;
    this.#entries.set(token, { result: deepFreeze(result), window });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value);
  }
}

function deepFreeze(value) {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** Verifies tokens with fixed keys and options (jose's `jwtVerify` option names). */
export class Verifier {
  #handle;
  #keys;
  #currentDate;
  #cache;
  #maxLength;

  constructor(options = {}) {
    ensureLoaded();
    const { keys, currentDate, cache, ...rest } = options ?? {};
    if (!(keys instanceof KeySet)) {
      throw optionsError('keys', 'must be a KeySet');
    }
    if (currentDate !== undefined) epochSeconds(currentDate, 'currentDate');
    const text = jsonText(rest, 'ERR_JWTGATE_INVALID_OPTIONS', 'options');
    this.#handle = call(() => new wasm.Verifier(text));
    inner.set(this, this.#handle);
    this.#keys = inner.get(keys);
    this.#currentDate = currentDate;
    this.#maxLength = this.#handle.maxTokenLength();
    if (cache !== undefined && cache !== false) {
      const max = cache === true ? 1000 : cache?.max;
      if (!(Number.isInteger(max) && max > 0)) {
        throw optionsError('cache', '`true` or `{ max: <positive integer> }`');
      }
      this.#cache = new VerifiedCache(max);
    }
  }

  /**
   * Verifies a compact JWT synchronously; throws a JwtGateError.
   * @returns {{ header: object, protectedHeader: object, payload: object, alg: string }}
   */
  verify(token, options) {
    const now = this.#seconds(options);
    const text = this.#bounded(tokenText(token));
    const cached = this.#cache?.get(text, now);
    if (cached) return cached;
    const len = writeInput(text);
    return this.#remember(text, call(() => this.#handle.verifyBuffer(this.#keys, len, now)));
  }

  /** The verification time in seconds: per call, per verifier, or the clock. */
  #seconds(options) {
    const date = options?.currentDate ?? this.#currentDate;
    return date === undefined ? Math.floor(Date.now() / 1000) : epochSeconds(date, 'currentDate');
  }

  /**
   * Verifies like `verify`, but checks the signature with WebCrypto where the runtime has no
   * synchronous native crypto (workerd, browsers): several times faster there than the
   * portable wasm code. Elsewhere it is `verify`, wrapped in a promise.
   */
  async verifyAsync(token, options) {
    const now = this.#seconds(options);
    const text = this.#bounded(tokenText(token));
    const cached = this.#cache?.get(text, now);
    if (cached) return cached;
    if (!prefersWebCrypto()) return this.verify(token, options);
    const prepared = call(() => this.#handle.prepare(this.#keys, text, now));
    if (typeof prepared === 'string') return this.#remember(text, prepared); // verified in wasm
    const [, alg, candidates, input, signature] = prepared;
    const valid = await verifyAsynchronously(this.#keys, candidates, alg, input, signature);
    if (valid === undefined) return this.verify(token, options); // not importable here: use wasm
    return this.#remember(text, call(() => this.#handle.finishVerified(this.#keys, text, now, valid)));
  }

  /** Refuses an oversized token before copying it into wasm (a string has at least as many UTF-8 bytes as UTF-16 units). */
  #bounded(text) {
    if (text.length > this.#maxLength) {
      throw new JwtGateError('ERR_JWS_INVALID', `the token is over ${this.#maxLength} bytes, the most accepted`);
    }
    return text;
  }

  #remember(text, json) {
    const [alg, header, payload, window] = JSON.parse(json);
    const result = { header, protectedHeader: header, payload, alg };
    this.#cache?.set(text, result, window);
    return result;
  }
}

/**
 * Decodes a token WITHOUT verifying it, for inspection: header, payload and security warnings.
 * `currentDate` (default: now) enables the time-based warnings.
 */
export function decode(token, options) {
  ensureLoaded();
  const now = epochSeconds(options?.currentDate ?? new Date(), 'currentDate');
  const text = tokenText(token);
  return JSON.parse(call(() => wasm.decodeJson(text, now)));
}

/**
 * Whether IAM matches the `Resource` pattern `pattern` to `resource` (`*` any run of characters,
 * `/` included; `?` exactly one): the core's own matching, which its cached answers are proved
 * under. Not among the package's exports: the inspector reads a cached answer with it.
 */
export function iamMatches(pattern, resource) {
  ensureLoaded();
  return wasm.iamMatches(String(pattern), String(resource));
}

/** A validated policy document (see the README): who may call which route. */
export class Policy {
  constructor(document) {
    ensureLoaded();
    const text = jsonText(document, 'ERR_POLICY_INVALID', 'policy document');
    inner.set(this, call(() => new wasm.Policy(text)));
  }

  /**
   * Decides a request for verified claims, with the explanation. `method` may be a route key
   * such as `$connect`.
   * @returns {{ decision: object, principalId: string | null, context: object }}
   */
  decide({ method, path = '/', claims }) {
    const text = jsonText(claims, 'ERR_JWT_INVALID', 'claims');
    return JSON.parse(call(() => inner.get(this).decide(String(method), String(path), text)));
  }
}
