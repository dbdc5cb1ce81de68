import type { AuthorizeResult, AuthorizerOptions } from './lambda.js';

export interface EdgeGuardOptions extends AuthorizerOptions {
  /** The `realm` of `WWW-Authenticate`; default `"api"`. */
  realm?: string;
  /**
   * Let CORS preflights through without a token: `OPTIONS` requests with `Origin` and
   * `Access-Control-Request-Method` (browsers send them without credentials). Any other
   * `OPTIONS` request needs a token. Default `false`.
   */
  allowPreflight?: boolean;
  /**
   * The TLS client certificate of a request, where the runtime does not tell it (Cloudflare's
   * `request.cf.tlsClientAuth` is read without this).
   * @example clientCert: (request) => ({ sha256: peer.fingerprint256, verified: socket.authorized })
   */
  clientCert?: (request: Request) => import('./lambda.js').ClientCert | undefined;
}

export type EdgeGuardResult =
  | ({ ok: true; preflight?: false } & AuthorizeResult)
  | { ok: true; preflight: true }
  | ({ ok: false; response: Response } & Partial<AuthorizeResult> & { status: 400 | 401 | 403 | 503 });

/**
 * A guard for fetch handlers: 400/401/403/503 answers follow RFC 6750 and carry
 * `Cache-Control: no-store`. The policy decides on the URL's path with its escapes decoded, as
 * routers match it; a `HEAD` request must be allowed as a `GET` too (routers answer it with the
 * GET handler).
 */
export function createEdgeGuard(options: EdgeGuardOptions): (request: Request) => Promise<EdgeGuardResult>;

/** Hono middleware: sets `c.get('jwtgate')` and `c.get('jwtPayload')` on success. */
export function jwtGate(options: EdgeGuardOptions): (c: any, next: () => Promise<void>) => Promise<Response | void>;
