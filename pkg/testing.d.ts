// `jwtgate/testing`: a throwaway issuer, its tokens, API Gateway events and claims for users' own tests.
import type { Algorithm, JWKS, JWTHeader, JWTPayload } from './index.js';

export interface TestIssuerOptions {
  /** The signing algorithm; default `'RS256'`. `HS*` makes an HMAC secret instead of a key pair. */
  alg?: Algorithm;
  /** The issuer URL (`iss`, and where discovery is served); default `'https://issuer.test'`. */
  issuer?: string;
  /** The key's `kid`; default `'test-key-1'`. */
  kid?: string;
  /** `HS*` only: sign with this secret (text as UTF-8, or bytes) instead of a random one. */
  secret?: string | Uint8Array;
}

/** OIDC discovery metadata, as served at `<issuer>/.well-known/openid-configuration`. */
export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  token_endpoint: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

export interface SignOptions {
  /** The header's `alg`; default the issuer's. The signature is always the issuer's key's; `'none'` leaves it empty. */
  alg?: Algorithm | 'none' | string;
  /** The header's `kid`; default the issuer's; `null` leaves it out. */
  kid?: string | null;
  /** The header's `typ`; default `'JWT'`; `null` leaves it out. */
  typ?: string | null;
  /** More header parameters (or replacements); `null` leaves one out. */
  header?: Partial<JWTHeader> & Record<string, unknown>;
  /** Seconds from `currentDate` to `exp`; default 3600; `null` leaves `exp` out. Numbers only. */
  expiresIn?: number | null;
  /** Seconds from `currentDate` to `nbf`; default none. */
  notBefore?: number;
  /** The `aud` claim. */
  audience?: string | string[];
  /** The `sub` claim; default `'user-1234'`. */
  subject?: string;
  /** The time `iat`, `exp` and `nbf` count from; default now. */
  currentDate?: Date;
}

export interface TestIssuer {
  readonly alg: Algorithm;
  readonly kid: string;
  /** The issuer URL: give it as the authorizer's `issuer`, with `fetch`. */
  readonly issuer: string;
  /** Where `fetch` serves `jwks`: `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri: string;
  /** The public key (for `HS*`: the secret, which a fetched set skips: use `secret` or `jwks`). */
  readonly jwks: JWKS;
  readonly openidConfiguration: OpenIdConfiguration;
  /** A `fetch` that serves the discovery document and `jwks`, and answers 404 to anything else. */
  readonly fetch: (input: string | URL | Request, init?: unknown) => Promise<Response>;
  /** The HMAC secret (`HS*` only). */
  readonly secret?: Uint8Array;
  /** A compact JWS of `claims` over the defaults `iss`, `sub`, `iat`, `exp`; a claim set to `undefined` is left out. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
}

/** A fresh issuer: key pair (or HMAC secret), JWKS, discovery document and a `fetch` serving them. WebCrypto only. */
export function createTestIssuer(options?: TestIssuerOptions): Promise<TestIssuer>;

export type EventShapeName = 'rest-token' | 'rest-request' | 'http-v1' | 'http-v2' | 'websocket';

/** The shapes `apigwEvent` builds. */
export const eventShapes: readonly EventShapeName[];

export interface EventOptions {
  /** Default `'GET'`. */
  method?: string;
  /** Default `'/'`; without the stage (HTTP APIs get it prepended unless the stage is `$default`). */
  path?: string;
  /** Sent as `Authorization: Bearer <token>` (a `TOKEN` event's `authorizationToken`). */
  token?: string;
  /** Request headers; a list is a repeated header. */
  headers?: Record<string, string | string[]>;
  /** Query parameters; a list is a repeated parameter. */
  query?: Record<string, string | string[]>;
  /** Cookies: name → value, or `name=value` strings. */
  cookies?: Record<string, string | string[]> | string[];
  /** Default `'prod'` (REST, WebSocket) or `'$default'` (HTTP APIs). */
  stage?: string;
  /** HTTP API 2.0: default `'<METHOD> <path>'`; WebSocket: default `'$connect'`. */
  routeKey?: string;
  /** REST and HTTP API 1.0: the resource template (`/pets/{petId}`); default the path. */
  resource?: string;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  /** Default `'eu-west-1'`, `'123456789012'`, `'a1b2c3d4e5'`. */
  region?: string;
  accountId?: string;
  apiId?: string;
  /** Default `'203.0.113.7'` and `'jwtgate-testing'`. */
  sourceIp?: string;
  userAgent?: string;
  /** The request time; default now. */
  currentDate?: Date;
}

/** An API Gateway authorizer event of `shape`, as API Gateway sends it for the request. */
export function apigwEvent(shape: EventShapeName, options?: EventOptions): Record<string, unknown>;

/** A plausible claims set (`iss`, `sub`, `aud`, `iat`, `exp`, `jti`, `scope`, `email`) with `overrides`; `undefined` removes a claim. */
export function mockClaims(overrides?: JWTPayload, options?: { currentDate?: Date }): JWTPayload;
