//! API Gateway authorizer events: which of the five shapes an event is, the route it asks
//! for, and the token in its identity source. Only the fields a shape really has are read.

use core::fmt;
use std::borrow::Cow;

use serde::{
    de::{IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer, Serialize,
};

use super::arn::MethodArn;
use crate::{
    error::Error,
    json::{self, ObjectOnly, Text, MAX_DOCUMENT_BYTES},
    policy::route::Target,
    request::Readings,
};

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
}

#[derive(Debug, Default, Deserialize)]
struct RawHttp<'a> {
    #[serde(borrow)]
    method: Option<Text<'a>>,
    #[serde(borrow)]
    path: Option<Text<'a>>,
}

/// For `#[serde(deserialize_with)]`: true for a member that is there, even as `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// A header or query-string map, in the event's order. Values that are neither text nor a
/// list (multi-value maps) are kept as [`Field::Other`], so the caller can say what is wrong.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

/// One value of a [`Fields`] map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'a> {
    /// A string.
    Text(Cow<'a, str>),
    /// A list (of a multi-value map): its values, `None` for one that is not a string.
    List(Vec<Option<Cow<'a, str>>>),
    /// Anything else.
    Other,
}

impl<'a> Fields<'a> {
    /// Header lookup ignoring case, as HTTP requires (REST events keep the client's case):
    /// every entry of that name.
    fn all_ci<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Field<'a>> + 's {
        self.0
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The only entry of that name (ignoring case); `Err` with how many there are when several.
    fn single_ci(&self, name: &str) -> Result<Option<&Field<'a>>, usize> {
        let matches = |(key, _): &&(Cow<'a, str>, Field<'a>)| key.eq_ignore_ascii_case(name);
        match self.0.iter().filter(matches).count() {
            0 | 1 => Ok(self.0.iter().find(matches).map(|(_, value)| value)),
            several => Err(several),
        }
    }

    /// The string value of `name`, compared exactly (query-string parameters).
    fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find_map(|(k, v)| match v {
            Field::Text(text) if k == name => Some(&**text),
            _ => None,
        })
    }

    /// How many values a list under `name` (compared exactly) holds; 0 for none or no list.
    fn list_len(&self, name: &str) -> usize {
        self.0
            .iter()
            .find_map(|(k, v)| match v {
                Field::List(values) if k == name => Some(values.len()),
                _ => None,
            })
            .unwrap_or(0)
    }
}

impl<'a> FromIterator<(Cow<'a, str>, Field<'a>)> for Fields<'a> {
    fn from_iter<I: IntoIterator<Item = (Cow<'a, str>, Field<'a>)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(Text(name)) = map.next_key()? {
                    fields.push((name, map.next_value::<Field<'de>>()?));
                }
                // As strict as every other document: one name, one value.
                let mut names: Vec<Cow<'_, str>> = fields.iter().map(|(n, _)| n.clone()).collect();
                json::refuse_duplicates(&mut names)?;
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Field::Text(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<Field<'de>>()? {
                    values.push(match value {
                        Field::Text(text) => Some(text),
                        Field::List(_) | Field::Other => None,
                    });
                }
                Ok(Field::List(values))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Field::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// Reads an authorizer event from its JSON text.
pub(crate) fn parse_json(text: &str, source: &TokenSource) -> Result<Request, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(bad(format!(
            "event: {} bytes; at most {MAX_DOCUMENT_BYTES} are accepted",
            text.len()
        )));
    }
    match serde_json::from_str::<Option<ObjectOnly<RawEvent<'_>>>>(text) {
        Ok(Some(ObjectOnly(event))) => parse(&event, source),
        Ok(None) => Err(bad("the event is not a JSON object")),
        Err(err) if err.is_data() => {
            Err(bad(format!("the event is not an authorizer event: {err}")))
        }
        Err(err) => Err(bad(format!("event: {err}"))),
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
            }
        }
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

/// HTTP API paths carry the stage name unless the stage is `$default`.
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
    pub headers: Option<&'a Fields<'a>>,
    pub multi_value_headers: Option<&'a Fields<'a>>,
    pub query: Option<&'a Fields<'a>>,
    pub multi_value_query: Option<&'a Fields<'a>>,
    pub cookies: Option<&'a [Text<'a>]>,
}

impl<'a> Carriers<'a> {
    fn of_event(event: &'a RawEvent<'a>) -> Self {
        Self {
            headers: event.headers.as_ref(),
            multi_value_headers: event.multi_value_headers.as_ref(),
            query: event.query_string_parameters.as_ref(),
            multi_value_query: event.multi_value_query_string_parameters.as_ref(),
            cookies: event.cookies.as_deref(),
        }
    }
}

/// The token from the configured header, else query parameter, else cookie. A different token
/// in another of them is as ambiguous as a header given twice: the backend might read that one.
pub(crate) fn token_from_request(
    carriers: Carriers<'_>,
    source: &TokenSource,
) -> Result<String, String> {
    let header = header_value(carriers, &source.header)?.map(|v| ("header", v));
    let query = match &source.query {
        Some(name) => query_value(carriers, name)?.map(|v| ("query parameter", v)),
        None => None,
    };
    let cookie = match &source.cookie {
        Some(name) => cookie_value(carriers, name)?.map(|v| ("cookie", v)),
        None => None,
    };
    let mut found = [header, query, cookie].into_iter().flatten();
    let Some((first, value)) = found.next() else {
        return Err("no token in the identity source".into());
    };
    let token = bearer(value)?;
    for (other, value) in found {
        if bearer(value).is_ok_and(|t| t != token) {
            return Err(format!(
                "different tokens in the {first} and the {other}: ambiguous"
            ));
        }
    }
    Ok(token)
}

/// The token header's value; `Err` when it is given more than once or is not a string.
fn header_value<'a>(carriers: Carriers<'a>, name: &str) -> Result<Option<&'a str>, String> {
    let ambiguous = |count: usize| format!("{count} {name} headers: ambiguous");
    if let Some(multi) = carriers.multi_value_headers {
        // Names differing only in case are the same header: their values add up.
        let values: usize = multi
            .all_ci(name)
            .map(|field| match field {
                Field::List(values) => values.len(),
                _ => 0,
            })
            .sum();
        if values > 1 {
            return Err(ambiguous(values));
        }
    }
    let Some(headers) = carriers.headers else {
        return Ok(None);
    };
    match headers.single_ci(name) {
        Err(count) => Err(ambiguous(count)),
        Ok(Some(Field::Text(text))) => Ok(Some(&**text)),
        Ok(Some(_)) => Err(format!("{name} header is not a string")),
        Ok(None) => Ok(None),
    }
}

/// The token query parameter's value; `Err` when it is given more than once (the backend might
/// read the value that was not checked).
fn query_value<'a>(carriers: Carriers<'a>, name: &str) -> Result<Option<&'a str>, String> {
    let values = [carriers.multi_value_query, carriers.query]
        .into_iter()
        .flatten()
        .map(|q| q.list_len(name))
        .max()
        .unwrap_or(0);
    if values > 1 {
        return Err(format!("{values} {name} query parameters: ambiguous"));
    }
    Ok(carriers.query.and_then(|q| q.text(name)))
}

/// The token cookie's value, from the 2.0 `cookies` array or the `Cookie` headers; `Err` when
/// it is given more than once. Names are compared trimmed, as cookie parsers read them
/// (`session =a` is a `session` cookie to npm's `cookie` and to Hono).
fn cookie_value<'a>(carriers: Carriers<'a>, name: &str) -> Result<Option<&'a str>, String> {
    let mut found = cookie_pairs(carriers)
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| k.trim() == name)
        .map(|(_, v)| v);
    let first = found.next();
    match found.count() {
        0 => Ok(first),
        more => Err(format!("{} {name} cookies: ambiguous", more + 1)),
    }
}

/// Every `name=value` pair of a request's cookies, each counted once.
/// - An HTTP API 2.0 event moves cookies out of the headers into the `cookies` array (a local
///   emulator may leave them in both): the array alone.
/// - Otherwise every `Cookie` header value of both header maps: a REST event's
///   `multiValueHeaders` keeps all its `Cookie` headers, `headers` one of them (a direct
///   request may give a list). A value of `headers` that `multiValueHeaders` holds too is that
///   same header; any other (beside a malformed multi-value entry) is counted as well, so that
///   it cannot hide a token cookie.
fn cookie_pairs<'a>(carriers: Carriers<'a>) -> Box<dyn Iterator<Item = &'a str> + 'a> {
    if let Some(array) = carriers.cookies {
        return Box::new(array.iter().map(|c| &**c));
    }
    let multi: Vec<&'a str> = cookie_headers(carriers.multi_value_headers).collect();
    let single: Vec<&'a str> = cookie_headers(carriers.headers)
        .filter(|value| !multi.contains(value))
        .collect();
    Box::new(multi.into_iter().chain(single).flat_map(|h| h.split(';')))
}

/// The text of every `Cookie` entry of a header map: a string, or each string of a list.
fn cookie_headers<'a>(map: Option<&'a Fields<'a>>) -> impl Iterator<Item = &'a str> + 'a {
    map.into_iter()
        .flat_map(|m| m.all_ci("cookie"))
        .flat_map(|field| match field {
            Field::Text(text) => vec![&**text],
            Field::List(values) => values.iter().flatten().map(|v| &**v).collect(),
            Field::Other => Vec::new(),
        })
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
    // Tokens are printable ASCII, which a word-at-a-time scan settles; other text gets the full
    // Unicode check.
    let has_whitespace = !printable_ascii(token.as_bytes()) && token.contains(char::is_whitespace);
    if has_whitespace {
        return Err("the token contains whitespace".into());
    }
    Ok(token.to_owned())
}

fn truncate(text: &str) -> &str {
    crate::error::truncated(text, 32)
}

/// Whether every byte is printable ASCII (`!` to `~`), eight bytes at a time: a token is most
/// of an event, and a byte loop over it costs more than the rest of reading the event.
fn printable_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut le = [0; 8];
        le.copy_from_slice(word);
        let w = u64::from_le_bytes(le);
        // A byte below 0x21 borrows into its top bit (and has it clear to begin with); a byte
        // above 0x7e has it set, or gets it from the added one. Neither misses a byte; a
        // borrow or carry can only flag bytes next to one that is out of range.
        let below = w.wrapping_sub(ONES * 0x21) & !w;
        let above = w.wrapping_add(ONES) | w;
        if (below | above) & HIGH != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|b| (0x21..0x7f).contains(b))
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
        // Whitespace of every kind inside the token, ASCII or not; other non-ASCII is the
        // verifier's to refuse.
        for inner in [
            "a\tb",
            "a\x0bb",
            "a\x0cb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{3000}b",
        ] {
            assert_eq!(
                bearer(&format!("Bearer {inner}")),
                Err("the token contains whitespace".into()),
                "{inner:?}"
            );
        }
        assert_eq!(bearer("Bearer a\u{e9}b~").unwrap(), "a\u{e9}b~");
    }

    /// Every byte value at every position of a word and of the tail, against the plain check.
    #[test]
    fn printable_ascii_is_exact() {
        let plain = |bytes: &[u8]| bytes.iter().all(|b| (0x21..0x7f).contains(b));
        for len in [7, 8, 9, 16, 19] {
            for at in 0..len {
                for byte in 0..=255u8 {
                    for fill in [b'A', b'!', b'~'] {
                        let mut bytes = vec![fill; len];
                        bytes[at] = byte;
                        assert_eq!(printable_ascii(&bytes), plain(&bytes), "{bytes:?}");
                    }
                }
            }
        }
        assert!(printable_ascii(b""));
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
