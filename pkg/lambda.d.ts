import type { JWKS, JWTPayload, JwtGateError, KeySet, RemoteKeySetLimits, VerifierOptions } from './index.js';
// The values the Rust core hands over are declared in core.d.ts, generated from its types.
import type { AuthorizerContext, Binding, Bound, CacheReport, Challenge, ClientCert, Decision, DpopOptions, PolicyCondition, IamResponse, Outcome, PolicyDocument as IamPolicyDocument, RuleTrace, Shape, SimpleResponse } from './core.js';
export type { AuthorizerContext, Binding, Bound, CacheReport, Challenge, ClientCert, Decision, DpopOptions, PolicyCondition, RuleTrace };

/** A policy document: see the README's "Policy documents". */
export interface PolicyDocument {
  rules: PolicyRule[];
  /** Claim whose value is the API Gateway `principalId`; default `sub`. */
  principalId?: string;
  /**
   * Authorizer context: name → claim (path), or name → `{ claim, type }` to have the backend
   * read it back typed (`readAuthorizerContext` from `jwtgate/backend`).
   */
  context?: Record<string, string | ContextEntry>;
  /** Claims the granted scopes are read from; default `["scope", "scp"]`. */
  scopeClaims?: string[];
  /** A sender constraint every allow rule requires (docs/sender-constrained.md). */
  binding?: Binding;
}

/** A typed `context` entry; `string[]` and `json` travel as JSON text. */
export interface ContextEntry {
  claim: string;
  type: 'string' | 'number' | 'boolean' | 'string[]' | 'json';
}

export interface PolicyRule {
  id: string;
  effect: 'allow' | 'deny';
  /** `"GET /pets/{petId}"`, `"* /admin/**"`, `"ANY /files/{key+}"`, `"$connect"`, `"$default"`. */
  routes: string[];
  scopes?: { anyOf?: string[]; allOf?: string[] };
  when?: PolicyCondition[];
  /** A sender constraint the request must meet for this (allow) rule to apply. */
  binding?: Binding;
  description?: string;
}


/** One issuer: the verifier's options (from `jwtgate`) and one key source. */
export interface IssuerOptions extends Omit<VerifierOptions, 'keys' | 'currentDate' | 'cache'> {
  /** Key sources: give one; `issuer` alone means OIDC discovery. */
  keys?: KeySet;
  jwks?: JWKS | string;
  /** https (plain http only to localhost, 127.0.0.1 or [::1]); symmetric keys in the fetched set are skipped. */
  jwksUri?: string | URL;
  secret?: string | Uint8Array;
  /**
   * A key set taken at build time by `snapshotJwks()` (`jwtgate jwks snapshot`), used until
   * its first refresh. Each issuer's own, for `issuer` or `jwksUri` sources.
   */
  jwksSnapshot?: import('./index.js').JwksSnapshot;
}

export interface AuthorizerOptions extends IssuerOptions {
  /** The policy: a document (object or JSON text) or a `Policy`. Without one, any valid token is allowed. */
  policy?: PolicyDocument | string | import('./index.js').Policy;
  /** Several issuers (multi-tenant pools), each with its own keys and audiences; top-level verifier options are defaults. */
  issuers?: (IssuerOptions & { issuer: string })[];
  /** HTTP API 2.0 configured for simple responses: answer `{ isAuthorized, context }`. */
  simpleResponses?: boolean;
  /** Header with the token; default `Authorization` (any case). */
  tokenHeader?: string;
  /** Query parameter with the token (WebSocket clients cannot set headers). */
  tokenQuery?: string;
  /** Cookie with the token. */
  tokenCookie?: string;
  /** Claim whose value becomes `usageIdentifierKey` (REST usage plans). */
  usageIdentifierKeyClaim?: string;
  /**
   * Accept DPoP-bound tokens (`Authorization: DPoP …` with a `DPoP` proof, RFC 9449).
   * @example dpop: { algorithms: ['ES256', 'EdDSA'], iatWindow: 60 }
   */
  dpop?: DpopOptions;
  /**
   * Refuse (401) tokens that are not sender-constrained this way, whatever the policy says.
   * @example requireBinding: 'dpop'
   */
  requireBinding?: Binding;
  /**
   * Where DPoP proofs' replay keys are recorded: a store shared by every instance (see
   * `jwtgate/stores`); default a bounded in-memory store, per instance.
   */
  replayStore?: import('./stores.js').Store;
  /** One JSON log line per decision (default `true`), `false`, or your own sink. */
  log?: boolean | ((line: DecisionLog) => void);
  /** Include the decision trace (which may contain claim values) in log lines. Default `false`. */
  logClaims?: boolean;
  /** Decide at this time instead of the clock's. */
  currentDate?: Date;
  /**
   * For fetching keys: the `fetch` to use, its timeout, the unknown-`kid` cooldown, and how long
   * past its max-age a key set is still used while the IdP cannot be reached (default 24 h).
   */
  fetch?: RemoteKeySetLimits['fetch'];
  jwksTimeoutMs?: number;
  jwksCooldownMs?: number;
  jwksMaxStaleMs?: number;
  /**
   * A store the fetched key sets are shared through, across instances and cold starts (see
   * `jwtgate/stores`); what it holds is checked as a fetch is.
   */
  jwksStore?: import('./stores.js').Store;
}

/** The structured log line of one decision. Never contains the token. */
export interface DecisionLog {
  msg: 'jwtgate decision';
  decision: 'allow' | 'deny' | 'unauthorized';
  status: 200 | 401 | 403;
  shape: EventShape;
  route?: string;
  rule?: string;
  reason?: string;
  code?: string;
  principal?: string;
  latencyMs: number;
  cache?: string;
  trace?: RuleTrace[];
}

export type EventShape = Shape;

/** The IAM policy answer (REST, WebSocket, HTTP API without simple responses). */
export type IamAuthorizerResponse = Omit<IamResponse, 'policyDocument'> & { policyDocument: IamPolicyDocument };

/** The HTTP API 2.0 simple answer. */
export type SimpleAuthorizerResponse = SimpleResponse;

export interface AuthorizeResult {
  allowed: boolean;
  /** 200 allowed, 401 no valid token, 403 valid token denied by the policy. */
  status: 200 | 401 | 403;
  decision?: Decision;
  principalId?: string;
  context?: AuthorizerContext;
  payload?: JWTPayload;
  error?: JwtGateError;
  /** How the request proved possession of the token's key (`bearer` when it is not bound). */
  binding?: Bound;
  /** For 401 and 403: the `WWW-Authenticate` challenge the core chose, without the realm. */
  challenge?: Challenge;
  /** The current DPoP nonce, for a `DPoP-Nonce` response header, when nonces are required. */
  dpopNonce?: string;
}

/** What `handleEvent` resolves to: the core's outcome, with the policy document in the answer. */
export type EventOutcome = Omit<Outcome, 'response' | 'refetch'> & { response?: IamAuthorizerResponse | SimpleAuthorizerResponse };

export class Authorizer {
  constructor(options: AuthorizerOptions);
  /** Fetches remote keys now (a Lambda's init phase). */
  hydrate(): Promise<void>;
  /** Decides a request without API Gateway. The token is read from `headers` when not given. */
  authorize(request: {
    token?: string;
    method?: string;
    path?: string;
    headers?: Record<string, string> | Headers | [string, string][];
    /** The URL the client called: what a DPoP proof's `htu` must name. */
    url?: string;
    /** The TLS client certificate, for certificate-bound tokens (Node: `{ sha256: cert.fingerprint256, verified: socket.authorized }`). */
    clientCert?: ClientCert;
    /** Cloudflare's `request.cf.tlsClientAuth`. */
    cloudflareTls?: object;
    currentDate?: Date;
  }): Promise<AuthorizeResult>;
  /** Decides an API Gateway authorizer event; `detail: false` leaves the claims, the trace and the top-level `context` (the response has it) out (faster). */
  handleEvent(event: object | string, options?: { currentDate?: Date; detail?: boolean }): Promise<EventOutcome>;
  /**
   * What a Lambda authorizer returns for `event`: the response, or a rejection with
   * `Error('Unauthorized')` (401). Gets back only the answer (and what the log needs), so it is the
   * fastest way to decide an event; `createLambdaAuthorizer`'s handler is `(event) => authorizer.respond(event)`.
   * @example export const handler = async (event) => authorizer.respond(event);
   */
  respond(event: object | string): Promise<IamAuthorizerResponse | SimpleAuthorizerResponse>;
  /**
   * Which principal classes get an inexact (narrowed) cached IAM answer, and why, with the
   * remedies; `undefined` without a policy.
   * @example if (!authorizer.cacheReport()?.exact) console.warn(authorizer.cacheReport()?.remedies.join(' '));
   */
  cacheReport(): CacheReport | undefined;
  /** Logs the cache report once where it asks for something (`createLambdaAuthorizer` does, at init). */
  logCacheReport(): void;
}

/** The Lambda handler: resolves to the API Gateway answer, or throws `Error('Unauthorized')` (401). */
export type LambdaAuthorizerHandler<Response = IamAuthorizerResponse | SimpleAuthorizerResponse> =
  ((event: any) => Promise<Response>) & { authorizer: Authorizer };

/** For HTTP API 2.0 with simple responses (other event shapes still get IAM answers). */
export function createLambdaAuthorizer(options: AuthorizerOptions & { simpleResponses: true }): LambdaAuthorizerHandler<SimpleAuthorizerResponse>;
/** IAM policy answers: REST TOKEN/REQUEST, WebSocket, HTTP API 1.0 and 2.0. */
export function createLambdaAuthorizer(options: AuthorizerOptions & { simpleResponses?: false }): LambdaAuthorizerHandler<IamAuthorizerResponse>;
export function createLambdaAuthorizer(options: AuthorizerOptions | Authorizer): LambdaAuthorizerHandler;
