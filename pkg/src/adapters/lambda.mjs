// AWS Lambda authorizers for API Gateway: `export const handler = createLambdaAuthorizer({...})`.
import '../runtime/node.mjs'; // Lambda runs Node: load the wasm synchronously at import.
import { Authorizer } from './authorizer.mjs';

export { Authorizer };

/**
 * A Lambda handler for REST (TOKEN and REQUEST), HTTP API (payload 1.0 and 2.0) and WebSocket
 * `$connect` authorizers. The authorizer is built once per container (module scope), so warm
 * invocations reuse its cached keys; remote keys start loading during the init phase.
 *
 * Answers: an IAM policy (200 when the current route is allowed, 403 when denied), a simple
 * response with `simpleResponses: true` on HTTP API 2.0, or `throw new Error('Unauthorized')`
 * (401) when the token is missing or invalid.
 */
export function createLambdaAuthorizer(options) {
  const authorizer = options instanceof Authorizer ? options : new Authorizer(options);
  // Start fetching keys while Lambda initialises; failures are retried on the first request.
  authorizer.hydrate().catch(() => {});
  // Which principals would get a narrowed cached answer, said once at init, not by a 403.
  authorizer.logCacheReport();
  // Not `async`: `respond` returns a promise already, and an async wrapper would add two
  // microtask turns to resolve one promise with another.
  const handler = (event) => authorizer.respond(event);
  handler.authorizer = authorizer;
  return handler;
}
