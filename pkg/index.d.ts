// The values the Rust core hands over are declared in core.d.ts, generated from its types.
import type { AlgInfo, Algorithm, CoreErrorCode, Decoded, ErrorData, KeyInfo, SkippedKey, Warning } from './core.js';
export type { AlgInfo, Algorithm, CoreErrorCode, Decoded, ErrorData, KeyInfo, SkippedKey, Warning };

/**
 * Stable error codes: `jose`'s where it has one, `ERR_JWTGATE_*` otherwise. The core's are
 * generated from its error types (`CoreErrorCode`); the rest are the JavaScript layer's own
 * (fetching keys, loading the wasm, stores).
 */
export type ErrorCode =
  | CoreErrorCode
  | 'ERR_JWKS_TIMEOUT'
  | 'ERR_JWKS_FETCH_FAILED'
  | 'ERR_JWTGATE_NOT_INITIALIZED'
  | 'ERR_JWTGATE_INTERNAL'
  | 'ERR_STORE_UNAVAILABLE';

/** The one error class; `code` matches `jose`'s for the same failure. */
export class JwtGateError extends Error {
  constructor(code: ErrorCode, message: string, details?: Partial<Omit<ErrorData, 'code' | 'message'>> & { cause?: unknown });
  readonly name: 'JwtGateError';
  readonly code: ErrorCode;
  /** The claim a claim check failed on (`exp`, `iss`, `aud`, `typ`, …). */
  readonly claim?: string;
  /** Why the claim check failed; for `ERR_STORE_UNAVAILABLE`, why the store failed (`StoreUnavailableReason` of `jwtgate/stores`). */
  readonly reason?: 'check_failed' | 'missing' | 'invalid' | import('./stores.js').StoreUnavailableReason;
  /** The option an `ERR_JWTGATE_INVALID_OPTIONS` error is about, or a policy fault's JSON path. */
  readonly field?: string;
  /** Where a malformed token is at fault: its segment (from 1), the offending character's offset in it (from 0). */
  readonly segment?: number;
  readonly offset?: number;
  /** How many dots a token with the wrong number of segments has. */
  readonly dots?: number;
  /** The line and column (from 1) of a JSON fault in the decoded header or payload. */
  readonly line?: number;
  readonly column?: number;
}

/** A JSON Web Key (RFC 7517); unknown members are allowed and ignored. */
export interface JWK {
  kty: 'RSA' | 'EC' | 'OKP' | 'oct' | string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  k?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set. */
export interface JWKS {
  keys: JWK[];
}

/** Keys trusted to verify tokens. */
export class KeySet {
  private constructor(handle: never);
  /** From a JSON Web Key Set (object or JSON text). Unusable members are skipped, not fatal. */
  static fromJwks(jwks: JWKS | string): KeySet;
  /** From one JSON Web Key (object or JSON text). */
  static fromJwk(jwk: JWK | string): KeySet;
  /** From an HMAC secret; it must be at least as long as the hash (32/48/64 bytes). */
  static fromSecret(secret: string | Uint8Array | ArrayBuffer, options: { alg: 'HS256' | 'HS384' | 'HS512'; kid?: string }): KeySet;
  /** From a PEM public key (SPKI `BEGIN PUBLIC KEY` or PKCS#1 `BEGIN RSA PUBLIC KEY`). */
  static fromPem(pem: string, options: { alg: Algorithm; kid?: string }): KeySet;
  /** The usable keys. */
  readonly keys: KeyInfo[];
  /** JWKS members that were skipped, and why. */
  readonly skipped: SkippedKey[];
}

/** A duration: seconds, or a string such as `"30s"`, `"5 minutes"`, `"2h"`. */
export type Duration = number | string;

/** Options of `Verifier`: the names and meanings of `jose`'s `jwtVerify` options. */
export interface VerifierOptions {
  /** The trusted keys. */
  keys: KeySet;
  /** Accepted `iss` values (exact comparison). */
  issuer?: string | string[];
  /** Accepted audiences: the token's `aud` must contain one. */
  audience?: string | string[];
  /** Allowed algorithms; default: all supported. */
  algorithms?: Algorithm[];
  /** Leeway for `exp`, `nbf` and `iat`. */
  clockTolerance?: Duration;
  /** Maximum age from `iat` (which becomes required). */
  maxTokenAge?: Duration;
  /** Required `sub`. */
  subject?: string;
  /**
   * **jwtgate only**, as `aws-jwt-verify`: accepted app client ids; the token's `client_id`
   * (Cognito access tokens, which have no `aud`) or `aud` (ID tokens) must name one.
   */
  clientId?: string | string[];
  /** **jwtgate only**: the required `token_use` (`"access"` or `"id"` for Cognito). */
  tokenUse?: string;
  /** Required `typ` header; `"JWT"` also matches `"application/jwt"`. */
  typ?: string;
  /** Claims that must be present. */
  requiredClaims?: string[];
  /** `exp` is required unless this is `false` (jose does not require it). */
  requireExpiration?: boolean;
  /** Longest accepted token in bytes; default 16384. */
  maxTokenLength?: number;
  /** The time to verify at; default: the clock at each call. */
  currentDate?: Date;
  /**
   * Remember verified tokens (bounded LRU, default 1000 entries) until their `exp`: a repeat
   * verification skips all work. Results are then frozen. Tokens without `exp` are not cached.
   */
  cache?: boolean | { max: number };
}

/** Registered claims, plus any others. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  jti?: string;
  nbf?: number;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

/** A JOSE header. */
export interface JWTHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [parameter: string]: unknown;
}

/** A verified token. */
export interface VerifyResult<P extends JWTPayload = JWTPayload> {
  header: JWTHeader;
  /** The same object as `header`, under `jose`'s name. */
  protectedHeader: JWTHeader;
  payload: P;
  /** The algorithm that verified the signature. */
  alg: Algorithm;
}

/** Verifies tokens with fixed keys and options. */
export class Verifier {
  constructor(options: VerifierOptions);
  /** Verifies synchronously; throws `JwtGateError`. */
  verify<P extends JWTPayload = JWTPayload>(token: string | Uint8Array, options?: { currentDate?: Date }): VerifyResult<P>;
  /**
   * Verifies with the signature checked by WebCrypto where there is no synchronous native crypto
   * (workerd, browsers): much faster there than `verify`. In Node, the same as `verify`.
   */
  verifyAsync<P extends JWTPayload = JWTPayload>(token: string | Uint8Array, options?: { currentDate?: Date }): Promise<VerifyResult<P>>;
}

/** Decodes without verifying, for inspection. */
export function decode(token: string | Uint8Array, options?: { currentDate?: Date }): Decoded;

/** Loads the wasm module: required first in browsers, a no-op in Node and workerd. */
export function init(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Whether the wasm module is loaded. */
export function isReady(): boolean;

/** The wasm linear memory's size in bytes: a diagnostic for memory monitoring. */
export function wasmMemoryBytes(): number;

/** Options of `RemoteKeySet`: give exactly one of `jwksUri` and `issuer`. */
export type RemoteKeySetOptions = RemoteKeySetLimits & (
  | {
    /** The JWKS URL: https (plain http only to localhost, 127.0.0.1 or [::1]). Symmetric keys in it are skipped. */
    jwksUri: string | URL;
    issuer?: never;
  }
  | {
    /**
     * The issuer: its `jwks_uri` is read from `<issuer without trailing slash>/.well-known/openid-configuration`,
     * whose `issuer` must equal this string exactly. https, as is the `jwks_uri` it names (plain http only to localhost).
     */
    issuer: string;
    jwksUri?: never;
  }
);

export interface RemoteKeySetLimits {
  /** The `fetch` to use; default `globalThis.fetch`. Called unbound, with an `AbortSignal`. */
  fetch?: (input: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;
  /** Per request (headers and body); default 5000. Exceeding it gives `ERR_JWKS_TIMEOUT`. */
  timeoutMs?: number;
  /** Minimum time between two fetch attempts (unknown `kid`, or after a failure); default 30000. */
  cooldownMs?: number;
  /** Lifetime of a set served without `Cache-Control: max-age`; default 600000 (10 min). */
  defaultMaxAgeMs?: number;
  /** `max-age` is clamped to at least this; default 60000. */
  minMaxAgeMs?: number;
  /** `max-age` is clamped to at most this; default 86400000 (24 h). */
  maxMaxAgeMs?: number;
  /**
   * How long past its max-age the last good set is still served while refreshes fail (the IdP
   * is down); after that, `getKeySet` throws until a fetch succeeds. Default 86400000 (24 h).
   * @example
   * remoteKeySet({ jwksUri, maxStaleMs: 3_600_000 }); // trust stale keys for an hour at most
   */
  maxStaleMs?: number;
  /** Largest accepted response body; the download is aborted past it. Default 1048576. */
  maxBytes?: number;
  /** The clock (ms since the epoch) for max-age and cooldown; default `Date.now`. */
  now?: () => number;
  /**
   * A store shared with other instances (`jwtgate/stores`: Redis, DynamoDB, the Cache API …):
   * a fetched set is written there, and read before fetching, so that one instance's fetch
   * serves the others and their cold starts. Only a set newer than this instance's is taken, and
   * under the same max-age and `maxStaleMs` rules; it is loaded by the same loader as a fetched
   * one. A store that fails is taken as empty (the keys are fetched; see `lastStoreError`).
   * Whoever can write to the store can hand over keys: give it no less protection than the configuration.
   */
  store?: import('./stores.js').Store;
  /**
   * A key set taken earlier (`snapshotJwks`, e.g. at build time, written to a file), of this very
   * `jwksUri` or `issuer`: the keys until the first fetch, served as if fetched at its
   * `fetchedAt` (fresh until its `maxAgeMs`, then only while fetches fail, for `maxStaleMs`).
   */
  snapshot?: JwksSnapshot;
}

/** A key set as `snapshotJwks` takes it, JSON-serialisable. */
export interface JwksSnapshot {
  /** The key set's URL (with `issuer`: the one discovery named). */
  jwksUri?: string;
  /** The issuer whose discovery document named the key set, if it was taken that way. */
  issuer?: string;
  /** When it was fetched: ISO 8601 text or ms since the epoch. */
  fetchedAt: string | number;
  /** Its max-age (from `Cache-Control`); default `defaultMaxAgeMs`. */
  maxAgeMs?: number;
  /** The JWKS, as fetched (object or JSON text). */
  jwks: JWKS | string;
}

/** A remote JSON Web Key Set, fetched on demand and cached. */
export class RemoteKeySet {
  constructor(options: RemoteKeySetOptions);
  /**
   * The current keys. Fetches on first use, after the set's max-age, and when `kid` matches no
   * cached key (at most once per `cooldownMs`); concurrent callers share one request. On a failed
   * fetch the last good set is returned (until `maxStaleMs` past its max-age); with none, throws
   * `JwtGateError` with code
   * `ERR_JWKS_TIMEOUT`, `ERR_JWKS_FETCH_FAILED` or `ERR_JWKS_INVALID`.
   */
  getKeySet(options?: { kid?: string }): Promise<KeySet>;
  /**
   * The cached set while it is fresh, without fetching: `undefined` before the first fetch and
   * once the max-age has passed.
   * @example
   * const keys = remote.cachedKeySet() ?? (await remote.getKeySet());
   */
  cachedKeySet(): KeySet | undefined;
  /** Prefetches (e.g. in a Lambda init phase); rejects only if no key set could be loaded. */
  hydrate(): Promise<KeySet>;
  /** The error of the last fetch; `undefined` once a fetch succeeds. */
  readonly lastError: JwtGateError | undefined;
  /** When (by the `now` clock, ms) the set was last fetched successfully (here, or by the instance that shared it). */
  readonly fetchedAt: number | undefined;
  /** The error of the last read or write of the `store`; `undefined` once one succeeds. */
  readonly lastStoreError: JwtGateError | undefined;
  /** The current set as a snapshot (for the `snapshot` option), or `undefined` before one is loaded. */
  snapshot(): JwksSnapshot | undefined;
}

/**
 * Fetches the key set now and resolves to its snapshot, for the `snapshot` option; rejects as a
 * first fetch does. Run at build time: `node scripts/snapshot-jwks.mjs <jwksUri | issuer> [file]`.
 * @example
 * writeFileSync('jwks-snapshot.json', JSON.stringify(await snapshotJwks({ issuer })));
 */
export function snapshotJwks(options: RemoteKeySetOptions): Promise<JwksSnapshot>;

/**
 * The RemoteKeySet shared by the whole module instance (warm Lambda invocations, one isolate),
 * keyed by `jwksUri` or `issuer` and the other options: the same URI with the same options
 * (a `fetch` or `now` by identity) gives the same instance, other options another one.
 */
export function remoteKeySet(options: RemoteKeySetOptions): RemoteKeySet;

/** A validated policy document. */
export class Policy {
  constructor(document: import('./lambda.js').PolicyDocument | string);
  /** Decides `method path` (or a `$route` key as `method`) for verified claims, with the explanation. */
  decide(request: { method: string; path?: string; claims: JWTPayload }): {
    decision: import('./lambda.js').Decision;
    principalId: string | null;
    context: import('./lambda.js').AuthorizerContext;
  };
}
