// Hono middleware: `app.use('/api/*', jwtGate({ issuer, audience, jwksUri, policy }))`.
import { createEdgeGuard } from './edge.mjs';

/**
 * Refuses unauthenticated or forbidden requests with the RFC 6750 answer; on success sets
 * `c.get('jwtgate')` (the decision, principal, context and payload) and `c.get('jwtPayload')`
 * (the claims, under the name Hono's own JWT middleware uses).
 */
export function jwtGate(options) {
  const guard = createEdgeGuard(options);
  return async function jwtGateMiddleware(c, next) {
    const auth = await guard(c.req.raw);
    if (!auth.ok) return auth.response;
    c.set('jwtgate', auth);
    if (auth.payload) c.set('jwtPayload', auth.payload);
    await next();
  };
}
