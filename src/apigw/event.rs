//! API Gateway authorizer events: which of the five shapes an event is, the route it asks
//! for, and the token in its identity source. Only the fields a shape really has are read.

use std::collections::BTreeMap;

use serde::{de::IgnoredAny, Deserialize, Deserializer, Serialize};

use super::{
    arn::MethodArn,
    token::{
        credential, dpop_proof, token_from_request, Carriers, Credential, Fields, TokenSource,
    },
};
use crate::{
    error::Error,
    json::{self, ObjectOnly, Text, MAX_DOCUMENT_BYTES},
    policy::route::Target,
    request::Readings,
    sender::{ClientCert, Evidence},
};

/// Which authorizer event API Gateway sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Shape {
    /// REST API, `TOKEN` authorizer.
    RestToken,
    /// REST API, `REQUEST` authorizer.
    RestRequest,
    /// HTTP API, payload format 1.0.
    HttpV1,
    /// HTTP API, payload format 2.0.
    HttpV2,
    /// WebSocket API `$connect` (a `REQUEST` authorizer).
    WebSocket,
    /// Not an event: `Authorizer::authorize` called directly (edge middleware, tests).
    Direct,
}

/// What the decision needs from an event.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub shape: Shape,
    pub method: Option<String>,
    pub path: Option<String>,
    pub route_key: Option<String>,
    /// Present, or why not (missing, ambiguous, another scheme).
    pub token: Result<Credential, String>,
    pub arn: Option<MethodArn>,
    /// The DPoP proof, URI and client certificate, for sender-constrained tokens.
    pub evidence: Evidence,
}

impl Request {
    /// The request as the log shows it: its route key, or its method and path.
    pub(crate) fn target(&self) -> Option<Target<'_>> {
        match (&self.route_key, &self.method, &self.path) {
            (Some(key), _, _) => Some(Target::Key(key)),
            (None, Some(method), Some(path)) => Some(Target::Http { method, path }),
            _ => None,
        }
    }

    /// Every name of the request, each read under [`crate::request`]'s semantics: all must be
    /// allowed. A route key is one name; an HTTP request is named by its method and path and,
    /// but for HTTP API 2.0, by its `methodArn` too ([`Request::arn_name`]).
    pub(crate) fn readings(&self) -> Vec<Reading<'_>> {
        if let Some(key) = &self.route_key {
            return vec![Reading::Key(key)];
        }
        let mut names: Vec<(&str, &str)> = self
            .method
            .as_deref()
            .zip(self.path.as_deref())
            .into_iter()
            .collect();
        match self.arn_name() {
            Some(Target::Key(key)) => return vec![Reading::Key(key)],
            Some(Target::Http { method, path }) if !names.contains(&(method, path)) => {
                names.push((method, path));
            }
            _ => {}
        }
        names
            .into_iter()
            .map(|(method, path)| Reading::Http(Readings::new(method, path)))
            .collect()
    }

    /// The request as its `methodArn` names it (the path from the stage on, without a custom
    /// domain's base path): what API Gateway checks the answer against. Also for HTTP API 1.0,
    /// whose events look like a REST API's (some emulators send REST events with `version:
    /// "1.0"`): where the signals conflict, the stricter reading. Not for HTTP API 2.0: AWS's
    /// own example events name another method and path in `routeArn` than the request's, and
    /// no real capture settles what it holds for a catch-all route.
    fn arn_name(&self) -> Option<Target<'_>> {
        if self.shape == Shape::HttpV2 {
            return None;
        }
        let arn = self.arn.as_ref()?;
        Some(if arn.path.is_empty() {
            Target::Key(&arn.method)
        } else {
            Target::Http {
                method: &arn.method,
                path: &arn.path,
            }
        })
    }
}

/// One name of a request, read.
pub(crate) enum Reading<'a> {
    Key(&'a str),
    Http(Readings<'a>),
}

impl Reading<'_> {
    /// Every target this name must be allowed as.
    pub(crate) fn targets(&self) -> Box<dyn Iterator<Item = Target<'_>> + '_> {
        match self {
            Reading::Key(key) => Box::new(core::iter::once(Target::Key(key))),
            Reading::Http(readings) => Box::new(readings.targets()),
        }
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::EventInvalid(message.into())
}

/// The members of an authorizer event that the decision reads, borrowed from the event's JSON
/// text where no escapes forbid it; every other member is skipped unparsed. Types follow the
/// AWS documentation; a member of another type makes the event invalid.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    version: Option<Text<'a>>,
    #[serde(borrow)]
    method_arn: Option<Text<'a>>,
    #[serde(borrow)]
    route_arn: Option<Text<'a>>,
    #[serde(borrow)]
    authorization_token: Option<Text<'a>>,
    #[serde(borrow)]
    http_method: Option<Text<'a>>,
    #[serde(borrow)]
    path: Option<Text<'a>>,
    #[serde(borrow)]
    raw_path: Option<Text<'a>>,
    #[serde(borrow)]
    headers: Option<Fields<'a>>,
    #[serde(borrow)]
    multi_value_headers: Option<Fields<'a>>,
    #[serde(borrow)]
    query_string_parameters: Option<Fields<'a>>,
    #[serde(borrow)]
    multi_value_query_string_parameters: Option<Fields<'a>>,
    #[serde(borrow)]
    cookies: Option<Vec<Text<'a>>>,
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    request_context: Option<RawContext<'a>>,
}

/// The members of an event the decision reads, for bindings that copy events in: the rest
/// (`requestContext.identity`, client certificates, other headers) need be neither serialized
/// nor parsed. Of the header maps only the headers that can carry a token matter
/// ([`TokenSource::carrier_headers`]), and of the query maps only the token parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct EventPlan {
    /// The top-level members read.
    pub members: &'static [&'static str],
    /// The objects among them of which only some members are read, with those members; an
    /// object inside one of those is named by its path (`requestContext.identity`). Every
    /// object the core reads is named here: bindings take these apart, and the frame reader
    /// reads an object only so (`crate::frame`).
    pub nested: BTreeMap<&'static str, &'static [&'static str]>,
    /// The members that are header maps.
    pub header_maps: [&'static str; 2],
    /// The members that are query-string maps.
    pub query_maps: [&'static str; 2],
}

/// What [`EventPlan`] says, from the event types themselves.
#[must_use]
pub fn event_plan() -> EventPlan {
    EventPlan {
        members: json::field_names::<RawEvent<'_>>(),
        nested: BTreeMap::from([
            ("requestContext", json::field_names::<RawContext<'_>>()),
            ("requestContext.http", json::field_names::<RawHttp<'_>>()),
            (
                "requestContext.identity",
                json::field_names::<RawIdentity<'_>>(),
            ),
            (
                "requestContext.authentication",
                json::field_names::<RawIdentity<'_>>(),
            ),
            (
                "requestContext.identity.clientCert",
                json::field_names::<RawClientCert<'_>>(),
            ),
            (
                "requestContext.authentication.clientCert",
                json::field_names::<RawClientCert<'_>>(),
            ),
        ]),
        header_maps: ["headers", "multiValueHeaders"],
        query_maps: ["queryStringParameters", "multiValueQueryStringParameters"],
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContext<'a> {
    #[serde(borrow)]
    stage: Option<Text<'a>>,
    #[serde(borrow)]
    route_key: Option<Text<'a>>,
    #[serde(borrow)]
    event_type: Option<Text<'a>>,
    /// Present (whatever its value): a WebSocket connection.
    #[serde(default, deserialize_with = "present")]
    connection_id: bool,
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    http: Option<RawHttp<'a>>,
    #[serde(borrow)]
    domain_name: Option<Text<'a>>,
    /// The path as the client called it (with the stage, or a custom domain's base path).
    #[serde(borrow)]
    path: Option<Text<'a>>,
    /// REST APIs: the client certificate, with mutual TLS.
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    identity: Option<RawIdentity<'a>>,
    /// HTTP APIs: the same.
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    authentication: Option<RawIdentity<'a>>,
}

/// Where API Gateway puts the client certificate it verified (mutual TLS).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIdentity<'a> {
    #[serde(default, borrow, deserialize_with = "json::optional_object")]
    client_cert: Option<RawClientCert<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawClientCert<'a> {
    #[serde(borrow)]
    client_cert_pem: Option<Text<'a>>,
}

/// `requestContext.http` of HTTP API 2.0 events (authorizer and proxy events alike).
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawHttp<'a> {
    #[serde(borrow)]
    pub(super) method: Option<Text<'a>>,
    #[serde(borrow)]
    pub(super) path: Option<Text<'a>>,
}

/// For `#[serde(deserialize_with)]`: true for a member that is there, even as `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// Reads an authorizer event from its JSON text, parsed as strictly as every document (no
/// member named twice, at any depth) and then read as the frame bindings would write for it:
/// one reader of events, not one per format (each would be a copy of the event types' derived
/// code in the wasm).
pub(crate) fn parse_json(text: &str, source: &TokenSource) -> Result<Request, Error> {
    within_limit(text.len())?;
    let value = json::parse(text).map_err(|err| bad(format!("event: {err}")))?;
    let mut frame = Vec::with_capacity(text.len());
    crate::frame::encode(&value, 0, &mut frame);
    parse_frame(&frame, source)
}

/// Reads an authorizer event from a frame ([`crate::frame`]): what bindings copy in.
pub(crate) fn parse_frame(bytes: &[u8], source: &TokenSource) -> Result<Request, Error> {
    within_limit(bytes.len())?;
    let read = crate::frame::from_bytes::<Option<ObjectOnly<RawEvent<'_>>>>(bytes);
    read_event(read.map_err(|err| (err.is_data(), err.to_string())), source)
}

fn within_limit(len: usize) -> Result<(), Error> {
    if len > MAX_DOCUMENT_BYTES {
        return Err(bad(format!(
            "event: {len} bytes; at most {MAX_DOCUMENT_BYTES} are accepted"
        )));
    }
    Ok(())
}

/// The event read, or why not: `(is a data error, message)`.
fn read_event(
    read: Result<Option<ObjectOnly<RawEvent<'_>>>, (bool, String)>,
    source: &TokenSource,
) -> Result<Request, Error> {
    match read {
        Ok(Some(ObjectOnly(event))) => parse(&event, source),
        Ok(None) => Err(bad("the event is not a JSON object")),
        Err((true, err)) => Err(bad(format!("the event is not an authorizer event: {err}"))),
        Err((false, err)) => Err(bad(format!("event: {err}"))),
    }
}

/// Reads an authorizer event.
pub(crate) fn parse(event: &RawEvent<'_>, source: &TokenSource) -> Result<Request, Error> {
    let context = event.request_context.as_ref();
    let arn = |value: &Option<Text<'_>>| value.as_deref().map(MethodArn::parse).transpose();
    let shape = detect(event)?;
    let mut request = match shape {
        Shape::RestToken => {
            let arn =
                arn(&event.method_arn)?.ok_or_else(|| bad("TOKEN event without methodArn"))?;
            let token = event
                .authorization_token
                .as_deref()
                .ok_or_else(|| "no authorizationToken".to_owned())
                .and_then(credential);
            Request {
                shape,
                method: Some(arn.method.clone()),
                path: Some(arn.path.clone()),
                route_key: None,
                token,
                arn: Some(arn),
                evidence: Evidence::default(),
            }
        }
        Shape::HttpV2 => {
            let http = context.and_then(|c| c.http.as_ref());
            let stage = context.and_then(|c| c.stage.as_deref());
            let path = event
                .raw_path
                .as_deref()
                .or_else(|| http.and_then(|h| h.path.as_deref()));
            Request {
                shape,
                method: http
                    .and_then(|h| h.method.as_deref())
                    .map(str::to_ascii_uppercase),
                path: path.map(|p| strip_stage(p, stage)),
                route_key: None,
                token: Err(String::new()),
                arn: arn(&event.route_arn)?,
                evidence: Evidence::default(),
            }
        }
        Shape::WebSocket => Request {
            shape,
            method: None,
            path: None,
            route_key: context
                .and_then(|c| c.route_key.as_deref())
                .map(str::to_owned),
            token: Err(String::new()),
            arn: arn(&event.method_arn)?,
            evidence: Evidence::default(),
        },
        Shape::RestRequest | Shape::HttpV1 => {
            let arn = arn(&event.method_arn)?;
            Request {
                shape,
                method: event.http_method.as_deref().map(str::to_ascii_uppercase),
                path: event
                    .path
                    .as_deref()
                    .map(|path| decided_path(path, arn.as_ref())),
                route_key: None,
                token: Err(String::new()),
                arn,
                evidence: Evidence::default(),
            }
        }
        Shape::Direct => return Err(bad("not an API Gateway event")),
    };
    if shape != Shape::RestToken {
        request.token = token_from_request(carriers_of(event), source);
        request.evidence = evidence(event, shape, source);
    }
    if request.target().is_none() {
        return Err(bad(format!(
            "{shape:?} event without a method and path or route key"
        )));
    }
    Ok(request)
}

fn detect(event: &RawEvent<'_>) -> Result<Shape, Error> {
    match (event.kind.as_deref(), event.version.as_deref()) {
        (Some("TOKEN"), _) => Ok(Shape::RestToken),
        (_, Some("2.0")) => Ok(Shape::HttpV2),
        (_, Some("1.0")) => Ok(Shape::HttpV1),
        (Some("REQUEST"), _) => {
            let websocket = event
                .request_context
                .as_ref()
                .is_some_and(|c| c.connection_id || c.event_type.as_deref() == Some("CONNECT"));
            Ok(if websocket {
                Shape::WebSocket
            } else {
                Shape::RestRequest
            })
        }
        _ => Err(bad(
            "not an API Gateway authorizer event (no type TOKEN/REQUEST or version 1.0/2.0)",
        )),
    }
}

/// The path a REST or HTTP API 1.0 request is decided on: its `methodArn`'s path when the
/// event's `path` is that path under a prefix (a custom domain's base path, `/v1/pets` for
/// `…/GET/pets`; an HTTP API's stage): API Gateway checks the answer against the ARN, and the
/// prefix is the operator's choice, not the client's. Otherwise the event's own path, and
/// (for a REST API) [`Request::arn_target`] must be allowed too.
fn decided_path(path: &str, arn: Option<&MethodArn>) -> String {
    let under_prefix = |arn: &MethodArn| {
        arn.path.starts_with('/')
            && path
                .strip_suffix(arn.path.as_str())
                .is_some_and(|prefix| prefix.starts_with('/'))
    };
    match arn {
        Some(arn) if under_prefix(arn) => arn.path.clone(),
        _ => path.to_owned(),
    }
}

/// HTTP API paths carry the stage name unless the stage is `$default`.
pub(super) fn strip_stage(path: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) if stage != "$default" => path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(stage))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .map_or_else(
                || path.to_owned(),
                |rest| {
                    if rest.is_empty() {
                        "/".into()
                    } else {
                        rest.to_owned()
                    }
                },
            ),
        _ => path.to_owned(),
    }
}

/// What a REQUEST event tells about the client's proof of possession: the DPoP header, the
/// URI the client called (API Gateway's domain and the path as called), and the client
/// certificate (which API Gateway passes only once it verified it against the trust store).
fn evidence(event: &RawEvent<'_>, shape: Shape, source: &TokenSource) -> Evidence {
    let context = event.request_context.as_ref();
    let cert = context
        .and_then(|c| c.identity.as_ref().or(c.authentication.as_ref()))
        .and_then(|identity| identity.client_cert.as_ref())
        .and_then(|cert| cert.client_cert_pem.as_deref())
        .map(|pem| ClientCert {
            pem: Some(pem.to_owned()),
            sha256: None,
            verified: Some(true),
        });
    // The proof and the URI it must name matter only with DPoP on.
    if !source.dpop {
        return Evidence {
            cert,
            ..Evidence::default()
        };
    }
    let text = |value: Option<&Text<'_>>| value.map(|t| String::from(&**t));
    let path = match shape {
        Shape::HttpV2 => text(event.raw_path.as_ref()),
        Shape::WebSocket => context
            .and_then(|c| c.stage.as_deref())
            .map(|s| format!("/{s}")),
        _ => context.and_then(|c| text(c.path.as_ref())),
    };
    let domain = context.and_then(|c| c.domain_name.as_deref());
    Evidence {
        proof: dpop_proof(carriers_of(event)),
        uri: domain
            .zip(path)
            .map(|(domain, path)| format!("https://{domain}{path}")),
        cert,
    }
}

/// Where an event may carry its token.
fn carriers_of<'a>(event: &'a RawEvent<'a>) -> Carriers<'a> {
    Carriers {
        headers: event.headers.as_ref(),
        multi_value_headers: event.multi_value_headers.as_ref(),
        query: event.query_string_parameters.as_ref(),
        multi_value_query: event.multi_value_query_string_parameters.as_ref(),
        cookies: event.cookies.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_names_what_events_are_read_for() {
        let plan = event_plan();
        assert!(plan.members.contains(&"authorizationToken"));
        assert!(plan.members.contains(&"requestContext"));
        assert!(plan.nested["requestContext"].contains(&"connectionId"));
        // Each nested object is a member of the top level or of a nested object.
        for path in plan.nested.keys() {
            match path.rsplit_once('.') {
                None => assert!(plan.members.contains(path), "{path}"),
                Some((parent, name)) => assert!(plan.nested[parent].contains(&name), "{path}"),
            }
        }
        for map in plan.header_maps.iter().chain(&plan.query_maps) {
            assert!(plan.members.contains(map), "{map}");
        }
    }

    #[test]
    fn stage_prefix() {
        assert_eq!(strip_stage("/prod/pets", Some("prod")), "/pets");
        assert_eq!(strip_stage("/prod", Some("prod")), "/");
        assert_eq!(
            strip_stage("/production/pets", Some("prod")),
            "/production/pets"
        );
        assert_eq!(strip_stage("/pets", Some("$default")), "/pets");
    }
}
