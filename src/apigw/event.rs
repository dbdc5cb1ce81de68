//! API Gateway authorizer events: which of the five shapes an event is, the route it asks
//! for, and the token in its identity source. Only the fields a shape really has are read.

use serde::Serialize;
use serde_json::{Map, Value};

use super::arn::MethodArn;
use crate::{error::Error, policy::route::Target};

/// Which authorizer event API Gateway sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// Where the token is read from, besides a TOKEN event's `authorizationToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSource {
    /// Header name, compared case-insensitively (default `authorization`).
    pub header: String,
    /// Query-string parameter, if configured (WebSocket clients cannot set headers).
    pub query: Option<String>,
    /// Cookie name, if configured.
    pub cookie: Option<String>,
}

impl Default for TokenSource {
    fn default() -> Self {
        Self {
            header: "authorization".into(),
            query: None,
            cookie: None,
        }
    }
}

/// What the decision needs from an event.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub shape: Shape,
    pub method: Option<String>,
    pub path: Option<String>,
    pub route_key: Option<String>,
    /// Present, or why not (missing, ambiguous, another scheme).
    pub token: Result<String, String>,
    pub arn: Option<MethodArn>,
}

impl Request {
    pub(crate) fn target(&self) -> Option<Target<'_>> {
        match (&self.route_key, &self.method, &self.path) {
            (Some(key), _, _) => Some(Target::Key(key)),
            (None, Some(method), Some(path)) => Some(Target::Http { method, path }),
            _ => None,
        }
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::EventInvalid(message.into())
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn object<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    object.get(key).and_then(Value::as_object)
}

/// Reads an authorizer event.
pub(crate) fn parse(event: &Value, source: &TokenSource) -> Result<Request, Error> {
    let event = event
        .as_object()
        .ok_or_else(|| bad("the event is not a JSON object"))?;
    let context = object(event, "requestContext");
    let arn = |key: &str| text(event, key).map(MethodArn::parse).transpose();
    let shape = detect(event, context)?;
    let mut request = match shape {
        Shape::RestToken => {
            let arn = arn("methodArn")?.ok_or_else(|| bad("TOKEN event without methodArn"))?;
            let token = text(event, "authorizationToken")
                .ok_or_else(|| "no authorizationToken".to_owned())
                .and_then(bearer);
            Request {
                shape,
                method: Some(arn.method.clone()),
                path: Some(arn.path.clone()),
                route_key: None,
                token,
                arn: Some(arn),
            }
        }
        Shape::HttpV2 => {
            let http = context.and_then(|c| object(c, "http"));
            let stage = context.and_then(|c| text(c, "stage"));
            let path = text(event, "rawPath").or_else(|| http.and_then(|h| text(h, "path")));
            Request {
                shape,
                method: http
                    .and_then(|h| text(h, "method"))
                    .map(str::to_ascii_uppercase),
                path: path.map(|p| strip_stage(p, stage)),
                route_key: None,
                token: Err(String::new()),
                arn: arn("routeArn")?,
            }
        }
        Shape::WebSocket => Request {
            shape,
            method: None,
            path: None,
            route_key: context.and_then(|c| text(c, "routeKey")).map(str::to_owned),
            token: Err(String::new()),
            arn: arn("methodArn")?,
        },
        Shape::RestRequest | Shape::HttpV1 => Request {
            shape,
            method: text(event, "httpMethod").map(str::to_ascii_uppercase),
            path: text(event, "path").map(str::to_owned),
            route_key: None,
            token: Err(String::new()),
            arn: arn("methodArn")?,
        },
        Shape::Direct => return Err(bad("not an API Gateway event")),
    };
    if shape != Shape::RestToken {
        request.token = token_from_request(Carriers::of_event(event), source);
    }
    if request.target().is_none() {
        return Err(bad(format!(
            "{shape:?} event without a method and path or route key"
        )));
    }
    Ok(request)
}

fn detect(
    event: &Map<String, Value>,
    context: Option<&Map<String, Value>>,
) -> Result<Shape, Error> {
    match (text(event, "type"), text(event, "version")) {
        (Some("TOKEN"), _) => Ok(Shape::RestToken),
        (_, Some("2.0")) => Ok(Shape::HttpV2),
        (_, Some("1.0")) => Ok(Shape::HttpV1),
        (Some("REQUEST"), _) => {
            let websocket = context.is_some_and(|c| {
                c.contains_key("connectionId") || text(c, "eventType") == Some("CONNECT")
            });
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

/// HTTP API paths carry the stage name unless the stage is `$default`.
fn strip_stage(path: &str, stage: Option<&str>) -> String {
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

/// Where a request may carry its token, borrowed from an event or a direct request.
#[derive(Default, Clone, Copy)]
pub(crate) struct Carriers<'a> {
    pub headers: Option<&'a Map<String, Value>>,
    pub multi_value_headers: Option<&'a Map<String, Value>>,
    pub query: Option<&'a Map<String, Value>>,
    pub cookies: Option<&'a [Value]>,
}

impl<'a> Carriers<'a> {
    fn of_event(event: &'a Map<String, Value>) -> Self {
        Self {
            headers: object(event, "headers"),
            multi_value_headers: object(event, "multiValueHeaders"),
            query: object(event, "queryStringParameters"),
            cookies: event
                .get("cookies")
                .and_then(Value::as_array)
                .map(Vec::as_slice),
        }
    }
}

/// The token from the configured header, else query parameter, else cookie.
pub(crate) fn token_from_request(
    carriers: Carriers<'_>,
    source: &TokenSource,
) -> Result<String, String> {
    if let Some(multi) = carriers.multi_value_headers {
        let values = lookup_ci(multi, &source.header)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if values > 1 {
            return Err(format!("{values} {} headers: ambiguous", source.header));
        }
    }
    if let Some(value) = carriers.headers.and_then(|h| lookup_ci(h, &source.header)) {
        return value
            .as_str()
            .ok_or_else(|| format!("{} header is not a string", source.header))
            .and_then(bearer);
    }
    if let Some(name) = &source.query {
        if let Some(value) = carriers.query.and_then(|q| text(q, name)) {
            return bearer(value);
        }
    }
    if let Some(name) = &source.cookie {
        if let Some(value) = cookie(carriers, name) {
            return bearer(&value);
        }
    }
    Err("no token in the identity source".into())
}

/// Header lookup ignoring case, as HTTP requires (REST events keep the client's case).
pub(crate) fn lookup_ci<'a>(headers: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A cookie from the 2.0 `cookies` array or a `Cookie` header.
fn cookie(carriers: Carriers<'_>, name: &str) -> Option<String> {
    let from_array = carriers
        .cookies
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    let from_header = carriers
        .headers
        .and_then(|h| lookup_ci(h, "cookie"))
        .and_then(Value::as_str)
        .into_iter()
        .flat_map(|h| h.split(';'));
    from_array
        .chain(from_header)
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The token of an `Authorization`-style value: `Bearer <token>` (scheme in any case, any
/// spaces), or a bare token as API Gateway's own JWT authorizer accepts. Other schemes
/// (`Basic …`) carry no token.
pub(crate) fn bearer(value: &str) -> Result<String, String> {
    let value = value.trim();
    let token = match value.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_start(),
        Some((scheme, _)) => {
            return Err(format!(
                "unsupported authorization scheme {:?}",
                truncate(scheme)
            ))
        }
        None if value.eq_ignore_ascii_case("bearer") => "",
        None => value,
    };
    if token.is_empty() {
        return Err("empty token".into());
    }
    if token.contains(char::is_whitespace) {
        return Err("the token contains whitespace".into());
    }
    Ok(token.to_owned())
}

fn truncate(text: &str) -> &str {
    crate::error::truncated(text, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer abc").unwrap(), "abc");
        assert_eq!(bearer("bearer   abc ").unwrap(), "abc");
        assert_eq!(bearer("BEARER abc").unwrap(), "abc");
        assert_eq!(bearer("abc").unwrap(), "abc");
        assert!(bearer("Basic dXNlcjpwYXNz").is_err());
        assert!(bearer("Bearer ").is_err());
        assert!(bearer("Bearer a b").is_err());
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
