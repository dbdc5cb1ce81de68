import type { AuthorizeResult, AuthorizerOptions } from './lambda.js';

export interface EdgeGuardOptions extends AuthorizerOptions {
  /** The `realm` of `WWW-Authenticate`; default `"api"`. */
  realm?: string;
  /** Let `OPTIONS` requests through without a token (CORS preflight). Default `false`. */
  allowPreflight?: boolean;
}

export type EdgeGuardResult =
  | ({ ok: true; preflight?: false } & AuthorizeResult)
  | { ok: true; preflight: true }
  | ({ ok: false; response: Response } & Partial<AuthorizeResult> & { status: 401 | 403 | 503 });

/** A guard for fetch handlers: 401/403/503 answers follow RFC 6750 and carry `Cache-Control: no-store`. */
export function createEdgeGuard(options: EdgeGuardOptions): (request: Request) => Promise<EdgeGuardResult>;

/** Hono middleware: sets `c.get('jwtgate')` and `c.get('jwtPayload')` on success. */
export function jwtGate(options: EdgeGuardOptions): (c: any, next: () => Promise<void>) => Promise<Response | void>;
