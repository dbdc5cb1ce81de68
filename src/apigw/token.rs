//! Where a request carries its token: the configured header (a `Bearer` credential), query
//! parameter or cookie, and why a request that carries it ambiguously has none.

use core::fmt;
use std::borrow::Cow;

use serde::{
    de::{IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};

use crate::{
    json::{self, Text},
    sender::Scheme,
};

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
    pub(crate) fn all_ci<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Field<'a>> + 's {
        self.0
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The only entry of that name (ignoring case); `Err` with how many there are when several.
    pub(crate) fn single_ci(&self, name: &str) -> Result<Option<&Field<'a>>, usize> {
        let matches = |(key, _): &&(Cow<'a, str>, Field<'a>)| key.eq_ignore_ascii_case(name);
        match self.0.iter().filter(matches).count() {
            0 | 1 => Ok(self.0.iter().find(matches).map(|(_, value)| value)),
            several => Err(several),
        }
    }

    /// The string value of `name`, compared exactly (query-string parameters).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find_map(|(k, v)| match v {
            Field::Text(text) if k == name => Some(&**text),
            _ => None,
        })
    }

    /// How many values a list under `name` (compared exactly) holds; 0 for none or no list.
    pub(crate) fn list_len(&self, name: &str) -> usize {
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

/// The header of DPoP proofs, in lower case.
const DPOP_HEADER: &str = "dpop";

/// A token and the scheme it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub scheme: Scheme,
    pub token: String,
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
    /// Whether the `DPoP` header (the proof, RFC 9449 §4.1) is read too.
    pub dpop: bool,
}

impl TokenSource {
    /// The lower-case names of the headers that can carry the token: the token header, and
    /// `cookie` when a token cookie is configured.
    #[must_use]
    pub fn carrier_headers(&self) -> Vec<String> {
        let mut names = vec![self.header.to_ascii_lowercase()];
        for (wanted, name) in [(self.cookie.is_some(), "cookie"), (self.dpop, DPOP_HEADER)] {
            if wanted && !names.iter().any(|n| n == name) {
                names.push(name.into());
            }
        }
        names
    }
}

impl Default for TokenSource {
    fn default() -> Self {
        Self {
            header: "authorization".into(),
            query: None,
            cookie: None,
            dpop: false,
        }
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

/// The token from the configured header, else query parameter, else cookie. A different token
/// in another of them is as ambiguous as a header given twice: the backend might read that one.
pub(crate) fn token_from_request(
    carriers: Carriers<'_>,
    source: &TokenSource,
) -> Result<Credential, String> {
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
    let token = credential(value)?;
    for (other, value) in found {
        if credential(value).is_ok_and(|t| t.token != token.token) {
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

/// The `DPoP` proof of a request, if it has one; `Err` when it has several (RFC 9449 §4.3
/// allows one).
pub(crate) fn dpop_proof(carriers: Carriers<'_>) -> Result<Option<String>, String> {
    Ok(header_value(carriers, DPOP_HEADER)?.map(|proof| proof.trim().to_owned()))
}

/// The token of an `Authorization`-style value: `Bearer <token>` or `DPoP <token>` (scheme in
/// any case, any spaces), or a bare token as API Gateway's own JWT authorizer accepts. Other
/// schemes (`Basic …`) carry no token.
pub(crate) fn credential(value: &str) -> Result<Credential, String> {
    let value = value.trim();
    let mut scheme = Scheme::Bearer;
    let token = match value.split_once(char::is_whitespace) {
        Some((name, rest)) if name.eq_ignore_ascii_case("bearer") => rest.trim_start(),
        Some((name, rest)) if name.eq_ignore_ascii_case("dpop") => {
            scheme = Scheme::Dpop;
            rest.trim_start()
        }
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
    Ok(Credential {
        scheme,
        token: token.to_owned(),
    })
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
        let bearer = |value: &str| credential(value).map(|c| c.token);
        let dpop = credential("DPoP  abc").unwrap();
        assert_eq!((dpop.scheme, &*dpop.token), (Scheme::Dpop, "abc"));
        assert_eq!(credential("abc").unwrap().scheme, Scheme::Bearer);
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
}
