// Generated from the Rust types by `cargo test` (src/ffi/typescript.rs): do not edit.
import type { JWTHeader, JWTPayload } from './index.js';

/** The stable code of every error the core makes (the package adds its own). */
export type CoreErrorCode =
  | 'ERR_JWS_INVALID'
  | 'ERR_JWT_INVALID'
  | 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  | 'ERR_JOSE_ALG_NOT_ALLOWED'
  | 'ERR_JOSE_NOT_SUPPORTED'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_CLAIM_VALIDATION_FAILED'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWKS_INVALID'
  | 'ERR_JWK_INVALID'
  | 'ERR_JWTGATE_INVALID_OPTIONS'
  | 'ERR_POLICY_INVALID'
  | 'ERR_APIGW_EVENT_INVALID'
  | 'ERR_JWTGATE_TOKEN_MISSING'
  | 'ERR_JWTGATE_CONTEXT_INVALID'
  | 'ERR_DPOP_PROOF_INVALID'
  | 'ERR_DPOP_NONCE_REQUIRED'
  | 'ERR_DPOP_REPLAYED'
  | 'ERR_DPOP_BINDING_MISMATCH'
  | 'ERR_MTLS_CERT_MISSING'
  | 'ERR_MTLS_BINDING_MISMATCH'
  | 'ERR_SENDER_CONSTRAINT_REQUIRED';

/** A JWS algorithm jwtgate verifies. `none` is never accepted. */
export type Algorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

/** An authorizer context, as API Gateway takes it: the policy's `context` mapping, objects and arrays JSON-encoded (`Policy::context`). */
export type AuthorizerContext = Record<string, string | number | boolean>;

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type ErrorData = { 
/**
 * The stable code.
 */
code: CoreErrorCode, 
/**
 * The message.
 */
message: string, 
/**
 * The claim, for claim errors.
 */
claim?: string | null, 
/**
 * Why the claim failed.
 */
reason?: ClaimReason | null, 
/**
 * The option, the JSON path of a policy fault, or the context entry at fault.
 */
field?: string | null, 
/**
 * The segment of a malformed token at fault, from 1.
 */
segment?: number | null, 
/**
 * The offending character's offset in that segment, from 0.
 */
offset?: number | null, 
/**
 * How many dots the token has, when that is what is wrong.
 */
dots?: number | null, 
/**
 * The line of a JSON fault in the decoded segment, from 1.
 */
line?: number | null, 
/**
 * Its column, from 1.
 */
column?: number | null, };

export type ClaimReason = "check_failed" | "missing" | "invalid";

export type Window = { 
/**
 * The first such second.
 */
from: number, 
/**
 * The last such second.
 */
until: number, };

export type AlgInfo = { 
/**
 * The registered name.
 */
name: Algorithm, 
/**
 * [`Alg::code`].
 */
code: number, 
/**
 * How it signs.
 */
family: Family, 
/**
 * The hash, as `WebCrypto` names it; none for Ed25519.
 */
hash?: string | null, 
/**
 * The curve, as JOSE and `WebCrypto` name it.
 */
curve?: string | null, 
/**
 * The length of every signature, where it is fixed (not RSA's: the key's).
 */
signatureBytes?: number | null, 
/**
 * The PSS salt length.
 */
saltBytes?: number | null, };

export type Family = "hmac" | "pkcs1" | "pss" | "ecdsa" | "eddsa";

export type KeyInfo = { 
/**
 * The key's `kid`.
 */
kid?: string | null, 
/**
 * `oct`, `RSA`, `EC` or `OKP`.
 */
kty: string, 
/**
 * The algorithm the key is pinned to.
 */
alg: Algorithm, 
/**
 * The curve, for EC and OKP keys.
 */
crv?: string | null, 
/**
 * The size in bits, for RSA keys and secrets.
 */
bits?: number | null, 
/**
 * Every algorithm this key would verify.
 */
algorithms: Algorithm[], 
/**
 * Whether the runtime's crypto checks this key's signatures (the key was imported into a
 * native backend), rather than the wasm code.
 */
native: boolean, };

export type SkippedKey = { 
/**
 * Its position in `keys`.
 */
index: number, 
/**
 * Its `kid`, when it has a string one.
 */
kid?: string | null, 
/**
 * Why it cannot be used.
 */
reason: string, };

export type Decoded = { 
/**
 * The protected header.
 */
header: JWTHeader, 
/**
 * The claims set.
 */
payload: JWTPayload, 
/**
 * The signature segment, still base64url.
 */
signature: string, 
/**
 * The signature's length in bytes.
 */
signatureBytes: number, 
/**
 * The header's `alg`, described (its family, and the length of its signatures where that
 * is fixed), when jwtgate supports it.
 */
algorithm?: AlgInfo | null, 
/**
 * What looks wrong or risky.
 */
warnings: Array<Warning>, };

export type Warning = { 
/**
 * A stable code such as `ALG_NONE`.
 */
code: string, 
/**
 * How much it matters.
 */
severity: Severity, 
/**
 * What it means, in words.
 */
message: string, };

export type Severity = "high" | "medium" | "low";

export type Decision = { 
/**
 * Whether the request may proceed.
 */
allowed: boolean, 
/**
 * The deciding rule: the first applying deny, else the first applying allow; `None` when
 * nothing applied (default deny).
 */
rule?: string | null, 
/**
 * One sentence for humans and logs; contains no claim values.
 */
reason: string, 
/**
 * Every rule, in document order: whether it applied, and if not, the first failed check.
 */
trace: Array<RuleTrace>, };

export type RuleTrace = { 
/**
 * The rule's id.
 */
rule: string, 
/**
 * The rule's effect.
 */
effect: Effect, 
/**
 * Whether the rule applied to this request.
 */
applied: boolean, 
/**
 * The first check that failed, for rules that did not apply.
 */
failed?: FailedCheck | null, };

export type FailedCheck = { 
/**
 * `route`, `scopes`, or `when[i]`.
 */
check: string, 
/**
 * What the rule requires.
 */
expected: string, 
/**
 * What was there (a claim value, the granted scopes, the request route); absent when
 * the claim was missing. May contain token data: log it only when asked to.
 */
actual?: JsonValue | null, };

export type Effect = "allow" | "deny";

export type Outcome = { 
/**
 * 200 (allowed), 401 (no valid token) or 403 (valid token, denied by the policy).
 */
status: 200 | 401 | 403, 
/**
 * The event shape.
 */
shape: Shape, 
/**
 * What to return to API Gateway; absent for 401, where the handler throws `Unauthorized`.
 */
response?: Response | null, 
/**
 * The policy decision, when the token was valid.
 */
decision?: Decision | null, 
/**
 * Why the token was refused.
 */
error?: ErrorData | null, 
/**
 * The principal, when the token was valid.
 */
principalId?: string | null, 
/**
 * The verified claims.
 */
payload: JWTPayload, 
/**
 * The authorizer context sent to API Gateway.
 */
context: AuthorizerContext, 
/**
 * The route as the policy saw it (`GET /pets/7`, `$connect`).
 */
route?: string | null, 
/**
 * Set when no key had the token's `kid`: the caller may refresh that issuer's keys and
 * try once more.
 */
refetch?: Refetch | null, 
/**
 * How the request proved possession of the token's key, when the token was valid.
 */
binding?: Bound | null, 
/**
 * For a request with a DPoP proof: the caller must record this key and refuse the
 * request if it was recorded already ([`Authorizer::replayed`]).
 */
replay?: Replay | null, 
/**
 * For a 401 or 403: the `WWW-Authenticate` challenge, without the realm.
 */
challenge?: Challenge | null, 
/**
 * The current DPoP nonce, for the `DPoP-Nonce` header, when nonces are required.
 */
dpopNonce?: string | null, };

export type Shape = "restToken" | "restRequest" | "httpV1" | "httpV2" | "webSocket" | "direct";

export type Refetch = { 
/**
 * Index of the issuer, in the order they were configured.
 */
issuer: number, 
/**
 * The token's `kid`.
 */
kid?: string | null, };

export type Bound = "bearer" | "dpop" | "mtls" | "dpop+mtls";

export type Binding = "dpop" | "mtls" | "any";

export type Challenge = { 
/**
 * `Bearer` or `DPoP`.
 */
scheme: string, 
/**
 * The OAuth error code; absent when the request carried no credentials at all.
 */
error?: string | null, 
/**
 * The accepted proof algorithms, for a `DPoP` challenge.
 */
algs?: string | null, };

export type Replay = { 
/**
 * A digest of the proof key's thumbprint and the `jti`: one client cannot use up
 * another's `jti`s.
 */
key: string, 
/**
 * Until the proof's `iat` is out of the window everywhere, allowing for clocks that
 * differ by up to a window.
 */
ttlMs: number, };

export type DpopOptions = { 
/**
 * The proof algorithms accepted (default: every supported asymmetric one).
 */
algorithms?: Array<string>, 
/**
 * How far a proof's `iat` may lie from now, in seconds, either way (default 60).
 */
iatWindow?: number, 
/**
 * With a secret (at least 32 bytes), proofs must carry a server nonce (RFC 9449 §8),
 * derived from the secret and the time, so that every instance knows it without sharing
 * state.
 */
nonceSecret?: string, 
/**
 * How long a nonce stays current, in seconds (default 300); the previous one is accepted too.
 */
noncePeriod?: number, 
/**
 * The URI the client calls up to the route's path (`https://api.example.com/v1`), where
 * the request cannot tell (behind a CDN that rewrites the host, for one).
 */
htuBase?: string, };

export type ClientCert = { 
/**
 * The certificate, PEM-encoded (API Gateway's `clientCertPem`).
 */
pem?: string, 
/**
 * Its SHA-256 digest in hex (Node's `fingerprint256`, Cloudflare's
 * `certFingerprintSHA256`).
 */
sha256?: string, 
/**
 * Whether the TLS layer verified it against a trust store. API Gateway passes only
 * certificates it verified, so an event's certificate counts as verified.
 */
verified?: boolean, };

export type Response = IamResponse | SimpleResponse;

export type IamResponse = { principalId: string, policyDocument: PolicyDocument | number, context: AuthorizerContext, usageIdentifierKey?: string, };

export type SimpleResponse = { isAuthorized: boolean, context: AuthorizerContext, };

export type PolicyDocument = { Version: '2012-10-17', Statement: Array<Statement>, };

export type Statement = { Action: 'execute-api:Invoke', Effect: 'Allow' | 'Deny', Resource: string[], };

export type CacheReport = { 
/**
 * Whether every class checked gets an exact answer.
 */
exact: boolean, 
/**
 * Whether the decision depends on the route (then a cache per identity alone needs IAM
 * answers; an HTTP API simple response cannot say which routes it allows).
 */
routeDependent: boolean, 
/**
 * How many principal classes were checked, and whether they were all of them.
 */
classesChecked: number, 
/**
 * `false` when the classes were sampled (too many rules with conditions).
 */
allClasses: boolean, 
/**
 * The classes whose answers are inexact.
 */
inexact: Array<ClassReport>, 
/**
 * The largest answer's policy document, in bytes, under a sample ARN prefix.
 */
largestAnswerBytes: number, 
/**
 * What to do about it, one sentence each; empty when nothing needs doing.
 */
remedies: Array<string>, };

export type ClassReport = { 
/**
 * The rules a principal of this class meets (the others' scopes or conditions fail).
 */
meets: Array<string>, 
/**
 * The patterns left out of its answer, and why.
 */
narrowed: Array<Narrowing>, 
/**
 * A request the policy allows and the cached answer denies (`METHOD path`), among paths
 * without escapes, wildcard characters or a trailing `/`.
 */
overDenied?: string | null, };

export type Narrowing = { 
/**
 * The rule whose route it was.
 */
rule: string, 
/**
 * The route, as the document writes it.
 */
route: string, 
/**
 * The pattern after the API and stage (`/GET/pets/?*`).
 */
resource: string, 
/**
 * Why it was left out.
 */
reason: string, };

export type CheckInput = { 
/**
 * The API's routes; `None` when no API was given.
 */
api?: Array<ApiRoute> | null, 
/**
 * The authorizers the template configures.
 */
authorizers?: Array<AuthorizerConfig> | null, 
/**
 * Whether the authorizer accepts DPoP proofs (its `dpop` option; no template says).
 */
dpop?: boolean | null, };

export type ApiRoute = { 
/**
 * The method (any case; `ANY` and the `OpenAPI` extension
 * `x-amazon-apigateway-any-method` for any) and path, or a route key.
 */
route: string, 
/**
 * Where it is defined, for messages (`paths./pets.get`).
 */
source?: string | null, };

export type AuthorizerConfig = { 
/**
 * Its name (the template's logical id, or the name under `Auth.Authorizers`).
 */
name: string, 
/**
 * Where it is defined, for messages.
 */
source?: string | null, 
/**
 * Its type.
 */
type: AuthorizerType, 
/**
 * The API it guards.
 */
api: ApiKind, 
/**
 * HTTP APIs: the payload format version (`1.0`, `2.0`).
 */
payloadVersion?: string | null, 
/**
 * HTTP APIs, payload 2.0: simple responses (`{ isAuthorized }`) instead of IAM policies.
 */
simpleResponses?: boolean | null, 
/**
 * The identity sources, as the template writes them (`method.request.header.Authorization`,
 * `$request.header.Authorization`, `$context.routeKey`, `context.httpMethod`).
 */
identitySources?: Array<string> | null, 
/**
 * The result TTL in seconds; absent: API Gateway's default ([`DEFAULT_RESULT_TTL`]).
 */
ttl?: number | null, };

export type AuthorizerType = "TOKEN" | "REQUEST" | "COGNITO_USER_POOLS" | "JWT";

export type ApiKind = "REST" | "HTTP" | "WEBSOCKET";

export type Check = { 
/**
 * How many findings are errors.
 */
errors: number, 
/**
 * How many are warnings.
 */
warnings: number, 
/**
 * The policy's lints, then the API's, then the answers' and the authorizers'.
 */
findings: Array<Finding>, 
/**
 * Each API route with the rules that reach it; absent without an API.
 */
coverage?: Array<Coverage> | null, 
/**
 * The cache report of IAM answers (HTTP API simple responses have their own, in the
 * authorizers' findings).
 */
cacheReport: CacheReport, 
/**
 * API Gateway's limit on a WebSocket authorizer's answer, in bytes.
 */
maxWebsocketAnswerBytes: number, 
/**
 * The template's authorizers, checked.
 */
authorizers: Array<AuthorizerCheck>, };

export type Finding = { 
/**
 * A stable code such as `ALLOW_SHADOWED`.
 */
code: string, 
/**
 * How much it matters.
 */
level: Level, 
/**
 * What is wrong, in words.
 */
message: string, 
/**
 * The rule it is about.
 */
rule?: string | null, 
/**
 * Where in the policy document (a JSON path).
 */
at?: string | null, 
/**
 * Where in the API's or template's file (as the caller named it).
 */
source?: string | null, };

export type Level = "error" | "warning" | "note";

export type Coverage = { 
/**
 * The API's route, as a policy route.
 */
route: string, 
/**
 * Where it is defined.
 */
source?: string | null, 
/**
 * Every rule one of whose routes matches some request of it, in document order.
 */
rules: Array<Applying>, 
/**
 * Whether some allow rule that can apply reaches it (if not, every request is denied).
 */
allowed: boolean, };

export type Applying = { 
/**
 * The rule's id.
 */
rule: string, 
/**
 * The rule's effect.
 */
effect: Effect, 
/**
 * Whether its routes match every request of the API route, not only some.
 */
whole: boolean, 
/**
 * What else it requires: its scopes, conditions and bindings, one phrase each.
 */
requires: Array<string>, };

export type AuthorizerCheck = { 
/**
 * What the template configures.
 */
config: AuthorizerConfig, 
/**
 * The result TTL in effect, in seconds.
 */
ttl: number, 
/**
 * Whether API Gateway caches its answers (a TTL over 0).
 */
caching: boolean, 
/**
 * Whether its cache keeps answers per route (then a narrowed answer costs nothing).
 */
perRoute: boolean, };

export type Decided = { decision: Decision, principalId?: string | null, context: AuthorizerContext, };

export type Manifest = { 
/**
 * Every algorithm, with its code for the native backend and what `WebCrypto` needs.
 */
algorithms: Array<AlgInfo>, 
/**
 * The verifier's option names.
 */
verifierOptions: Array<string>, 
/**
 * The authorizer's own option names (beside the verifier's).
 */
authorizerOptions: Array<string>, limits: Limits, 
/**
 * Each outcome detail level's number, by name.
 */
detail: { [key in string]: JsonValue }, 
/**
 * The members of an event the decision reads.
 */
event: EventPlan, 
/**
 * The members of a policy document and of its rules.
 */
policy: PolicyMembers, 
/**
 * The members of a backend's proxy event read for its claims, route and context.
 */
proxyEvent: ProxyPlan, 
/**
 * The tag bytes of frames, in which events are copied in.
 */
frameTags: FrameTags, };

export type Limits = { 
/**
 * The largest document or event, in bytes.
 */
maxDocumentBytes: number, 
/**
 * How many cached IAM answers the authorizer keeps (and so how many documents by id).
 */
maxCachedGrants: number, 
/**
 * The longest token by default.
 */
defaultMaxTokenLength: number, };

export type PolicyMembers = { document: [string, string, string, string, string], rule: [string, string, string, string, string, string, string], };

export type EventPlan = { 
/**
 * The top-level members read.
 */
members: Array<string>, 
/**
 * The objects among them of which only some members are read, with those members; an
 * object inside one of those is named by its path (`requestContext.identity`). Every
 * object the core reads is named here: bindings take these apart, and the frame reader
 * reads an object only so (`crate::frame`).
 */
nested: { [key in string]: Array<string> }, 
/**
 * The members that are header maps.
 */
headerMaps: [string, string], 
/**
 * The members that are query-string maps.
 */
queryMaps: [string, string], };

export type FrameTags = { 
/**
 * A string.
 */
string: number, 
/**
 * An array.
 */
array: number, 
/**
 * An object.
 */
object: number, 
/**
 * A JSON text.
 */
json: number, };

export type ProxyPlan = { 
/**
 * The top-level members read.
 */
members: Array<string>, 
/**
 * The objects among them of which only some members are read, with those members.
 */
nested: { [key in string]: Array<string> }, };

export type BackendOutcome = { 
/**
 * 200 (call the handler), 401 (no verified claims: API Gateway's authorizer is not in
 * front of this backend) or 403 (denied by the policy).
 */
status: 200 | 401 | 403, 
/**
 * The proxy response to answer with instead of calling the handler (401, 403).
 */
response?: ProxyResponse | null, 
/**
 * The policy decision, when there were claims.
 */
decision?: Decision | null, 
/**
 * The principal, when there were claims.
 */
principalId?: string | null, 
/**
 * The policy's `context` for these claims, each entry in its type.
 */
context?: { [key in string]: JsonValue } | null, 
/**
 * The verified claims, as read from the event.
 */
claims: JWTPayload, 
/**
 * The route as the policy saw it.
 */
route?: string | null, 
/**
 * Why there was no decision (401).
 */
error?: ErrorData | null, };

export type ProxyResponse = { 
/**
 * 401 or 403.
 */
statusCode: number, 
/**
 * `Content-Type`, `WWW-Authenticate`, `Cache-Control`.
 */
headers: ProxyHeaders, 
/**
 * The JSON body, as text.
 */
body: string, };

export type ProxyHeaders = { "Content-Type": string, 
/**
 * RFC 6750 §3: `Bearer`, with `error="insufficient_scope"` for a 403.
 */
"WWW-Authenticate": string, "Cache-Control": string, };

/** One condition on a claim (a name, or a dotted path); exactly one operator. */
export type PolicyCondition = { claim: string } & (
  | { equals: JsonValue }
  | { in: JsonValue[] }
  | { containsAny: JsonValue[] }
  | { containsAll: JsonValue[] }
  | { prefix: string }
  | { suffix: string }
  | { regex: string }
  | { exists: boolean }
  | { equalsParam: string }
);
