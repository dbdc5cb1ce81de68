//! The policy behind API Gateway's built-in JWT authorizers: API Gateway verified the token and
//! hands its claims to the backend in the proxy event; this decides the request on them, under
//! the same request semantics as the authorizer ([`super::decide_every_reading`]), and says
//! what to answer when it is refused. Also where a backend finds the context a Lambda
//! authorizer sent ([`authorizer_context`]).
//!
//! Where the claims are (see `docs/backend.md`):
//! - HTTP APIs, payload 2.0: `requestContext.authorizer.jwt.claims`
//!   (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>),
//!   payload 1.0: `requestContext.authorizer.claims`; every value a string, arrays written
//!   `[a b]` ([`http_claim`]).
//! - REST APIs: `requestContext.authorizer.claims`, each claim with its JSON type
//!   (<https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-claims.html>).
//!
//! Anything else (no claims object, a WebSocket event) is refused as unauthorized: a backend
//! wired without the authorizer must not serve requests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{value::RawValue, Map, Value};

use super::{
    decide_every_reading,
    event::{strip_stage, RawHttp, Request, Shape},
};
use crate::{
    error::{Error, ErrorData},
    json::{self, field_names, ObjectOnly, Text, MAX_DOCUMENT_BYTES},
    policy::{Decision, Policy, RESERVED_CONTEXT_NAMES},
    sender::{Bound, Evidence},
};

/// The members of a proxy event read here; every other member (the body first) is skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProxy<'a> {
    #[serde(borrow)]
    version: Option<Text<'a>>,
    #[serde(borrow)]
    http_method: Option<Text<'a>>,
    #[serde(borrow)]
    path: Option<Text<'a>>,
    #[serde(borrow)]
    raw_path: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    request_context: Option<RawProxyContext<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProxyContext<'a> {
    #[serde(borrow)]
    stage: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    http: Option<RawHttp<'a>>,
    /// What the authorizer left: claims, a Lambda authorizer's context, the principal. Kept as
    /// text and read by the core's one JSON reader ([`json::parse_document`]): a second
    /// deserializer of `Value`s would cost the wasm kilobytes.
    #[serde(borrow)]
    authorizer: Option<&'a RawValue>,
}

/// The members of a proxy event that [`decide_event`] and [`authorizer_context`] read, for
/// bindings that copy events in: a request body need be neither serialized nor parsed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProxyPlan {
    /// The top-level members read.
    pub members: &'static [&'static str],
    /// The objects among them of which only some members are read, with those members.
    pub nested: BTreeMap<&'static str, &'static [&'static str]>,
}

/// What [`ProxyPlan`] says, from the event types themselves.
#[must_use]
pub fn proxy_plan() -> ProxyPlan {
    ProxyPlan {
        members: field_names::<RawProxy<'_>>(),
        nested: BTreeMap::from([("requestContext", field_names::<RawProxyContext<'_>>())]),
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::EventInvalid(message.into())
}

fn parse(text: &str) -> Result<RawProxy<'_>, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(bad(format!(
            "event: {} bytes; at most {MAX_DOCUMENT_BYTES} are read",
            text.len()
        )));
    }
    match serde_json::from_str::<ObjectOnly<RawProxy<'_>>>(text) {
        Ok(ObjectOnly(event)) => Ok(event),
        Err(err) => Err(bad(format!("not an API Gateway proxy event: {err}"))),
    }
}

/// `requestContext.authorizer`, when it is an object.
fn authorizer(event: &RawProxy<'_>) -> Option<Map<String, Value>> {
    let raw = event.request_context.as_ref()?.authorizer?;
    match json::parse_document(raw.get()) {
        Ok(Value::Object(members)) => Some(members),
        _ => None,
    }
}

/// Which proxy event it is: HTTP API payloads name their version, REST events have none.
fn shape(event: &RawProxy<'_>) -> Result<Shape, Error> {
    match (event.version.as_deref(), &event.http_method) {
        (Some("2.0"), _) => Ok(Shape::HttpV2),
        (Some("1.0"), _) => Ok(Shape::HttpV1),
        (None, Some(_)) => Ok(Shape::RestRequest),
        _ => Err(bad(
            "not a REST or HTTP API proxy event (no version 1.0/2.0, no httpMethod)",
        )),
    }
}

/// The request, as the authorizer events name it.
fn request(event: &RawProxy<'_>, shape: Shape) -> Result<Request, Error> {
    let context = event.request_context.as_ref();
    let stage = context.and_then(|c| c.stage.as_deref());
    let (method, path) = if shape == Shape::HttpV2 {
        let http = context.and_then(|c| c.http.as_ref());
        let path = event
            .raw_path
            .as_deref()
            .or_else(|| http.and_then(|h| h.path.as_deref()));
        (http.and_then(|h| h.method.as_deref()), path)
    } else {
        (event.http_method.as_deref(), event.path.as_deref())
    };
    let (Some(method), Some(path)) = (method, path) else {
        return Err(bad(format!("{shape:?} event without a method and path")));
    };
    // REST proxy events give the path without the stage; HTTP APIs' carry it.
    let path = match shape {
        Shape::RestRequest => path.to_owned(),
        _ => strip_stage(path, stage),
    };
    Ok(Request {
        shape,
        method: Some(method.to_ascii_uppercase()),
        path: Some(path),
        route_key: None,
        token: Err(String::new()),
        arn: None,
        evidence: Evidence::default(),
    })
}

/// A claim as HTTP APIs pass it: every value as a string, an array as its items between
/// brackets, separated by spaces (`["a", "b"]` arrives as `"[a b]"`). Such a string is read
/// back as the array; an item with a space in it cannot be told apart from two, and nested
/// objects (`"map[k:v]"`) stay strings, so conditions on their members fail (deny).
fn http_claim(value: Value) -> Value {
    let items = value
        .as_str()
        .and_then(|text| text.strip_prefix('['))
        .and_then(|text| text.strip_suffix(']'));
    match items {
        Some(items) => Value::Array(
            items
                .split(' ')
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        ),
        None => value,
    }
}

/// The claims API Gateway's JWT authorizer verified, from where each API type puts them.
fn verified_claims(event: &RawProxy<'_>, shape: Shape) -> Result<Map<String, Value>, Error> {
    let mut authorizer = authorizer(event).unwrap_or_default();
    let claims = match shape {
        Shape::HttpV2 => authorizer
            .get_mut("jwt")
            .and_then(|jwt| jwt.get_mut("claims"))
            .map(Value::take),
        _ => authorizer.remove("claims"),
    };
    let Some(Value::Object(claims)) = claims else {
        return Err(Error::TokenMissing(
            "the event carries no claims verified by an API Gateway JWT authorizer".into(),
        ));
    };
    let mut claims = claims;
    if shape != Shape::RestRequest {
        for value in claims.values_mut() {
            *value = http_claim(value.take());
        }
    }
    Ok(claims)
}

/// What a backend does with a proxy event, decided.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct BackendOutcome {
    /// 200 (call the handler), 401 (no verified claims: API Gateway's authorizer is not in
    /// front of this backend) or 403 (denied by the policy).
    #[cfg_attr(test, ts(type = "200 | 401 | 403"))]
    pub status: u16,
    /// The proxy response to answer with instead of calling the handler (401, 403).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ProxyResponse>,
    /// The policy decision, when there were claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The principal, when there were claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The policy's `context` for these claims, each entry in its type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    /// The verified claims, as read from the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "JWTPayload"))]
    pub claims: Option<Map<String, Value>>,
    /// The route as the policy saw it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Why there was no decision (401).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorData>,
}

/// An API Gateway proxy response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProxyResponse {
    /// 401 or 403.
    pub status_code: u16,
    /// `Content-Type`, `WWW-Authenticate`, `Cache-Control`.
    pub headers: ProxyHeaders,
    /// The JSON body, as text.
    pub body: String,
}

/// The headers of a refusal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProxyHeaders {
    #[serde(rename = "Content-Type")]
    #[cfg_attr(test, ts(rename = "Content-Type"))]
    content_type: &'static str,
    /// RFC 6750 §3: `Bearer`, with `error="insufficient_scope"` for a 403.
    #[serde(rename = "WWW-Authenticate")]
    #[cfg_attr(test, ts(rename = "WWW-Authenticate"))]
    www_authenticate: &'static str,
    #[serde(rename = "Cache-Control")]
    #[cfg_attr(test, ts(rename = "Cache-Control"))]
    cache_control: &'static str,
}

fn proxy_response(status_code: u16, www_authenticate: &'static str, body: &str) -> ProxyResponse {
    ProxyResponse {
        status_code,
        headers: ProxyHeaders {
            content_type: "application/json",
            www_authenticate,
            cache_control: "no-store",
        },
        body: body.to_owned(),
    }
}

/// The 401 of a request that reached the backend without verified claims: API Gateway's own
/// body for it (`{"message":"Unauthorized"}`), and RFC 6750's challenge without an error
/// code, since no token was examined here.
fn unauthorized(route: Option<String>, err: &Error) -> BackendOutcome {
    BackendOutcome {
        status: 401,
        response: Some(proxy_response(
            401,
            "Bearer",
            r#"{"message":"Unauthorized"}"#,
        )),
        decision: None,
        principal_id: None,
        context: None,
        claims: None,
        route,
        error: Some(err.into()),
    }
}

/// The RFC 6750 §3.1 refusal of a valid token the policy denies. The description does not
/// say which rule: the decision does, for the log.
fn forbidden() -> ProxyResponse {
    let body = r#"{"error":"insufficient_scope","error_description":"the token does not allow this request"}"#;
    proxy_response(403, "Bearer error=\"insufficient_scope\"", body)
}

/// Decides an API Gateway proxy event (JSON text) on the claims API Gateway's JWT authorizer
/// verified. The claims are bearer ones: rules that require a sender constraint never apply.
#[must_use]
pub fn decide_event(policy: &Policy, event_json: &str) -> BackendOutcome {
    let event = match parse(event_json) {
        Ok(event) => event,
        Err(err) => return unauthorized(None, &err),
    };
    let request = match shape(&event).and_then(|shape| request(&event, shape)) {
        Ok(request) => request,
        Err(err) => return unauthorized(None, &err),
    };
    let route = request.target().map(|t| t.to_string());
    let claims = match verified_claims(&event, request.shape) {
        Ok(claims) => claims,
        Err(err) => return unauthorized(route, &err),
    };
    let Some(principal) = policy.principal(&claims) else {
        let err = Error::claim_failed(
            "sub",
            crate::error::ClaimReason::Missing,
            "the claims name no principal (principalId claim)".into(),
        );
        return unauthorized(route, &err);
    };
    // Encoded and read back: the handler gets what a Lambda authorizer's backend would read.
    let context = policy
        .context(&claims)
        .and_then(|sent| policy.read_context(&sent));
    let context = match context {
        Ok(context) => context,
        Err(err) => return unauthorized(route, &err),
    };
    let decision = decide_every_reading(&request, &|target| {
        policy.decide_bound(target, &claims, Bound::Bearer)
    });
    BackendOutcome {
        status: if decision.allowed { 200 } else { 403 },
        response: (!decision.allowed).then(forbidden),
        decision: Some(decision),
        principal_id: Some(principal),
        context: Some(context),
        claims: Some(claims),
        route,
        error: None,
    }
}

/// The context a Lambda authorizer sent, as the backend's proxy event carries it: HTTP API 2.0
/// in `requestContext.authorizer.lambda`, REST, WebSocket and HTTP API 1.0 in
/// `requestContext.authorizer` itself, beside API Gateway's own members (left out here).
///
/// # Errors
/// `ERR_APIGW_EVENT_INVALID` when the event has no `requestContext.authorizer` at all: no
/// authorizer ran for this request.
pub fn authorizer_context(event_json: &str) -> Result<Map<String, Value>, Error> {
    let event = parse(event_json)?;
    let mut authorizer = authorizer(&event)
        .ok_or_else(|| bad("the event has no requestContext.authorizer: no authorizer ran"))?;
    if event.version.as_deref() == Some("2.0") {
        return Ok(match authorizer.remove("lambda") {
            Some(Value::Object(context)) => context,
            _ => Map::new(),
        });
    }
    authorizer.retain(|name, _| !RESERVED_CONTEXT_NAMES.contains(&name.as_str()));
    Ok(authorizer)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const POLICY: &str = r#"{
      "rules": [
        { "id": "read", "effect": "allow", "routes": ["GET /pets/{id}"], "scopes": { "anyOf": ["pets:read"] } },
        { "id": "admin", "effect": "allow", "routes": ["DELETE /pets/{id}"],
          "when": [{ "claim": "cognito:groups", "containsAny": ["admin"] }] }
      ],
      "context": { "userId": "sub", "groups": { "claim": "cognito:groups", "type": "string[]" } }
    }"#;

    fn http_v2(method: &str, raw_path: &str, claims: &Value) -> String {
        json!({
            "version": "2.0", "routeKey": "$default", "rawPath": raw_path,
            "requestContext": {
                "stage": "$default", "http": { "method": method, "path": raw_path },
                "authorizer": { "jwt": { "claims": claims, "scopes": null } }
            },
            "body": "x"
        })
        .to_string()
    }

    #[test]
    fn http_api_claims_are_read_back_from_their_strings() {
        let policy = Policy::from_json(POLICY).unwrap();
        let claims =
            json!({ "sub": "alice", "scope": "pets:read", "cognito:groups": "[admin users]" });
        let outcome = decide_event(&policy, &http_v2("DELETE", "/pets/7", &claims));
        assert_eq!(outcome.status, 200, "{outcome:?}");
        assert_eq!(
            outcome.context.unwrap()["groups"],
            json!(["admin", "users"])
        );
        let outcome = decide_event(&policy, &http_v2("get", "/pets/7", &claims));
        assert_eq!(
            (outcome.status, outcome.route.as_deref()),
            (200, Some("GET /pets/7"))
        );
        let outcome = decide_event(&policy, &http_v2("GET", "/pets/7/../8", &claims));
        assert_eq!(outcome.status, 403);
        let response = outcome.response.unwrap();
        assert_eq!(
            response.headers.www_authenticate,
            "Bearer error=\"insufficient_scope\""
        );
        assert!(response.body.contains("insufficient_scope"));
    }

    #[test]
    fn rest_claims_keep_their_json_types() {
        let policy = Policy::from_json(POLICY).unwrap();
        let event = json!({
            "resource": "/pets/{id}", "path": "/pets/7", "httpMethod": "DELETE",
            "requestContext": { "stage": "prod", "path": "/prod/pets/7",
                "authorizer": { "claims": { "sub": "bob", "cognito:groups": ["admin"] } } }
        });
        let outcome = decide_event(&policy, &event.to_string());
        assert_eq!(outcome.status, 200, "{outcome:?}");
        assert_eq!(outcome.principal_id.as_deref(), Some("bob"));
    }

    #[test]
    fn no_verified_claims_is_unauthorized() {
        let policy = Policy::from_json(POLICY).unwrap();
        let lambda_context = json!({
            "version": "2.0", "rawPath": "/pets/7",
            "requestContext": { "http": { "method": "GET" }, "authorizer": { "lambda": { "sub": "x" } } }
        });
        for event in [
            lambda_context.to_string(),
            "[]".into(),
            "{}".into(),
            "nope".into(),
        ] {
            let outcome = decide_event(&policy, &event);
            assert_eq!(outcome.status, 401, "{event}");
            assert_eq!(outcome.response.unwrap().headers.www_authenticate, "Bearer");
        }
    }

    #[test]
    fn the_lambda_authorizer_context_is_found_per_shape() {
        let rest = json!({ "httpMethod": "GET", "requestContext": { "authorizer": {
            "principalId": "user", "integrationLatency": 422, "userId": "u1" } } });
        assert_eq!(
            Value::Object(authorizer_context(&rest.to_string()).unwrap()),
            json!({ "userId": "u1" })
        );
        let http =
            json!({ "version": "2.0", "requestContext": { "authorizer": { "lambda": null } } });
        assert!(authorizer_context(&http.to_string()).unwrap().is_empty());
        let none = json!({ "version": "2.0", "requestContext": {} });
        assert!(authorizer_context(&none.to_string()).is_err());
    }

    #[test]
    fn the_plan_names_what_is_read() {
        let plan = proxy_plan();
        assert!(plan.members.contains(&"requestContext"));
        assert!(!plan.members.contains(&"body"));
        assert!(plan.nested["requestContext"].contains(&"authorizer"));
    }
}
