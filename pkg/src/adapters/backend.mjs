// `jwtgate/backend`: a policy document applied in the backend Lambda, to the claims that API
// Gateway's built-in JWT authorizer verified, and the typed authorizer context a jwtgate Lambda
// authorizer sent. Where the claims and the context are in each event, how HTTP APIs' string
// claims read back, the request semantics and the refusals: all Rust (src/apigw/backend.rs);
// this file hands the event over, calls the handler and logs.
import '../runtime/node.mjs'; // backend Lambdas run Node: load the wasm synchronously at import.
import * as wasm from '../../dist/web/jwtgate.js';
import { Policy, handleOf } from '../core/api.mjs';
import { call, optionsError } from '../core/errors.mjs';
import { core } from '../core/manifest.mjs';
import { decisionLine, isObject, logSink, pick } from './authorizer.mjs';

/**
 * JSON text of the members of a proxy event the core reads (its manifest's `proxyEvent` plan,
 * `ProxyPlan` in src/apigw/backend.rs): a request body is neither serialized nor parsed.
 * Anything that is not a plain object goes through as it is, for Rust to refuse.
 */
function eventText(event) {
  if (!isObject(event)) return JSON.stringify(event ?? null);
  const { members, nested } = core().proxyEvent;
  const read = pick(event, members);
  for (const [name, inner] of Object.entries(nested)) {
    if (isObject(read[name])) read[name] = pick(read[name], inner);
  }
  return JSON.stringify(read);
}

function compiled(policy) {
  return policy instanceof Policy ? policy : new Policy(policy);
}

/**
 * The context a Lambda authorizer sent, from a backend's proxy event (REST, WebSocket and HTTP
 * API 1.0: `requestContext.authorizer`; HTTP API 2.0: its `lambda`), decoded into the types of
 * `policy`'s `context` mapping (REST stringifies numbers and booleans, arrays travel as JSON
 * text); without a policy, as API Gateway passed it. Throws ERR_APIGW_EVENT_INVALID when no
 * authorizer ran, ERR_JWTGATE_CONTEXT_INVALID when a value is not of its mapped type.
 */
export function readAuthorizerContext(event, policy) {
  const text = eventText(event);
  if (policy === undefined) return JSON.parse(call(() => wasm.readAuthorizerContext(text)));
  return JSON.parse(call(() => handleOf(compiled(policy)).readContext(text)));
}

/** Decides events for one policy; `decide(event)` → the core's outcome, logged. */
function decider(policy, options = {}) {
  if (!isObject(options)) throw optionsError('options', 'must be an object');
  const unknown = Object.keys(options).find((name) => name !== 'log' && name !== 'logClaims');
  if (unknown) throw optionsError(unknown, 'unknown option');
  const log = logSink(options.log ?? true);
  const logClaims = options.logClaims === true;
  const handle = handleOf(compiled(policy));
  return (event) => {
    const started = performance.now();
    const outcome = JSON.parse(handle.decideEvent(eventText(event)));
    if (log) log(decisionLine('jwtgate backend decision', outcome, started, logClaims));
    return outcome;
  };
}

/** What the handler finds in `event.jwtgate` once the policy allowed the request. */
function allowed(outcome) {
  return {
    decision: outcome.decision,
    principalId: outcome.principalId,
    context: outcome.context,
    claims: outcome.claims,
  };
}

/**
 * Wraps a Lambda handler behind API Gateway's JWT authorizer: the policy decides each request
 * on the verified claims; a denied one is answered 403 (RFC 6750 `insufficient_scope`), one
 * without verified claims 401, and the handler is not called. An allowed one reaches the
 * handler with `event.jwtgate = { decision, principalId, context, claims }`.
 */
export function withPolicy(policy, handler, options) {
  if (typeof handler !== 'function') throw optionsError('handler', 'must be a function');
  const decide = decider(policy, options);
  return async (event, context) => {
    const outcome = decide(event);
    if (outcome.status !== 200) return outcome.response;
    event.jwtgate = allowed(outcome);
    return handler(event, context);
  };
}

/**
 * The same as a `@middy/core` middleware: `middy(handler).use(jwtgatePolicy(policy))`. Its
 * `before` returns the refusal (middy then answers with it without calling the handler) or
 * sets `request.event.jwtgate`. A plain object: the package does not depend on middy.
 */
export function jwtgatePolicy(policy, options) {
  const decide = decider(policy, options);
  return {
    before: async (request) => {
      const outcome = decide(request.event);
      if (outcome.status !== 200) return outcome.response;
      request.event.jwtgate = allowed(outcome);
      return undefined;
    },
  };
}
