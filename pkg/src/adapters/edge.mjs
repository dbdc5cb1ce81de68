// Fetch-style middleware for edge runtimes (Cloudflare Workers, Deno, Vercel Edge, Bun, Node):
// `Request` in, `{ ok: true, … }` or `{ ok: false, response }` out, with RFC 6750 answers.
import { init, isReady } from 'jwtgate'; // the runtime's entry point: it loads the wasm its own way
import { Authorizer } from './authorizer.mjs';

/**
 * Builds a guard for fetch handlers. Options: the Authorizer's (verifier options, one key
 * source, `policy`, `log`, `tokenHeader`/`tokenCookie`/`tokenQuery`, `dpop`, `requireBinding`,
 * `replayStore`), plus `realm` (default `"api"`), `allowPreflight` (let `OPTIONS` through
 * unauthenticated, for CORS) and `clientCert` (`(request) => ({ pem | sha256, verified })`,
 * the TLS client certificate where the runtime does not say: Cloudflare's
 * `request.cf.tlsClientAuth` is read by itself).
 *
 * @example
 * const guard = createEdgeGuard({ issuer, audience, jwksUri, policy });
 * const auth = await guard(request);
 * if (!auth.ok) return auth.response;
 */
export function createEdgeGuard(options = {}) {
  const { realm = 'api', allowPreflight = false, clientCert, ...rest } = options;
  // Built now where the wasm is loaded at import (Node, workerd, Vercel Edge, Deno), so that bad
  // options throw here; with the browser build, once the first request has loaded it.
  let authorizer = isReady() ? new Authorizer(rest) : undefined;
  let ready;
  return async function guard(request) {
    if (allowPreflight && isPreflight(request)) return { ok: true, preflight: true };
    const url = new URL(request.url);
    let result;
    try {
      // The wasm is loaded here, within the try: a failed load is a 503 and is tried again on
      // the next request, not a rejection every request from then on.
      ready ??= init().catch((error) => { ready = undefined; throw error; });
      await ready;
      authorizer ??= new Authorizer(rest);
      // The path as received, escapes kept: Rust reads it as every event's (decoded once too,
      // HEAD as GET too; `src/request.rs`), so one request has one meaning everywhere.
      result = await authorizer.authorize({
        method: request.method,
        path: url.pathname,
        headers: request.headers,
        query: url.searchParams,
        url: request.url,
        cloudflareTls: request.cf?.tlsClientAuth,
        clientCert: clientCert?.(request),
      });
    } catch (error) {
      // The wasm or the keys could not be loaded (the identity provider is down and nothing is
      // cached), or (browser build) the options are bad: the error says which.
      return { ok: false, status: 503, error, response: answer(503, realm, { error: 'temporarily_unavailable' }, 'the authorizer is unavailable; try again shortly') };
    }
    if (result.allowed) return { ok: true, ...result };
    return { ok: false, ...result, response: refusal(result, realm) };
  };
}

/**
 * A CORS preflight (Fetch standard): `OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`, which browsers send without credentials. Any other
 * `OPTIONS` request needs a token like every other method.
 */
function isPreflight(request) {
  return request.method === 'OPTIONS' && request.headers.has('origin') && request.headers.has('access-control-request-method');
}

/**
 * The answer for a refused request (RFC 6750 §3, RFC 9449 §7.1), with the challenge the core
 * chose: its scheme, error and accepted proof algorithms.
 */
function refusal(result, realm) {
  // The policy's reason (its rule ids, what it wanted) stays in the result and the decision log:
  // a client is not told how the policy is written.
  const description = result.status === 403 ? 'the policy does not allow this request' : `${result.error?.code}: ${result.error?.message}`;
  return answer(result.status, realm, result.challenge, description, result.dpopNonce);
}

/** A small JSON answer with `WWW-Authenticate`; never echoes the token, never cached. */
function answer(status, realm, { scheme = 'Bearer', error, algs } = {}, description, nonce) {
  let challenge = `${scheme} realm="${quoted(realm)}"`;
  if (error) challenge += `, error="${error}", error_description="${quoted(description)}"`;
  if (algs) challenge += `, algs="${algs}"`;
  const body = error ? { error, error_description: description } : { error: 'unauthorized' };
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', 'www-authenticate': challenge };
  if (nonce) headers['dpop-nonce'] = nonce;
  return new Response(JSON.stringify(body), { status, headers });
}

/** Text safe inside a quoted-string of a header: printable ASCII without `"` or `\`, bounded. */
function quoted(text) {
  return String(text).replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200);
}
