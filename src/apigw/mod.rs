//! The authorizer: an API Gateway event (or a bare request) in, a decision and the response
//! API Gateway expects out. Deterministic like the rest of the core: keys and the time are
//! handed in; fetching keys and logging are the JavaScript layer's job.

mod arn;
mod backend;
#[cfg(feature = "tools")]
pub mod deployment;
mod event;
pub mod iam;
mod response;
mod token;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use backend::{
    authorizer_context, decide_event, proxy_plan, BackendOutcome, ProxyHeaders, ProxyPlan,
    ProxyResponse,
};
pub use event::{event_plan, EventPlan, Shape};
#[cfg(target_arch = "wasm32")]
pub(crate) use iam::Grants;
#[cfg(test)]
pub(crate) use response::declarations as response_declarations;
pub use response::{IamPolicy, Response};
pub use token::{Field, Fields, TokenSource};

use self::{
    event::Request,
    iam::{grant_everything, report::MAX_WEBSOCKET_ANSWER_BYTES, GrantCache},
    response::{iam_response, simple_response},
};
use crate::{
    alg::Alg,
    error::{ClaimReason, Error, ErrorData},
    key::Key,
    keyset::KeySet,
    policy::{
        route::{Named, Target},
        Decision, Policy,
    },
    segment::{self, Part},
    sender::{
        Binding, Bound, Challenge, ClientCert, CloudflareTls, DpopOptions, Evidence, Possession,
        Presented, Replay, Scheme, Senders,
    },
    verifier::Verifier,
};

/// Authorizer settings beyond the verifier's options and the policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthorizerOptions {
    /// Header carrying the token (default `Authorization`).
    pub token_header: Option<String>,
    /// Query-string parameter carrying the token (e.g. for WebSocket `$connect`).
    pub token_query: Option<String>,
    /// Cookie carrying the token.
    pub token_cookie: Option<String>,
    /// Answer HTTP API 2.0 events with `{ isAuthorized, context }`.
    #[serde(default)]
    pub simple_responses: bool,
    /// Claim whose value becomes the REST API `usageIdentifierKey` (API key for usage plans).
    pub usage_identifier_key_claim: Option<String>,
    /// Accept DPoP-bound tokens (`Authorization: DPoP …` with a `DPoP` proof, RFC 9449).
    pub dpop: Option<DpopOptions>,
    /// Refuse tokens not sender-constrained this way (`"dpop"`, `"mtls"` or `"any"`), even
    /// where the policy would allow them.
    pub require_binding: Option<Binding>,
}

/// One trusted issuer: its verifier (audiences, …) and current keys.
struct Issuer {
    /// The `iss` that routes tokens here; `None` when there is only one issuer.
    name: Option<String>,
    verifier: Verifier,
    keys: Arc<KeySet>,
}

/// Verifies the token of a request and decides it against the policy.
pub struct Authorizer {
    issuers: Vec<Issuer>,
    policy: Option<Policy>,
    grants: GrantCache,
    source: TokenSource,
    simple_responses: bool,
    usage_claim: Option<String>,
    /// The claims a brief decision or an answer reads (sorted): built while verifying.
    claims_read: Vec<String>,
    senders: Senders,
}

/// Everything about one authorization, for the response, the caller and the log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Outcome {
    /// 200 (allowed), 401 (no valid token) or 403 (valid token, denied by the policy).
    #[cfg_attr(test, ts(type = "200 | 401 | 403"))]
    pub status: u16,
    /// The event shape.
    pub shape: Shape,
    /// What to return to API Gateway; absent for 401, where the handler throws `Unauthorized`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// The policy decision, when the token was valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Why the token was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorData>,
    /// The principal, when the token was valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The verified claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "JWTPayload"))]
    pub payload: Option<Map<String, Value>>,
    /// The authorizer context sent to API Gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "AuthorizerContext"))]
    pub context: Option<Map<String, Value>>,
    /// The route as the policy saw it (`GET /pets/7`, `$connect`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Set when no key had the token's `kid`: the caller may refresh that issuer's keys and
    /// try once more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refetch: Option<Refetch>,
    /// How the request proved possession of the token's key, when the token was valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<Bound>,
    /// For a request with a DPoP proof: the caller must record this key and refuse the
    /// request if it was recorded already ([`Authorizer::replayed`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
    /// For a 401 or 403: the `WWW-Authenticate` challenge, without the realm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
    /// The current DPoP nonce, for the `DPoP-Nonce` header, when nonces are required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_nonce: Option<String>,
}

impl Outcome {
    /// The refusal of an event that cannot be read at all (for bindings that receive it in
    /// pieces, such as a length beyond their buffer).
    #[must_use]
    pub fn unreadable_event(message: impl Into<String>) -> Self {
        refused(Shape::Direct, None, &Error::EventInvalid(message.into()))
    }
}

/// Which issuer's keys lacked which `kid`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Refetch {
    /// Index of the issuer, in the order they were configured.
    pub issuer: usize,
    /// The token's `kid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// A request handed in directly, without an API Gateway event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DirectRequest<'a> {
    /// The token; when absent it is read from `headers` like an event's identity source.
    pub token: Option<String>,
    /// The HTTP method, or a route key such as `$connect`.
    pub method: Option<String>,
    /// The path.
    pub path: Option<String>,
    /// Request headers (any case).
    #[serde(default, borrow)]
    pub headers: Fields<'a>,
    /// Query-string parameters.
    #[serde(default, borrow)]
    pub query: Fields<'a>,
    /// The URL the client called, for DPoP's `htu`.
    pub url: Option<String>,
    /// The client certificate of the TLS connection.
    pub client_cert: Option<ClientCert>,
    /// Cloudflare's `request.cf.tlsClientAuth`, read as the client certificate.
    pub cloudflare_tls: Option<CloudflareTls>,
}

impl Authorizer {
    /// Builds an authorizer; add issuers with [`Authorizer::add_issuer`].
    ///
    /// # Errors
    /// `ERR_JWTGATE_INVALID_OPTIONS` when the sender-constraint options are wrong.
    pub fn new(policy: Option<Policy>, options: AuthorizerOptions) -> Result<Self, Error> {
        let senders = Senders::new(options.dpop, options.require_binding)?;
        let source = TokenSource {
            header: options
                .token_header
                .unwrap_or_else(|| "authorization".into()),
            query: options.token_query,
            cookie: options.token_cookie,
            dpop: senders.dpop_enabled(),
        };
        Ok(Self {
            issuers: Vec::new(),
            claims_read: claims_read(
                policy.as_ref(),
                options.usage_identifier_key_claim.as_deref(),
            ),
            grants: GrantCache::default(),
            policy,
            source,
            simple_responses: options.simple_responses,
            usage_claim: options.usage_identifier_key_claim,
            senders,
        })
    }

    /// Trusts one more issuer: tokens whose `iss` is `name` are verified by `verifier` with
    /// `keys`. `name` may be `None` only for a single issuer. Returns the issuer's index.
    ///
    /// # Errors
    /// `ERR_JWTGATE_INVALID_OPTIONS` when several issuers would not be told apart.
    pub fn add_issuer(
        &mut self,
        name: Option<String>,
        verifier: Verifier,
        keys: Arc<KeySet>,
    ) -> Result<usize, Error> {
        let ambiguous = !self.issuers.is_empty()
            && (name.is_none()
                || self
                    .issuers
                    .iter()
                    .any(|i| i.name.is_none() || i.name == name));
        if ambiguous {
            return Err(Error::option(
                "issuers",
                "with several issuers, each needs its own distinct `issuer`",
            ));
        }
        self.issuers.push(Issuer {
            name,
            verifier,
            keys,
        });
        Ok(self.issuers.len() - 1)
    }

    /// Replaces the policy.
    pub fn set_policy(&mut self, policy: Policy) {
        self.claims_read = claims_read(Some(&policy), self.usage_claim.as_deref());
        self.grants = GrantCache::default();
        self.policy = Some(policy);
    }

    /// Which principal classes get an inexact cached answer, and why, with the remedies
    /// ([`iam::report`]); `None` without a policy (any valid token may call anything: every
    /// answer is exact).
    #[must_use]
    pub fn cache_report(&self) -> Option<iam::report::CacheReport> {
        let policy = self.policy.as_ref()?;
        Some(iam::report::cache_report(
            policy,
            self.simple_responses,
            self.senders.dpop_enabled(),
        ))
    }

    /// Where requests carry their token.
    #[must_use]
    pub fn token_source(&self) -> &TokenSource {
        &self.source
    }

    /// Replaces the keys of issuer `index` (after a JWKS refresh).
    pub fn set_keys(&mut self, index: usize, keys: Arc<KeySet>) {
        if let Some(issuer) = self.issuers.get_mut(index) {
            issuer.keys = keys;
        }
    }

    /// Authorizes an API Gateway authorizer event given as JSON text.
    #[must_use]
    pub fn handle_event(&self, event_json: &str, now: i64) -> Outcome {
        self.handle_event_with(event_json, now, Detail::Full)
    }

    /// [`Authorizer::handle_event`] telling only as much as `detail` asks for: the less, the
    /// cheaper.
    #[must_use]
    pub fn handle_event_with(&self, event_json: &str, now: i64, detail: Detail) -> Outcome {
        self.decide_event(event::parse_json(event_json, &self.source), now, detail)
    }

    /// [`Authorizer::handle_event_with`] for an event written as a frame, as bindings copy
    /// events in (the crate's `frame` module describes the format).
    #[must_use]
    pub fn handle_event_frame(&self, frame: &[u8], now: i64, detail: Detail) -> Outcome {
        self.decide_event(event::parse_frame(frame, &self.source), now, detail)
    }

    fn decide_event(&self, request: Result<Request, Error>, now: i64, detail: Detail) -> Outcome {
        match request {
            Ok(request) => self.authorize(&request, now, &mut verify_with_keys, detail),
            Err(err) => refused(Shape::Direct, None, &err),
        }
    }

    /// Authorizes a request handed in directly (edge middleware, tests).
    #[must_use]
    pub fn authorize_direct(&self, direct: &DirectRequest<'_>, now: i64) -> Outcome {
        self.authorize_direct_with(direct, now, &mut verify_with_keys)
    }

    /// [`Authorizer::authorize_direct`] with the signature check handed to `check_signature`
    /// (which also gets the issuer's index), as [`Verifier::verify_with`] does.
    #[must_use]
    pub fn authorize_direct_with(
        &self,
        direct: &DirectRequest<'_>,
        now: i64,
        check_signature: IssuerSignatureCheck<'_>,
    ) -> Outcome {
        // Read like an event's identity source: header, then query parameter, then cookie.
        let carriers = token::Carriers {
            headers: Some(&direct.headers),
            query: Some(&direct.query),
            ..token::Carriers::default()
        };
        let token = match &direct.token {
            Some(token) => token::credential(token),
            None => token::token_from_request(carriers, &self.source),
        };
        let cert = direct.client_cert.clone().or_else(|| {
            direct
                .cloudflare_tls
                .clone()
                .and_then(Option::<ClientCert>::from)
        });
        let evidence = Evidence {
            proof: if self.source.dpop {
                token::dpop_proof(carriers)
            } else {
                Ok(None)
            },
            uri: direct.url.clone(),
            cert,
        };
        // The path as the caller received it, escapes kept (the edge guard passes the URL's).
        let named = Named::new(
            direct.method.as_deref().unwrap_or("GET"),
            direct.path.as_deref().unwrap_or("/"),
        );
        let (route_key, method, path) = match named {
            Named::Key(key) => (Some(key), None, None),
            Named::Http { method, path } => (None, Some(method), Some(path)),
        };
        let request = Request {
            shape: Shape::Direct,
            route_key,
            method,
            path,
            token,
            arn: None,
            evidence,
        };
        self.authorize(&request, now, check_signature, Detail::Full)
    }

    /// The refusal of a request whose DPoP proof the caller found recorded already (the
    /// outcome's [`Outcome::replay`]): the same proof twice is a replay (RFC 9449 §11.1).
    #[must_use]
    pub fn replayed(&self, shape: Shape, route: Option<String>, now: i64) -> Outcome {
        let err = Error::sender(
            crate::error::SenderFault::Replayed,
            "the DPoP proof was used before (its jti)",
        );
        self.refusal(shape, route, &err, Some(Scheme::Dpop), now)
    }

    fn authorize(
        &self,
        request: &Request,
        now: i64,
        check_signature: IssuerSignatureCheck<'_>,
        detail: Detail,
    ) -> Outcome {
        let route = match detail {
            Detail::Answer => None,
            Detail::Full | Detail::Brief => request.target().map(|t| t.to_string()),
        };
        let credential = match &request.token {
            Ok(credential) => credential,
            Err(why) => {
                let err = Error::TokenMissing(why.clone());
                return self.refusal(request.shape, route, &err, None, now);
            }
        };
        let scheme = Some(credential.scheme);
        let claims = self.verified_claims(&credential.token, now, check_signature, detail);
        let claims = match claims {
            Ok(claims) => claims,
            Err((err, refetch)) => {
                return Outcome {
                    refetch,
                    ..self.refusal(request.shape, route, &err, scheme, now)
                }
            }
        };
        match self.possession(request, credential, &claims, now) {
            Ok(possession) => {
                let bound = possession.bound;
                let outcome = self.decided(request, claims, detail, route, possession);
                Outcome {
                    challenge: (outcome.status == 403)
                        .then(|| self.senders.denial_challenge(bound)),
                    dpop_nonce: self.senders.nonce(now),
                    ..outcome
                }
            }
            Err(err) => self.refusal(request.shape, route, &err, scheme, now),
        }
    }

    /// How the request proves possession of the key the token is bound to, if it is bound.
    fn possession(
        &self,
        request: &Request,
        credential: &token::Credential,
        claims: &Map<String, Value>,
        now: i64,
    ) -> Result<Possession, Error> {
        let presented = Presented {
            scheme: credential.scheme,
            token: &credential.token,
            // A WebSocket `$connect` is an HTTP GET upgraded.
            method: request.method.as_deref().unwrap_or("GET"),
            path: request.path.as_deref().unwrap_or_default(),
            evidence: &request.evidence,
        };
        self.senders.check(claims.get("cnf"), &presented, now)
    }

    /// A 401 for `err`, with its challenge (and a fresh nonce when nonces are required).
    fn refusal(
        &self,
        shape: Shape,
        route: Option<String>,
        err: &Error,
        scheme: Option<Scheme>,
        now: i64,
    ) -> Outcome {
        Outcome {
            challenge: Some(self.senders.challenge(err, scheme)),
            dpop_nonce: self.senders.nonce(now),
            ..refused(shape, route, err)
        }
    }

    /// The claims of the request's verified token that `detail` needs; or why there are none,
    /// with the keys a refetch may find when no key had the token's `kid`.
    fn verified_claims(
        &self,
        token: &str,
        now: i64,
        check_signature: IssuerSignatureCheck<'_>,
        detail: Detail,
    ) -> Result<Map<String, Value>, (Error, Option<Refetch>)> {
        let (index, issuer) = self.route_issuer(token).map_err(|err| (err, None))?;
        let mut check = |alg, candidates: &[(usize, &Key)], input: &[u8], signature: &[u8]| {
            check_signature(index, alg, candidates, input, signature)
        };
        // Only a full outcome shows the claims: the others read just the ones verification keeps.
        let keep: &[String] = match detail {
            Detail::Full => &[],
            Detail::Brief | Detail::Answer => &self.claims_read,
        };
        match issuer
            .verifier
            .verify_keeping(&issuer.keys, token, now, &mut check, keep)
        {
            Ok(verified) if detail == Detail::Full => Ok(verified.payload()),
            Ok(verified) => Ok(verified.kept),
            Err(err) => {
                let refetch = match &err {
                    Error::NoMatchingKey { kid, .. } => Some(Refetch {
                        issuer: index,
                        kid: kid.clone(),
                    }),
                    _ => None,
                };
                Err((err, refetch))
            }
        }
    }

    /// The outcome for verified claims: the principal, the decision and the answer.
    fn decided(
        &self,
        request: &Request,
        claims: Map<String, Value>,
        detail: Detail,
        route: Option<String>,
        possession: Possession,
    ) -> Outcome {
        let bound = possession.bound;
        let principal = match &self.policy {
            Some(policy) => policy.principal(&claims),
            None => claims.get("sub").and_then(Value::as_str).map(str::to_owned),
        };
        let Some(principal) = principal else {
            let err = Error::claim_failed(
                "sub",
                ClaimReason::Missing,
                "the token names no principal (principalId claim)".into(),
            );
            return refused(request.shape, route, &err);
        };
        let decision = match &self.policy {
            Some(policy) => decide_every_reading(request, &|target| match detail {
                Detail::Full => policy.decide_bound(target, &claims, bound),
                Detail::Brief | Detail::Answer => policy.decide_untraced(target, &claims, bound),
            }),
            None => Decision::allow_all(),
        };
        // A context that cannot be built whole refuses the request: the backend never gets
        // less than the mapping promises.
        let context = match self.policy.as_ref().map(|p| p.context(&claims)) {
            None => Map::new(),
            Some(Ok(context)) => context,
            Some(Err(err)) => return refused(request.shape, route, &err),
        };
        // Only a full outcome shows the context besides the response.
        let shown_context = (detail == Detail::Full).then(|| context.clone());
        let (response, decision) =
            self.response(request, decision, (&principal, bound), &claims, context);
        let answer_only = detail == Detail::Answer;
        Outcome {
            status: if decision.allowed { 200 } else { 403 },
            shape: request.shape,
            response,
            decision: (!answer_only).then_some(decision),
            error: None,
            principal_id: (!answer_only).then_some(principal),
            payload: (detail == Detail::Full).then_some(claims),
            context: shown_context,
            route,
            refetch: None,
            binding: Some(bound),
            replay: possession.replay,
            challenge: None,
            dpop_nonce: None,
        }
    }

    /// The answer for API Gateway, and the decision it gives: the policy's, unless the answer
    /// cannot allow the current request alone (its ARN holds an IAM wildcard character and
    /// no proved pattern covers it), which must then be denied. A request with a DPoP proof
    /// gets an answer for itself alone: the proof is bound to this one request.
    fn response(
        &self,
        request: &Request,
        decision: Decision,
        (principal, bound): (&str, Bound),
        claims: &Map<String, Value>,
        context: Map<String, Value>,
    ) -> (Option<Response>, Decision) {
        if request.shape == Shape::Direct {
            return (None, decision);
        }
        if request.shape == Shape::HttpV2 && self.simple_responses {
            return (Some(simple_response(decision.allowed, context)), decision);
        }
        let Some(arn) = request.arn.as_ref() else {
            return (None, decision);
        };
        let usage_key = self
            .usage_claim
            .as_ref()
            .and_then(|c| claims.get(c))
            .and_then(Value::as_str)
            .map(str::to_owned);
        // The request as the policy saw it, and as API Gateway names it (they differ only in
        // synthetic events); the answer must decide both like the policy did.
        let mut current = vec![arn.resource()];
        if let (Some(method), Some(path)) = (&request.method, &request.path) {
            current.push(arn::resource(method, path));
        }
        current.dedup();
        let prefix = arn.prefix.as_str();
        let single_use = matches!(bound, Bound::Dpop | Bound::Both);
        let grants = match &self.policy {
            _ if single_use => iam::current_only(prefix, &current, decision.allowed),
            Some(policy) => self
                .grants
                .grants(policy, prefix, claims, bound, &current, decision.allowed)
                .and_then(|grants| {
                    // Only `$connect` is ever checked against a WebSocket answer.
                    let fits = request.shape != Shape::WebSocket
                        || grants.document().len() <= MAX_WEBSOCKET_ANSWER_BYTES;
                    if fits {
                        Some(grants)
                    } else {
                        iam::current_only(prefix, &current, decision.allowed)
                    }
                }),
            None => Some(Arc::new(grant_everything(prefix))),
        };
        let (grants, decision) = match grants {
            Some(grants) => (grants, decision),
            None => (
                Arc::new(iam::deny_everything(prefix)),
                Decision::unanswerable(decision),
            ),
        };
        (
            Some(iam_response(principal, grants, context, usage_key)),
            decision,
        )
    }

    /// Picks the issuer by the token's (not yet verified) `iss`; verification then checks it.
    fn route_issuer(&self, token: &str) -> Result<(usize, &Issuer), Error> {
        match self.issuers.as_slice() {
            [] => {
                return Err(Error::option(
                    "issuer",
                    "no issuer or key source is configured",
                ))
            }
            [only] => return Ok((0, only)),
            _ => {}
        }
        let iss = token
            .split('.')
            .nth(1)
            .and_then(|p| segment::decode_object(p, Part::Payload).ok())
            .and_then(|(claims, _)| claims.get("iss").and_then(Value::as_str).map(str::to_owned));
        self.issuers
            .iter()
            .enumerate()
            .find(|(_, i)| i.name.is_some() && i.name == iss)
            .ok_or_else(|| {
                Error::claim_failed(
                    "iss",
                    ClaimReason::CheckFailed,
                    "unexpected \"iss\" claim value".into(),
                )
            })
    }
}

/// The claims a decision reads (sorted): the policy's, or the principal's without one, and the
/// usage-plan key's.
fn claims_read(policy: Option<&Policy>, usage_claim: Option<&str>) -> Vec<String> {
    let mut names = policy.map_or_else(|| vec!["sub".to_owned()], Policy::claim_names);
    names.extend(usage_claim.map(str::to_owned));
    // What binds the token to a key, always: a bound token is never taken for a bearer one.
    names.push("cnf".to_owned());
    names.sort_unstable();
    names.dedup();
    names
}

/// How much an outcome tells besides the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Everything: the claims (`payload`), the decision with its trace, the `context`.
    Full,
    /// No claims, no trace and no separate `context` (the response carries it): what a
    /// decision log needs.
    Brief,
    /// What API Gateway gets and nothing else: the status, the response, the error, and
    /// `refetch`. The decision and principal are worked out (the response needs them) but not
    /// returned; the route is not even formatted.
    Answer,
}

impl Detail {
    /// Every level, from the least told: a level's number is its place here.
    pub const ALL: [Detail; 3] = [Detail::Answer, Detail::Brief, Detail::Full];

    /// The level numbered `code` (its place in [`Detail::ALL`]); everything past the last.
    #[must_use]
    pub fn from_code(code: u8) -> Self {
        Self::ALL
            .get(usize::from(code))
            .copied()
            .unwrap_or(Detail::Full)
    }
}

/// Checks a signature for the issuer at the given index: `(issuer, alg, candidates, signing
/// input, signature) → verified`.
pub type IssuerSignatureCheck<'a> =
    &'a mut dyn FnMut(usize, Alg, &[(usize, &Key)], &[u8], &[u8]) -> bool;

/// The usual check: the candidate keys themselves.
fn verify_with_keys(
    _issuer: usize,
    alg: Alg,
    candidates: &[(usize, &Key)],
    input: &[u8],
    signature: &[u8],
) -> bool {
    candidates
        .iter()
        .any(|(_, key)| key.verify(alg, input, signature))
}

/// The decision under every reading of the request: the first denial, else the first
/// reading's allowance (which names the rule that allowed it).
/// (`dyn`: the authorizer and the backend share one copy in the wasm.)
fn decide_every_reading(request: &Request, decide: &dyn Fn(Target<'_>) -> Decision) -> Decision {
    let readings = request.readings();
    let mut targets = readings.iter().flat_map(event::Reading::targets);
    let Some(first) = targets.next() else {
        return Decision::unroutable();
    };
    let decision = decide(first);
    if !decision.allowed {
        return decision;
    }
    let denied = targets.map(&decide).find(|other| !other.allowed);
    denied.unwrap_or(decision)
}

fn refused(shape: Shape, route: Option<String>, err: &Error) -> Outcome {
    Outcome {
        status: 401,
        shape,
        response: None,
        decision: None,
        error: Some(err.into()),
        principal_id: None,
        payload: None,
        context: None,
        route,
        refetch: None,
        binding: None,
        replay: None,
        challenge: None,
        dpop_nonce: None,
    }
}
