// Fetch-style middleware for edge runtimes (Cloudflare Workers, Deno, Vercel Edge, Bun, Node):
// `Request` in, `{ ok: true, … }` or `{ ok: false, response }` out, with RFC 6750 answers.
import { init } from 'jwtgate'; // the runtime's entry point: it loads the wasm its own way
import { Authorizer } from './authorizer.mjs';

/**
 * Builds a guard for fetch handlers. Options: the Authorizer's (verifier options, one key
 * source, `policy`, `log`, `tokenHeader`/`tokenCookie`/`tokenQuery`), plus `realm` (default
 * `"api"`) and `allowPreflight` (let `OPTIONS` through unauthenticated, for CORS).
 *
 * @example
 * const guard = createEdgeGuard({ issuer, audience, jwksUri, policy });
 * const auth = await guard(request);
 * if (!auth.ok) return auth.response;
 */
export function createEdgeGuard(options = {}) {
  const { realm = 'api', allowPreflight = false, ...rest } = options;
  const authorizer = new Authorizer(rest);
  let ready;
  return async function guard(request) {
    ready ??= init();
    await ready;
    if (allowPreflight && request.method === 'OPTIONS') return { ok: true, preflight: true };
    const url = new URL(request.url);
    let result;
    try {
      result = await authorizer.authorize({
        method: request.method,
        path: url.pathname,
        headers: request.headers,
        query: url.searchParams,
      });
    } catch (error) {
      // No keys could be loaded (the identity provider is down and nothing is cached).
      return { ok: false, status: 503, error, response: answer(503, realm, 'temporarily_unavailable', 'keys are unavailable; try again shortly') };
    }
    if (result.allowed) return { ok: true, ...result };
    return { ok: false, ...result, response: refusal(result, realm) };
  };
}

/** The RFC 6750 §3 answer for a refused request. */
function refusal(result, realm) {
  if (result.status === 403) {
    return answer(403, realm, 'insufficient_scope', result.decision?.reason ?? 'the policy denies this request');
  }
  if (result.error?.code === 'ERR_JWTGATE_TOKEN_MISSING') return answer(401, realm);
  return answer(401, realm, 'invalid_token', `${result.error?.code}: ${result.error?.message}`);
}

/** A small JSON answer with `WWW-Authenticate`; never echoes the token, never cached. */
function answer(status, realm, error, description) {
  let challenge = `Bearer realm="${quoted(realm)}"`;
  if (error) challenge += `, error="${error}", error_description="${quoted(description)}"`;
  const body = error ? { error, error_description: description } : { error: 'unauthorized' };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'www-authenticate': challenge,
    },
  });
}

/** Text safe inside a quoted-string of a header: printable ASCII without `"` or `\`, bounded. */
function quoted(text) {
  return String(text).replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200);
}
