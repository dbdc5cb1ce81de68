//! The three segments of a compact JWS, decoded with precise error messages.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Map, Value};

use crate::json;

/// Which part of a compact JWS an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Header,
    Payload,
    Signature,
}

impl Part {
    fn describe(self) -> &'static str {
        match self {
            Part::Header => "segment 1 (header)",
            Part::Payload => "segment 2 (payload)",
            Part::Signature => "segment 3 (signature)",
        }
    }
}

/// The three segments, still encoded. Exactly two dots, or an error naming what is wrong.
pub(crate) fn split(token: &str) -> Result<[&str; 3], String> {
    let mut parts = token.split('.');
    if let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        Ok([h, p, s])
    } else {
        let dots = token.matches('.').count();
        Err(if dots == 4 {
            "the token has 5 segments: it is a JWE (encrypted), not a JWS".to_owned()
        } else {
            format!("a compact JWS has 3 segments separated by 2 dots; this has {dots} dots")
        })
    }
}

/// Decodes strict unpadded base64url, pointing at the first offending byte.
pub(crate) fn decode(segment: &str, part: Part) -> Result<Vec<u8>, String> {
    if let Some((at, byte)) = segment
        .bytes()
        .enumerate()
        .find(|(_, b)| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
    {
        let what = match byte {
            b'=' => "padding '=' (base64url in a JWS is unpadded)".to_owned(),
            b'+' | b'/' => format!("'{}' (base64, not base64url)", byte as char),
            b if b.is_ascii_whitespace() => "whitespace".to_owned(),
            b if b.is_ascii_graphic() => format!("'{}'", b as char),
            b => format!("byte 0x{b:02x}"),
        };
        return Err(format!(
            "{}: invalid base64url: {what} at offset {at}",
            part.describe()
        ));
    }
    Base64UrlUnpadded::decode_vec(segment).map_err(|_| {
        format!(
            "{}: invalid base64url: impossible length {} or non-zero trailing bits",
            part.describe(),
            segment.len()
        )
    })
}

/// Decodes a segment that must hold a JSON object (header or payload).
pub(crate) fn decode_object(
    segment: &str,
    part: Part,
) -> Result<(Map<String, Value>, String), String> {
    let bytes = decode(segment, part)?;
    let text = String::from_utf8(bytes).map_err(|err| {
        format!(
            "{}: not UTF-8 (byte {})",
            part.describe(),
            err.utf8_error().valid_up_to()
        )
    })?;
    match json::parse(text.as_bytes()) {
        Ok(Value::Object(map)) => Ok((map, text)),
        Ok(_) => Err(format!("{}: not a JSON object", part.describe())),
        Err(err) => Err(format!("{}: invalid JSON: {err}", part.describe())),
    }
}
