//! A policy checked as it is deployed (`jwtgate policy check`): its lints and coverage of the
//! API's routes ([`crate::policy::lint`]), the load-time cache report ([`iam::report`]), the
//! answers' size against API Gateway's limit, and each authorizer a template configures (its
//! type, identity sources and result TTL) against what the policy's answers need to be cached
//! safely.

use serde::{Deserialize, Serialize};

use super::iam::report::{self, CacheReport, MAX_WEBSOCKET_ANSWER_BYTES};
use crate::policy::{
    lint::{ApiRoute, Coverage, Finding, Level},
    route::Route,
    Policy,
};

/// API Gateway's result TTL when a template sets none (REST authorizers; SAM's
/// `ReauthorizeEvery`), in seconds.
pub const DEFAULT_RESULT_TTL: u32 = 300;

/// What the caller read from the API's definition or template.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct CheckInput {
    /// The API's routes; `None` when no API was given.
    #[serde(default)]
    pub api: Option<Vec<ApiRoute>>,
    /// The authorizers the template configures.
    #[serde(default)]
    pub authorizers: Option<Vec<AuthorizerConfig>>,
    /// Whether the authorizer accepts DPoP proofs (its `dpop` option; no template says).
    #[serde(default)]
    pub dpop: Option<bool>,
}

/// An authorizer's type, as templates name it (`Type` of `AWS::ApiGateway::Authorizer`,
/// `AuthorizerType` of `AWS::ApiGatewayV2::Authorizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum AuthorizerType {
    /// A Lambda authorizer given the token alone (REST APIs): its answer is cached per token.
    Token,
    /// A Lambda authorizer given the request: its answer is cached per identity sources.
    Request,
    /// API Gateway's own Cognito user pool authorizer (REST APIs).
    CognitoUserPools,
    /// API Gateway's own JWT authorizer (HTTP APIs).
    Jwt,
}

/// The kind of API an authorizer guards, as templates name it (`ProtocolType`, and
/// `REST` for API Gateway v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ApiKind {
    /// A REST API (API Gateway v1).
    Rest,
    /// An HTTP API.
    Http,
    /// A WebSocket API (its authorizer runs on `$connect`).
    Websocket,
}

/// One authorizer as a template configures it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct AuthorizerConfig {
    /// Its name (the template's logical id, or the name under `Auth.Authorizers`).
    pub name: String,
    /// Where it is defined, for messages.
    #[serde(default)]
    pub source: Option<String>,
    /// Its type.
    #[serde(rename = "type")]
    pub authorizer_type: AuthorizerType,
    /// The API it guards.
    pub api: ApiKind,
    /// HTTP APIs: the payload format version (`1.0`, `2.0`).
    #[serde(default)]
    pub payload_version: Option<String>,
    /// HTTP APIs, payload 2.0: simple responses (`{ isAuthorized }`) instead of IAM policies.
    #[serde(default)]
    pub simple_responses: Option<bool>,
    /// The identity sources, as the template writes them (`method.request.header.Authorization`,
    /// `$request.header.Authorization`, `$context.routeKey`, `context.httpMethod`).
    #[serde(default)]
    pub identity_sources: Option<Vec<String>>,
    /// The result TTL in seconds; absent: API Gateway's default ([`DEFAULT_RESULT_TTL`]).
    #[serde(default)]
    pub ttl: Option<u32>,
}

/// One authorizer, checked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct AuthorizerCheck {
    /// What the template configures.
    pub config: AuthorizerConfig,
    /// The result TTL in effect, in seconds.
    pub ttl: u32,
    /// Whether API Gateway caches its answers (a TTL over 0).
    pub caching: bool,
    /// Whether its cache keeps answers per route (then a narrowed answer costs nothing).
    pub per_route: bool,
}

/// The whole check of a policy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Check {
    /// How many findings are errors.
    pub errors: usize,
    /// How many are warnings.
    pub warnings: usize,
    /// The policy's lints, then the API's, then the answers' and the authorizers'.
    pub findings: Vec<Finding>,
    /// Each API route with the rules that reach it; absent without an API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<Coverage>>,
    /// The cache report of IAM answers (HTTP API simple responses have their own, in the
    /// authorizers' findings).
    pub cache_report: CacheReport,
    /// API Gateway's limit on a WebSocket authorizer's answer, in bytes.
    pub max_websocket_answer_bytes: usize,
    /// The template's authorizers, checked.
    pub authorizers: Vec<AuthorizerCheck>,
}

/// Checks `policy` as `input` deploys it.
#[must_use]
pub fn check(policy: &Policy, input: &CheckInput) -> Check {
    let lint = policy.lint(input.api.as_deref());
    let mut findings = lint.findings;
    let dpop = input.dpop.unwrap_or(false);
    let configs = input.authorizers.as_deref().unwrap_or_default();
    let cache_report = report::cache_report(policy, false, dpop);
    findings.extend(answer_size(policy, configs, &cache_report));
    let mut simple_report = None;
    let authorizers = configs
        .iter()
        .map(|config| {
            let checked = AuthorizerCheck::new(config);
            let report = if checked.simple_responses() {
                simple_report.get_or_insert_with(|| report::cache_report(policy, true, dpop))
            } else {
                &cache_report
            };
            findings.extend(checked.findings(policy, report, dpop));
            checked
        })
        .collect();
    let count = |level| findings.iter().filter(|f| f.level == level).count();
    Check {
        errors: count(Level::Error),
        warnings: count(Level::Warning),
        findings,
        coverage: lint.coverage,
        cache_report,
        max_websocket_answer_bytes: MAX_WEBSOCKET_ANSWER_BYTES,
        authorizers,
    }
}

/// The largest answer against the WebSocket limit, where a WebSocket API gets one: the policy
/// names `$connect`, or the template has a WebSocket authorizer.
fn answer_size(
    policy: &Policy,
    authorizers: &[AuthorizerConfig],
    report: &CacheReport,
) -> Option<Finding> {
    let connect = Route::Key("$connect".to_owned());
    let websocket = authorizers.iter().any(|a| a.api == ApiKind::Websocket)
        || policy.rules.iter().any(|r| r.routes.contains(&connect));
    (websocket && report.largest_answer_bytes > MAX_WEBSOCKET_ANSWER_BYTES).then(|| {
        Finding::new(
            "ANSWER_TOO_LARGE",
            Level::Error,
            format!(
                "the largest IAM answer is {} bytes; API Gateway refuses a WebSocket authorizer's answer over {MAX_WEBSOCKET_ANSWER_BYTES}: fewer or wider routes per principal",
                report.largest_answer_bytes
            ),
        )
    })
}

impl AuthorizerCheck {
    fn new(config: &AuthorizerConfig) -> Self {
        let ttl = config.ttl.unwrap_or(DEFAULT_RESULT_TTL);
        Self {
            config: config.clone(),
            ttl,
            caching: ttl > 0,
            per_route: per_route(config),
        }
    }

    fn simple_responses(&self) -> bool {
        self.config.simple_responses == Some(true)
    }

    /// What is wrong with caching this authorizer's answers, given the policy's report.
    fn findings(&self, policy: &Policy, report: &CacheReport, dpop: bool) -> Vec<Finding> {
        let config = &self.config;
        let finding = |code, level, message: String| {
            Finding::new(
                code,
                level,
                format!("authorizer {}: {message}", config.name),
            )
            .at_source(Some(config.source.as_deref().unwrap_or(&config.name)))
        };
        if !matches!(
            config.authorizer_type,
            AuthorizerType::Token | AuthorizerType::Request
        ) {
            return vec![finding(
                "NOT_A_LAMBDA_AUTHORIZER",
                Level::Note,
                "API Gateway's own JWT or Cognito authorizer: it checks the token's issuer, audience and scopes itself, and the routes it guards never reach a Lambda authorizer, so this policy does not apply to them".into(),
            )];
        }
        let mut findings = Vec::new();
        if !self.caching {
            return findings;
        }
        let ttl = self.ttl;
        if self.simple_responses() && report.route_dependent && !has(config, "routeKey") {
            findings.push(finding(
                "SIMPLE_RESPONSES_CACHED",
                Level::Error,
                format!("simple responses are cached for {ttl} s per identity source and say nothing of the route, and the policy decides by route: an answer for one route is reused on every other. Add $context.routeKey to the identity sources, or set the TTL to 0"),
            ));
        }
        if dpop {
            findings.push(finding(
                "DPOP_CACHED",
                Level::Error,
                format!("answers are cached for {ttl} s, and a DPoP proof is single-use and bound to one request: a cached answer lets the next request through unchecked. Set the TTL to 0"),
            ));
        }
        if !report.exact && !self.simple_responses() && !self.per_route {
            let per = if config.authorizer_type == AuthorizerType::Token {
                "a TOKEN authorizer's answer is cached per token"
            } else {
                "its answer is cached per identity source"
            };
            findings.push(finding(
                "NARROWED_ANSWER_CACHED",
                Level::Warning,
                format!("{per} for {ttl} s and reused on every route, and some principals get a narrowed answer (cacheReport.inexact): a request on another route may get a 403 from the cache. Cache per route, or set the TTL to 0"),
            ));
        }
        if report::needs_certificate_cache(policy) && !has(config, "clientCert") {
            findings.push(finding(
                "CERTIFICATE_NOT_IN_CACHE_KEY",
                Level::Warning,
                format!("the policy requires certificate-bound tokens, and answers are cached for {ttl} s whatever certificate the next request presents: add $context.identity.clientCert.clientCertPem to the identity sources, or set the TTL to 0"),
            ));
        }
        findings
    }
}

/// Whether an identity source names `what` (`routeKey` in `$context.routeKey`).
fn has(config: &AuthorizerConfig, what: &str) -> bool {
    config
        .identity_sources
        .iter()
        .flatten()
        .any(|s| s.contains(what))
}

/// Whether API Gateway's cache keeps the authorizer's answers per route: a REST `REQUEST`
/// authorizer with the method and resource among its identity sources, an HTTP API one with
/// the route key; a WebSocket API's authorizer runs on `$connect` alone.
fn per_route(config: &AuthorizerConfig) -> bool {
    match config.api {
        ApiKind::Websocket => true,
        ApiKind::Http => has(config, "routeKey"),
        ApiKind::Rest => {
            config.authorizer_type == AuthorizerType::Request
                && has(config, "httpMethod")
                && has(config, "resourcePath")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTED: &str = r#"{"rules":[
        {"id":"read","effect":"allow","routes":["GET /pets"]},
        {"id":"deep","effect":"allow","routes":["GET /pets/{id}","GET /pets/{id}/x/{y}"],"when":[{"claim":"g","exists":true}]}
    ]}"#;

    fn config(json: &str) -> AuthorizerConfig {
        serde_json::from_str(json).unwrap()
    }

    fn codes(check: &Check) -> Vec<(&'static str, Level)> {
        check.findings.iter().map(|f| (f.code, f.level)).collect()
    }

    fn checked(policy: &str, authorizers: &[&str], dpop: bool) -> Check {
        let input = CheckInput {
            api: None,
            authorizers: Some(authorizers.iter().map(|a| config(a)).collect()),
            dpop: Some(dpop),
        };
        check(&Policy::from_json(policy).unwrap(), &input)
    }

    #[test]
    fn simple_responses_cached_without_the_route_key_are_an_error() {
        let check = checked(
            ROUTED,
            &[
                r#"{"name":"A","type":"REQUEST","api":"HTTP","payloadVersion":"2.0","simpleResponses":true,"identitySources":["$request.header.Authorization"],"ttl":300}"#,
                r#"{"name":"B","type":"REQUEST","api":"HTTP","simpleResponses":true,"identitySources":["$request.header.Authorization","$context.routeKey"]}"#,
                r#"{"name":"C","type":"REQUEST","api":"HTTP","simpleResponses":true,"ttl":0}"#,
            ],
            false,
        );
        assert_eq!(codes(&check), [("SIMPLE_RESPONSES_CACHED", Level::Error)]);
        assert_eq!(check.errors, 1);
        assert_eq!(check.findings[0].source.as_deref(), Some("A"));
        assert_eq!(check.authorizers[1].ttl, DEFAULT_RESULT_TTL);
        assert!(check.authorizers[1].per_route && !check.authorizers[2].caching);
    }

    #[test]
    fn a_narrowed_answer_cached_per_token_is_a_warning() {
        // IAM's `*` crosses `/`: `GET /pets/{id}` beside `GET /pets/{id}/x/{y}` is narrowed.
        let check = checked(
            ROUTED,
            &[
                r#"{"name":"T","type":"TOKEN","api":"REST","identitySources":["method.request.header.Authorization"]}"#,
                r#"{"name":"R","type":"REQUEST","api":"REST","identitySources":["method.request.header.Authorization","context.httpMethod","context.resourcePath"]}"#,
            ],
            false,
        );
        assert!(!check.cache_report.exact);
        assert_eq!(codes(&check), [("NARROWED_ANSWER_CACHED", Level::Warning)]);
        assert!(check.findings[0].message.contains("TOKEN authorizer"));
        assert_eq!(check.warnings, 1);
    }

    #[test]
    fn dpop_with_caching_is_an_error_and_jwt_authorizers_a_note() {
        let check = checked(
            ROUTED,
            &[
                r#"{"name":"D","type":"TOKEN","api":"REST","ttl":60,"source":"Resources.D"}"#,
                r#"{"name":"J","type":"JWT","api":"HTTP"}"#,
            ],
            true,
        );
        let found = codes(&check);
        assert!(found.contains(&("DPOP_CACHED", Level::Error)));
        assert!(found.contains(&("NOT_A_LAMBDA_AUTHORIZER", Level::Note)));
        assert_eq!(check.findings[0].source.as_deref(), Some("Resources.D"));
    }

    #[test]
    fn certificate_bound_routes_need_the_certificate_in_the_cache_key() {
        let policy =
            r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /a"],"binding":"mtls"}]}"#;
        let check = checked(
            policy,
            &[
                r#"{"name":"H","type":"REQUEST","api":"HTTP","identitySources":["$request.header.Authorization","$context.routeKey"]}"#,
            ],
            false,
        );
        assert_eq!(
            codes(&check),
            [("CERTIFICATE_NOT_IN_CACHE_KEY", Level::Warning)]
        );
    }

    #[test]
    fn websocket_answers_over_the_limit_are_an_error() {
        let routes: Vec<String> = (0..200)
            .map(|i| format!("\"GET /a-rather-long-path-segment/number-{i}/{{id}}\""))
            .collect();
        let policy = format!(
            r#"{{"rules":[{{"id":"all","effect":"allow","routes":["$connect"]}},{{"id":"many","effect":"allow","routes":[{}]}}]}}"#,
            routes[..100].join(",")
        );
        let check = checked(&policy, &[], false);
        assert!(check.cache_report.largest_answer_bytes > MAX_WEBSOCKET_ANSWER_BYTES);
        assert_eq!(codes(&check), [("ANSWER_TOO_LARGE", Level::Error)]);
    }
}
