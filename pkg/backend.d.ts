import type { Policy } from './index.js';
import type { DecisionLog, PolicyDocument } from './lambda.js';
// The values the Rust core hands over are declared in core.d.ts, generated from its types.
import type { BackendOutcome, Decision, JsonValue, ProxyResponse } from './core.js';
export type { BackendOutcome, ProxyResponse };

/** The TypeScript type of a `context` entry's value, from its `type` (the plain form: as API Gateway passes it). */
export type ContextValue<Entry> =
  Entry extends { type: 'string' } ? string
  : Entry extends { type: 'number' } ? number
  : Entry extends { type: 'boolean' } ? boolean
  : Entry extends { type: 'string[]' } ? string[]
  : Entry extends { type: 'json' } ? JsonValue
  : string | number | boolean;

/**
 * The decoded context of a policy document whose type is known (`as const`, or `satisfies
 * PolicyDocument`): each entry optional, since an absent claim sends nothing.
 * @example const context = readAuthorizerContext<ContextOf<typeof doc>>(event, doc);
 */
export type ContextOf<Document> = Document extends { context: infer Mapping }
  ? { [Name in keyof Mapping]?: ContextValue<Mapping[Name]> }
  : Record<string, never>;

/**
 * The context a Lambda authorizer sent, from a backend's proxy event, decoded into the types of
 * the policy's `context` mapping; without a policy, as API Gateway passed it. Generic: the
 * document is data loaded at run time, so its types come from `ContextOf<typeof document>` where
 * the document is a typed constant, or from the caller.
 * @throws JwtGateError ERR_APIGW_EVENT_INVALID (no authorizer ran), ERR_JWTGATE_CONTEXT_INVALID (a value not of its type)
 */
export function readAuthorizerContext<T = Record<string, JsonValue>>(event: object, policy?: PolicyInput): T;

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

/** A policy: a document (also one declared `as const`), its JSON text, or a `Policy`. */
export type PolicyInput = PolicyDocument | DeepReadonly<PolicyDocument> | string | Policy;

export interface BackendOptions {
  /** One JSON log line per decision (default `true`: `console.log`), `false`, or your own sink. */
  log?: boolean | ((line: BackendDecisionLog) => void);
  /** Include the decision trace (which may hold claim values) in log lines. Default `false`. */
  logClaims?: boolean;
}

/** The log line of one backend decision. Never the claims, unless `logClaims`. */
export type BackendDecisionLog = Omit<DecisionLog, 'msg' | 'shape' | 'cache'> & { msg: 'jwtgate backend decision' };

/** What the handler finds in `event.jwtgate` once the policy allowed the request. */
export interface BackendDecision<Context = Record<string, JsonValue>> {
  decision: Decision;
  principalId: string;
  /** The policy's `context` for the claims, each entry in its type. */
  context: Context;
  /** The claims API Gateway verified (HTTP APIs' `[a b]` strings read back as arrays). */
  claims: import('./index.js').JWTPayload;
}

/** The event an allowed request reaches the handler with. */
export type PolicyEvent<E = Record<string, any>, Context = Record<string, JsonValue>> = E & { jwtgate: BackendDecision<Context> };

/**
 * Wraps a Lambda handler behind an API Gateway JWT authorizer: denied requests get a 403 proxy
 * response (RFC 6750 `insufficient_scope`), requests without verified claims a 401, and the
 * handler is not called; allowed ones reach it with `event.jwtgate`.
 * @example export const handler = withPolicy(policy, async (event) => ({ statusCode: 200, body: event.jwtgate.principalId }));
 */
export function withPolicy<E extends object, C, R>(
  policy: PolicyInput,
  handler: (event: PolicyEvent<E>, context: C) => R | Promise<R>,
  options?: BackendOptions,
): (event: E, context: C) => Promise<R | ProxyResponse>;

/**
 * The same as a `@middy/core` middleware: `middy(handler).use(jwtgatePolicy(policy))`.
 * `before` answers a refusal itself (middy returns it without calling the handler).
 */
export function jwtgatePolicy(policy: PolicyInput, options?: BackendOptions): {
  before: (request: { event: any }) => Promise<ProxyResponse | undefined>;
};
