//! The three segments of a compact JWS, decoded with precise error messages.

use serde_json::{Map, Value};

use crate::json;

/// Where in a token something is wrong, for tools that point at it (the token inspector).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Location {
    /// The segment, from 1 (header, payload, signature).
    pub segment: Option<u8>,
    /// The offending character's offset in the segment, from 0.
    pub offset: Option<usize>,
    /// How many dots the token has, when that is what is wrong.
    pub dots: Option<usize>,
    /// The line of a JSON fault in the decoded segment, from 1.
    pub line: Option<usize>,
    /// Its column, from 1.
    pub column: Option<usize>,
}

/// A malformed token: what is wrong, in words, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    pub message: String,
    pub at: Location,
}

impl Malformed {
    fn new(message: String, at: Location) -> Self {
        Self { message, at }
    }

    /// As an `ERR_JWS_INVALID` error (the structure, a segment's encoding, the header).
    pub(crate) fn jws(self) -> crate::Error {
        crate::Error::Malformed {
            claims: false,
            message: self.message,
            at: Box::new(self.at),
        }
    }

    /// As an `ERR_JWT_INVALID` error (the claims set).
    pub(crate) fn jwt(self) -> crate::Error {
        crate::Error::Malformed {
            claims: true,
            message: self.message,
            at: Box::new(self.at),
        }
    }
}

/// Which part of a compact JWS an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Header,
    Payload,
    Signature,
}

impl Part {
    /// Its number, from 1.
    fn number(self) -> u8 {
        match self {
            Part::Header => 1,
            Part::Payload => 2,
            Part::Signature => 3,
        }
    }

    /// A location in this part.
    fn at(self) -> Location {
        Location {
            segment: Some(self.number()),
            ..Location::default()
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Part::Header => "segment 1 (header)",
            Part::Payload => "segment 2 (payload)",
            Part::Signature => "segment 3 (signature)",
        }
    }
}

/// The three segments, still encoded. Exactly two dots, or an error naming what is wrong.
pub(crate) fn split(token: &str) -> Result<[&str; 3], Malformed> {
    let mut parts = token.split('.');
    if let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        Ok([h, p, s])
    } else {
        let dots = token.matches('.').count();
        let message = if dots == 4 {
            "the token has 5 segments: it is a JWE (encrypted), not a JWS".to_owned()
        } else {
            format!("a compact JWS has 3 segments separated by 2 dots; this has {dots} dots")
        };
        let at = Location {
            dots: Some(dots),
            ..Location::default()
        };
        Err(Malformed::new(message, at))
    }
}

/// Decodes strict unpadded base64url, pointing at the first offending byte.
pub(crate) fn decode(segment: &str, part: Part) -> Result<Vec<u8>, Malformed> {
    // One pass for the usual, valid segment; the offending byte is looked for only on failure.
    base64url(segment.as_bytes()).ok_or_else(|| invalid(segment, part))
}

/// Why a segment is not strict unpadded base64url.
fn invalid(segment: &str, part: Part) -> Malformed {
    let Some((at, byte)) = segment
        .bytes()
        .enumerate()
        .find(|(_, b)| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
    else {
        let message = format!(
            "{}: invalid base64url: impossible length {} or non-zero trailing bits",
            part.describe(),
            segment.len()
        );
        return Malformed::new(message, part.at());
    };
    let what = match byte {
        b'=' => "padding '=' (base64url in a JWS is unpadded)".to_owned(),
        b'+' | b'/' => format!("'{}' (base64, not base64url)", byte as char),
        b if b.is_ascii_whitespace() => "whitespace".to_owned(),
        b if b.is_ascii_graphic() => format!("'{}'", b as char),
        b => format!("byte 0x{b:02x}"),
    };
    let message = format!(
        "{}: invalid base64url: {what} at offset {at}",
        part.describe()
    );
    let location = Location {
        offset: Some(at),
        ..part.at()
    };
    Malformed::new(message, location)
}

/// The value of each base64url character, or 0xff.
#[allow(clippy::cast_possible_truncation)] // i < 64
const DECODE: [u8; 256] = {
    let mut table = [0xff_u8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Strict unpadded base64url (RFC 7515 §2): no padding, no other alphabet, and the unused
/// trailing bits must be zero, so every byte string has exactly one encoding. Token segments
/// are public, so this table-driven decoder need not be constant-time (it is several times
/// faster than one that is). Whole groups are decoded without a branch per character (an
/// invalid one's 0xff sets a high bit, looked at once after the loop) and stored byte by byte:
/// a three-byte slice copy is a `memory.copy` in wasm, slower than the three stores.
#[allow(clippy::cast_possible_truncation)] // taking the low byte is the point
#[allow(clippy::many_single_char_names)] // the four sextets of a group
fn base64url(input: &[u8]) -> Option<Vec<u8>> {
    let rest = input.len() % 4;
    if rest == 1 {
        return None;
    }
    let whole = input.len() - rest;
    let mut out = vec![0; whole / 4 * 3 + rest.saturating_sub(1)];
    let (body, tail) = out.split_at_mut(whole / 4 * 3);
    let mut seen = 0_u8;
    for (chunk, bytes) in input[..whole].chunks_exact(4).zip(body.chunks_exact_mut(3)) {
        // Spelled out: built for size (opt-level "s"), `[0, 1, 2, 3].map(…)` and
        // a `fold` over the four stay loops and calls (3 µs more per token).
        let (a, b, c, d) = (
            DECODE[usize::from(chunk[0])],
            DECODE[usize::from(chunk[1])],
            DECODE[usize::from(chunk[2])],
            DECODE[usize::from(chunk[3])],
        );
        seen |= a | b | c | d;
        let v = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        bytes[0] = (v >> 16) as u8;
        bytes[1] = (v >> 8) as u8;
        bytes[2] = v as u8;
    }
    if seen & 0x80 != 0 {
        return None;
    }
    if rest > 0 {
        let v = sextets(&input[whole..])? << (6 * (4 - rest));
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        // The bits after the last whole byte must be zero (canonical encoding).
        if bytes[rest - 1] != 0 {
            return None;
        }
        tail.copy_from_slice(&bytes[..rest - 1]);
    }
    Some(out)
}

/// Up to four characters as a big-endian group of sextets.
fn sextets(chars: &[u8]) -> Option<u32> {
    chars
        .iter()
        .try_fold(0_u32, |acc, c| match DECODE[usize::from(*c)] {
            0xff => None,
            v => Some(acc << 6 | u32::from(v)),
        })
}

/// Decodes a segment that must hold a JSON object (header or payload).
pub(crate) fn decode_object(
    segment: &str,
    part: Part,
) -> Result<(Map<String, Value>, String), Malformed> {
    parse_object(decode(segment, part)?, part)
}

/// A decoded segment as text, or where its UTF-8 breaks.
pub(crate) fn utf8(bytes: Vec<u8>, part: Part) -> Result<String, Malformed> {
    String::from_utf8(bytes).map_err(|err| {
        let message = format!(
            "{}: not UTF-8 (byte {})",
            part.describe(),
            err.utf8_error().valid_up_to()
        );
        Malformed::new(message, part.at())
    })
}

/// Parses a decoded segment that must hold a JSON object; returns it and its text.
pub(crate) fn parse_object(
    bytes: Vec<u8>,
    part: Part,
) -> Result<(Map<String, Value>, String), Malformed> {
    let text = utf8(bytes, part)?;
    match json::parse(&text) {
        Ok(Value::Object(map)) => Ok((map, text)),
        Ok(_) => Err(Malformed::new(
            format!("{}: not a JSON object", part.describe()),
            part.at(),
        )),
        Err(err) => {
            let at = Location {
                line: Some(err.line()),
                column: Some(err.column()),
                ..part.at()
            };
            Err(Malformed::new(
                format!("{}: invalid JSON: {err}", part.describe()),
                at,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;

    #[test]
    fn agrees_with_base64ct_on_every_length_and_rejects_what_it_rejects() {
        for len in 0..70_u8 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| i.wrapping_mul(37).wrapping_add(len))
                .collect();
            let text = Base64UrlUnpadded::encode_string(&bytes);
            assert_eq!(base64url(text.as_bytes()), Some(bytes), "{text}");
        }
        for bad in ["A", "AB=", "AB+/", "AF", "AAB", "AAAAA", "a b", "Zm9vYg=="] {
            assert_eq!(base64url(bad.as_bytes()), None, "{bad}");
            assert!(Base64UrlUnpadded::decode_vec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_a_bad_character_at_any_offset() {
        let good = Base64UrlUnpadded::encode_string(b"0123456789abcde").into_bytes();
        for at in 0..good.len() {
            for byte in [b'=', b'+', b'/', b' ', b'.', 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] = byte;
                assert_eq!(base64url(&bad), None, "{byte:#x} at {at}");
            }
        }
        assert!(base64url(&good).is_some());
    }
}
